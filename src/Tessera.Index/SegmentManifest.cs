namespace Tessera.Index;

/// <summary>
/// One erasure-coded segment of an object (the whole object, or one multipart part): where its k + m fragments
/// live and how it was coded. Immutable.
/// </summary>
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

    /// <summary>Disk id holding each shard index 0..k+m-1.</summary>
    public IReadOnlyList<string> Disks { get; init; } = [];
}
