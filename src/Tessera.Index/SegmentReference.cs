namespace Tessera.Index;

/// <summary>
/// The value of a segment-reference record (<c>06 'R' segment</c>): the version whose manifest lists the segment, or
/// the multipart upload part that holds it.
/// </summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key.</param>
/// <param name="Sequence">The version's <see cref="ObjectManifest.Sequence"/>, or for a part the upload's sequence.</param>
/// <param name="UploadId">For a part: the upload id; null for a version.</param>
/// <param name="PartNumber">For a part: its number; 0 for a version.</param>
internal sealed record SegmentReference(string Bucket, string Key, ulong Sequence, string? UploadId = null, int PartNumber = 0)
{
    /// <summary>The segment is held by an upload part, not by a version.</summary>
    public bool IsPart => UploadId is not null;
}
