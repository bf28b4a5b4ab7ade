namespace Tessera.Cluster.Index.Sharding;

/// <summary>Tuning of <see cref="EtcdIndexStore"/>. Every default is what the tests and a cluster run with.</summary>
public sealed class EtcdIndexOptions
{
    /// <summary>etcd refuses a request over 1.5 MiB (<c>--max-request-bytes</c>, left at its default).</summary>
    public const int EtcdMaxRequestBytes = 1536 * 1024;

    /// <summary>etcd refuses a Txn with more than 128 compares, or 128 operations in either branch (<c>--max-txn-ops</c>, left at its default).</summary>
    public const int EtcdMaxTxnOps = 128;

    /// <summary>How long one etcd request may take before the call fails with 503. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many times a mutation is tried when its Txn's compares fail because another mutation of the same object
    /// committed in between (each retry re-reads, after a jittered backoff), before the call fails with 503. Default 40.
    /// </summary>
    public int MaxAttempts { get; init; } = 40;

    /// <summary>How many fence failures (directory refreshes) one call survives before it fails with 503. Default 8.</summary>
    public int MaxFenceRetries { get; init; } = 8;

    /// <summary>How long a write waits for a frozen range (a move in progress) before it fails with 503. Default 10 s.</summary>
    public TimeSpan FrozenWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Records per Range request of a listing or scan. Default 100.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>
    /// The largest encoded manifest kept whole in its version record and latest pointer. A larger one (a multipart
    /// object of many parts) keeps its segment list in a chunk set (<see cref="EtcdIndexKeys"/>). Default 24 KiB, so a
    /// page of <see cref="PageSize"/> latest pointers stays far below gRPC's 4 MiB message limit.
    /// </summary>
    public int MaxInlineManifestBytes { get; init; } = 24 * 1024;

    /// <summary>
    /// The most segments whose references a mutation writes or deletes one by one in its Txn. A PutObject with more
    /// writes its references in Txns of their own before the commit; a removed version with more leaves them to garbage
    /// collection (a reference is always checked against the record it names). Default 64.
    /// </summary>
    public int MaxReferenceOps { get; init; } = 64;

    /// <summary>The largest value of one chunk record of a chunk set. Default 256 KiB.</summary>
    public int ChunkBytes { get; init; } = 256 * 1024;

    /// <summary>The most bytes of records one staging Txn writes. Default 1 MiB (etcd takes 1.5 MiB).</summary>
    public int MaxStagingBytes { get; init; } = 1024 * 1024;

    /// <summary>The most bytes of segments a garbage batch holds inline; more go to a chunk set. Default 64 KiB.</summary>
    public int MaxInlineGarbageBytes { get; init; } = 64 * 1024;

    /// <summary>How old a staged chunk set no commit took must be before garbage collection deletes it. Default 1 h.</summary>
    public TimeSpan StagedSetTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether a write that names segments also looks for them in every other group (a read per group per PUT). Segment
    /// ids are fresh GUIDs, so the check only guards against caller bugs; the object's own group is always checked, in
    /// the write's Txn. With the hundreds of groups a billion objects need, every PUT would read them all: off by
    /// default, on in the tests that compare the store with RocksDB's (which refuses a segment held anywhere).
    /// </summary>
    public bool CheckSegmentsInEveryGroup { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a setting out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxFenceRetries, nameof(MaxFenceRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(FrozenWait, TimeSpan.Zero, nameof(FrozenWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(PageSize, 2, nameof(PageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInlineManifestBytes, 128, nameof(MaxInlineManifestBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxInlineManifestBytes, 256 * 1024, nameof(MaxInlineManifestBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReferenceOps, 1, nameof(MaxReferenceOps));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxReferenceOps, 64, nameof(MaxReferenceOps));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkBytes, 1024, nameof(ChunkBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkBytes, MaxStagingBytes, nameof(ChunkBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxStagingBytes, 1024 * 1024, nameof(MaxStagingBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInlineGarbageBytes, 128, nameof(MaxInlineGarbageBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxInlineGarbageBytes, 256 * 1024, nameof(MaxInlineGarbageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StagedSetTimeout, TimeSpan.Zero, nameof(StagedSetTimeout));
    }
}
