namespace Tessera.Index;

/// <summary>
/// One version of an object: small, immutable, everything a GET needs besides the bytes. A write produces a new
/// manifest; nothing ever edits one in place.
/// </summary>
public sealed record ObjectManifest
{
    /// <summary>The object key (UTF-8, up to 1024 bytes, any characters except U+0000).</summary>
    public required string Key { get; init; }

    /// <summary>The S3 version id: <c>null</c> in unversioned buckets, otherwise unique and time-ordered.</summary>
    public required string VersionId { get; init; }

    /// <summary>
    /// Internal, strictly increasing write sequence (unique per index). Orders versions newest first in the index key
    /// even for <c>null</c> versions.
    /// </summary>
    public ulong Sequence { get; init; }

    /// <summary>True for a delete marker (no bytes, no segments).</summary>
    public bool IsDeleteMarker { get; init; }

    /// <summary>Object size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>ETag without quotes: hex MD5, or hex MD5 of part MD5s with <c>-N</c> for multipart.</summary>
    public string ETag { get; init; } = "";

    /// <summary>When the version was written.</summary>
    public DateTimeOffset LastModified { get; init; }

    /// <summary>Access key of the writer.</summary>
    public string Owner { get; init; } = "";

    /// <summary>Storage class as given by the client (STANDARD when none).</summary>
    public string StorageClass { get; init; } = "STANDARD";

    /// <summary>Content-Type.</summary>
    public string? ContentType { get; init; }

    /// <summary>Content-Encoding.</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>Content-Disposition.</summary>
    public string? ContentDisposition { get; init; }

    /// <summary>Content-Language.</summary>
    public string? ContentLanguage { get; init; }

    /// <summary>Cache-Control.</summary>
    public string? CacheControl { get; init; }

    /// <summary>Expires, as the client sent it.</summary>
    public string? Expires { get; init; }

    /// <summary>User metadata (x-amz-meta-* without the prefix, names lower-cased), in the order received.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> UserMetadata { get; init; } = [];

    /// <summary>Object tags.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>Checksums by algorithm name (<c>CRC32</c>, <c>CRC32C</c>, <c>CRC64NVME</c>, <c>SHA1</c>, <c>SHA256</c>) → base64.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Checksums { get; init; } = [];

    /// <summary>The object's segments in order (one for a plain PUT, one per part for multipart).</summary>
    public IReadOnlyList<SegmentManifest> Segments { get; init; } = [];

    /// <summary>
    /// The restore state of an archived version (a running RestoreObject or its temporary copy), or null. Changed only
    /// through <see cref="IIndexStore.SwapRestore"/>; every other write keeps the stored one.
    /// </summary>
    public ObjectRestore? Restore { get; init; }

    /// <summary>
    /// Every segment the version holds: <see cref="Segments"/>, then the restored copy's segments. What segment
    /// references, garbage, repair and scrub cover.
    /// </summary>
    public IEnumerable<SegmentManifest> AllSegments() =>
        Restore is { Segments.Count: > 0 } restore ? Segments.Concat(restore.Segments) : Segments;

    /// <summary>Whether <paramref name="segment"/> is one of the restored copy's segments.</summary>
    public bool IsRestoredSegment(Guid segment) => Restore is { } restore && restore.Segments.Any(s => s.Segment == segment);

    /// <summary>
    /// This manifest with <paramref name="moved"/> in place of the segment with its id, wherever it is listed (the
    /// version's segments or the restored copy's).
    /// </summary>
    public ObjectManifest WithSegment(SegmentManifest moved)
    {
        ArgumentNullException.ThrowIfNull(moved);
        return IsRestoredSegment(moved.Segment)
            ? this with { Restore = Restore! with { Segments = [.. Restore.Segments.Select(s => s.Segment == moved.Segment ? moved : s)] } }
            : this with { Segments = [.. Segments.Select(s => s.Segment == moved.Segment ? moved : s)] };
    }
}
