namespace Tessera.Index;

/// <summary>A ListObjectVersions request, already validated by the S3 layer.</summary>
/// <param name="Prefix">Only keys starting with this (null or empty: every key).</param>
/// <param name="Delimiter">Roll keys up to the first delimiter after the prefix into common prefixes; null or empty for none.</param>
/// <param name="KeyMarker">
/// Start after every version of this key (<c>key-marker</c>), or with <paramref name="VersionIdMarker"/> after that
/// one version of it; null or empty for the start.
/// </param>
/// <param name="VersionIdMarker">
/// Start after this version of <paramref name="KeyMarker"/> (<c>version-id-marker</c>); null or empty for none.
/// </param>
/// <param name="MaxKeys">Maximum number of versions, delete markers and common prefixes together (0..1000).</param>
public readonly record struct ListVersionsQuery(string Prefix, string? Delimiter, string? KeyMarker, string? VersionIdMarker, int MaxKeys);
