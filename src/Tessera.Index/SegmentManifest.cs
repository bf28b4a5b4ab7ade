using System.Text.Json.Serialization;

namespace Tessera.Index;

/// <summary>
/// One erasure-coded segment of an object (the whole object, or one multipart part): where its k + m fragments
/// live and how it was coded. Immutable.
/// </summary>
/// <remarks>
/// A <b>tiered</b> segment (<see cref="IsTiered"/>) lives in a remote tier, another S3 store, not on this store's
/// disks: k = m = 0, no shard size, and its one "disk" is the tier's name; the remote object is named by the segment
/// id. The encoding is the same as for every segment, so every index store carries it unchanged, and maintenance that
/// walks fragments (scrub, repair, rebalance, disk sweeps) finds none to walk.
/// </remarks>
public sealed record SegmentManifest
{
    /// <summary>Part number (1..10000) for multipart objects, 0 for a single-part object.</summary>
    public int PartNumber { get; init; }

    /// <summary>The segment id that names its fragment files.</summary>
    public Guid Segment { get; init; }

    /// <summary>Bytes of object data in the segment.</summary>
    public long Size { get; init; }

    /// <summary>Hex MD5 of the segment's bytes (the part ETag for multipart).</summary>
    public string ETag { get; init; } = "";

    /// <summary>k.</summary>
    public int DataShards { get; init; }

    /// <summary>m.</summary>
    public int ParityShards { get; init; }

    /// <summary>Bytes of a full block (shard of one stripe).</summary>
    public int ShardSize { get; init; }

    /// <summary>Disk id holding each shard index 0..k+m-1 (for a tiered segment, the tier's name alone).</summary>
    public IReadOnlyList<string> Disks { get; init; } = [];

    /// <summary>Whether the segment's bytes live in a remote tier (see the remarks) rather than in fragments.</summary>
    [JsonIgnore]
    public bool IsTiered => DataShards == 0 && ParityShards == 0 && Disks.Count == 1 && Disks[0].Length > 0;

    /// <summary>The remote tier holding the segment, or null for a segment of fragments.</summary>
    [JsonIgnore]
    public string? Tier => IsTiered ? Disks[0] : null;

    /// <summary>A segment held by <paramref name="tier"/> as the remote object named by <paramref name="segment"/>.</summary>
    public static SegmentManifest Tiered(int partNumber, Guid segment, long size, string etag, string tier)
    {
        ArgumentException.ThrowIfNullOrEmpty(tier);
        return new SegmentManifest { PartNumber = partNumber, Segment = segment, Size = size, ETag = etag, Disks = [tier] };
    }
}
