namespace Tessera.Index;

/// <summary>One stored part of a multipart upload (its bytes are one erasure-coded segment). Immutable.</summary>
/// <param name="PartNumber">1..10000.</param>
/// <param name="Segment">
/// The part's segment, with <see cref="SegmentManifest.PartNumber"/> equal to <paramref name="PartNumber"/>,
/// <see cref="SegmentManifest.Size"/> and <see cref="SegmentManifest.ETag"/> (hex MD5 of the part).
/// </param>
/// <param name="LastModified">When the part was uploaded.</param>
/// <param name="ChecksumAlgorithm">The part's checksum algorithm (<c>CRC32</c>, ...), if any.</param>
/// <param name="Checksum">The part's checksum (base64), if any.</param>
public sealed record UploadPart(int PartNumber, SegmentManifest Segment, DateTimeOffset LastModified, string? ChecksumAlgorithm = null, string? Checksum = null);
