namespace Tessera.Index;

/// <summary>One page of <see cref="IIndexStore.ListObjectVersions"/>.</summary>
/// <param name="Versions">Versions and delete markers interleaved: keys in UTF-8 byte order, each key's newest first.</param>
/// <param name="CommonPrefixes">Rolled-up prefixes, in order.</param>
/// <param name="IsTruncated">More entries follow.</param>
/// <param name="NextKeyMarker">
/// When truncated: the key of the last entry returned, or the last common prefix when that came last.
/// </param>
/// <param name="NextVersionIdMarker">
/// When truncated and the last entry was a version or delete marker: its version id (null after a common prefix).
/// </param>
public sealed record VersionListing(
    IReadOnlyList<VersionEntry> Versions,
    IReadOnlyList<string> CommonPrefixes,
    bool IsTruncated,
    string? NextKeyMarker,
    string? NextVersionIdMarker);
