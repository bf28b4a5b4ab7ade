namespace Tessera.Index;

/// <summary>
/// The value of a segment-reference record (<c>06 'R' segment</c>): the version whose manifest lists the segment.
/// </summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key.</param>
/// <param name="Sequence">The version's <see cref="ObjectManifest.Sequence"/>.</param>
internal sealed record SegmentReference(string Bucket, string Key, ulong Sequence);
