namespace Tessera.Cluster.Index.Sharding;

/// <summary>When the coordinator splits a range on its own, and whether it then moves the busier half.</summary>
public sealed record SplitPolicy
{
    /// <summary>How often ranges are measured. Default 10 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A range with more latest pointers (current keys) than this is split at its median key. Default 500,000.</summary>
    public long MaxKeys { get; init; } = 500_000;

    /// <summary>
    /// A range in which more distinct keys than this were written during one <see cref="Interval"/> is split at the
    /// median of those keys (load-based splitting, as CockroachDB does). Default 20,000.
    /// </summary>
    public long MaxWrittenKeysPerInterval { get; init; } = 20_000;

    /// <summary>
    /// After a split, move the right half to the group holding the fewest ranges when it holds fewer than the source:
    /// ranges of one group share its Raft log, so a split alone adds no write throughput; a move to another group does.
    /// Default true.
    /// </summary>
    public bool MoveAfterSplit { get; init; } = true;

    /// <summary>How long a moved range's source copy is kept. Default 30 s.</summary>
    public TimeSpan MoveGrace { get; init; } = TimeSpan.FromSeconds(30);
}
