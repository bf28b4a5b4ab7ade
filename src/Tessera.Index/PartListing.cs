namespace Tessera.Index;

/// <summary>One page of <see cref="IIndexStore.ListParts"/>.</summary>
/// <param name="Upload">The upload (for the initiator, owner and storage class of the response).</param>
/// <param name="Parts">The parts, in ascending part number.</param>
/// <param name="IsTruncated">More parts follow.</param>
/// <param name="NextPartNumberMarker">
/// The number of the last part listed (0 when none was): passed back as the part-number marker, it continues exactly.
/// </param>
public sealed record PartListing(MultipartUpload Upload, IReadOnlyList<UploadPart> Parts, bool IsTruncated, int NextPartNumberMarker);
