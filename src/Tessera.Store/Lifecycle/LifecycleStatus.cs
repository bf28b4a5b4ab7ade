namespace Tessera.Store;

/// <summary>The lifecycle worker's state: its passes, its persisted cursor and its per-bucket counters (in memory).</summary>
/// <param name="Active">Whether this process runs passes (a single node; in a cluster, the coordinator).</param>
/// <param name="Running">Whether a pass is in progress now.</param>
/// <param name="PassStart">The start of the pass in progress, or null.</param>
/// <param name="ResumedBucket">When the pass in progress (or the last one) resumed a persisted cursor: the bucket it resumed in.</param>
/// <param name="ResumedAfterKey">The key marker it resumed after (null: the start of a prefix).</param>
/// <param name="LastPassStart">When the last completed pass of this process started, or null.</param>
/// <param name="LastPassEnd">When it ended, or null.</param>
/// <param name="NextPass">When the next pass is due (the next lifecycle-day boundary after the last start), or null.</param>
/// <param name="Cursor">The cursor as last persisted, or null.</param>
/// <param name="Buckets">Per bucket, by name.</param>
public sealed record LifecycleStatus(
    bool Active,
    bool Running,
    DateTimeOffset? PassStart,
    string? ResumedBucket,
    string? ResumedAfterKey,
    DateTimeOffset? LastPassStart,
    DateTimeOffset? LastPassEnd,
    DateTimeOffset? NextPass,
    LifecycleCursor? Cursor,
    IReadOnlyList<LifecycleBucketStatus> Buckets);
