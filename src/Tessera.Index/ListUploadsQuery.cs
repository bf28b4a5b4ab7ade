namespace Tessera.Index;

/// <summary>A ListMultipartUploads request, already validated by the S3 layer.</summary>
/// <param name="Prefix">Only keys starting with this (null or empty: every key).</param>
/// <param name="Delimiter">Roll keys up to the first delimiter after the prefix into common prefixes; null or empty for none.</param>
/// <param name="KeyMarker">
/// Start after every upload of this key (<c>key-marker</c>), or with <paramref name="UploadIdMarker"/> after that one
/// upload of it; null or empty for the start.
/// </param>
/// <param name="UploadIdMarker">
/// Start after this upload of <paramref name="KeyMarker"/> (<c>upload-id-marker</c>); ignored without a key marker,
/// as S3 does; null or empty for none.
/// </param>
/// <param name="MaxUploads">Maximum number of uploads and common prefixes together (0..1000).</param>
public readonly record struct ListUploadsQuery(string Prefix, string? Delimiter, string? KeyMarker, string? UploadIdMarker, int MaxUploads);
