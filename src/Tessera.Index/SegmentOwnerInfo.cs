namespace Tessera.Index;

/// <summary>What holds a segment: an object version, or a part of an open multipart upload.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key.</param>
/// <param name="VersionId">The version's id; null for a part of an open upload.</param>
/// <param name="UploadId">The upload id for a part of an open upload; null for a version.</param>
/// <param name="PartNumber">The part number of an open upload's part; 0 for a version.</param>
/// <param name="Segment">The segment as the index records it (disks included).</param>
/// <param name="StorageClass">The storage class of the version, or of the upload the part belongs to.</param>
public sealed record SegmentOwnerInfo(string Bucket, string Key, string? VersionId, string? UploadId, int PartNumber, SegmentManifest Segment, string StorageClass);
