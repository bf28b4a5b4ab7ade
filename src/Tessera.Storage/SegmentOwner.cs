namespace Tessera.Storage;

/// <summary>The object version a segment belongs to, written into every fragment header for index recovery.</summary>
/// <param name="Bucket">Bucket name.</param>
/// <param name="Key">Object key.</param>
/// <param name="VersionId">Version id (or multipart upload id).</param>
/// <param name="PartNumber">Multipart part number, 0 for a single-part object.</param>
public readonly record struct SegmentOwner(string Bucket, string Key, string VersionId, int PartNumber);
