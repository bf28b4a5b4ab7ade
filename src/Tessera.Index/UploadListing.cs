namespace Tessera.Index;

/// <summary>One page of <see cref="IIndexStore.ListUploads"/>.</summary>
/// <param name="Uploads">Uploads: keys in UTF-8 byte order, each key's uploads oldest (first initiated) first.</param>
/// <param name="CommonPrefixes">Rolled-up prefixes, in order.</param>
/// <param name="IsTruncated">More entries follow.</param>
/// <param name="NextKeyMarker">When truncated: the key of the last upload returned, or the last common prefix when that came last.</param>
/// <param name="NextUploadIdMarker">When truncated and the last entry was an upload: its id (null after a common prefix).</param>
public sealed record UploadListing(
    IReadOnlyList<MultipartUpload> Uploads,
    IReadOnlyList<string> CommonPrefixes,
    bool IsTruncated,
    string? NextKeyMarker,
    string? NextUploadIdMarker);
