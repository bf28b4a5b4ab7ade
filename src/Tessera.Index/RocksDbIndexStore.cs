using System.Buffers.Binary;
using RocksDbSharp;

namespace Tessera.Index;

/// <summary>
/// <see cref="IIndexStore"/> over one local RocksDB (the single-node index). Key layout: <see cref="IndexKeys"/>;
/// value encoding: <see cref="ManifestSerializer"/>.
/// </summary>
/// <remarks>
/// <para><b>Durability.</b> Every mutation is one <see cref="WriteBatch"/> written with sync = true (WAL fsynced
/// before the call returns), so an acknowledged write survives kill -9 and power loss, and a write is all or
/// nothing.</para>
/// <para><b>Concurrency.</b> One process owns the database. Read-modify-write of a key is serialized by one of
/// <see cref="ObjectLockStripes"/> striped locks chosen by hash of (bucket, key). Bucket create/update/delete take a
/// per-bucket (striped) writer lock; object writes take it as readers and check the bucket under it, so a
/// DeleteBucket emptiness check and a PutObject into that bucket cannot both succeed. Reads take no lock: RocksDB
/// point reads and iterators see a consistent snapshot of committed writes.</para>
/// <para><b>Sequences.</b> A strictly increasing counter. Before a sequence is handed out, a synced write has
/// reserved it by raising the persisted high-water mark (<c>05 'S'</c>) in blocks of
/// <see cref="RocksDbIndexOptions.SequenceBlockSize"/>; on open the counter resumes above the mark, so sequences
/// increase across restarts and crashes (with gaps), and no scan for the largest used sequence is needed.</para>
/// <para><b>Disposal.</b> <see cref="Dispose"/> closes the database; it must not race other calls.</para>
/// </remarks>
public sealed partial class RocksDbIndexStore : IIndexStore
{
    /// <summary>Number of striped per-key locks.</summary>
    internal const int ObjectLockStripes = 1024;

    /// <summary>Number of striped per-bucket reader/writer locks.</summary>
    internal const int BucketLockStripes = 64;

    /// <summary>The S3 version id of the version an unversioned or suspended bucket writes.</summary>
    public const string NullVersionId = "null";

    private static readonly SpanDeserializer<ObjectManifest> ManifestDecoder = new(static s => ManifestSerializer.ReadObjectManifest(s));
    private static readonly SpanDeserializer<SegmentReference> SegmentReferenceDecoder = new(static s => ManifestSerializer.ReadSegmentReference(s));

    private readonly TimeProvider _time;
    private readonly RocksDbIndexOptions _options;
    private readonly RocksDb _db;

    // The binding frees these native objects in finalizers; the fields keep them alive as long as the database.
    private readonly DbOptions _dbOptions;
    private readonly BlockBasedTableOptions _tableOptions;
    private readonly Cache _blockCache;
    private readonly WriteOptions _syncWrite;

    /// <summary>The bucket records in this database's own keys (<c>01 'B'</c>).</summary>
    private readonly RocksDbBucketCatalog _localBuckets;

    /// <summary>Where bucket records live: <see cref="_localBuckets"/>, or the catalog the store was opened with.</summary>
    private readonly IBucketCatalog _buckets;

    private readonly Lock[] _objectLocks;
    private readonly ReaderWriterLockSlim[] _bucketLocks;
    private readonly Lock _sequenceLock = new();
    private ulong _lastSequence;
    private ulong _reservedSequence;
    private int _disposed;

    /// <summary>Opens (creating if missing) the index database in <paramref name="directory"/> with default tuning.</summary>
    /// <param name="directory">The RocksDB directory; created if missing.</param>
    /// <param name="time">Clock for garbage timestamps and delete markers.</param>
    public RocksDbIndexStore(string directory, TimeProvider time)
        : this(directory, time, new RocksDbIndexOptions())
    {
    }

    /// <summary>Opens (creating if missing) the index database in <paramref name="directory"/>.</summary>
    /// <param name="directory">The RocksDB directory; created if missing.</param>
    /// <param name="time">Clock for garbage timestamps and delete markers.</param>
    /// <param name="options">RocksDB tuning.</param>
    public RocksDbIndexStore(string directory, TimeProvider time, RocksDbIndexOptions options)
        : this(directory, time, options, null)
    {
    }

    /// <summary>Opens (creating if missing) the index database in <paramref name="directory"/>, its bucket records in <paramref name="buckets"/>.</summary>
    /// <param name="directory">The RocksDB directory; created if missing.</param>
    /// <param name="time">Clock for garbage timestamps and delete markers.</param>
    /// <param name="options">RocksDB tuning.</param>
    /// <param name="buckets">
    /// Where bucket records live (a cluster's etcd); null for the database's own keys. Not disposed by the store. Bucket
    /// records already in the database stay there until <see cref="MoveBucketsToCatalog"/> moves them.
    /// </param>
    public RocksDbIndexStore(string directory, TimeProvider time, RocksDbIndexOptions options, IBucketCatalog? buckets)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _time = time;
        _options = options;
        Directory.CreateDirectory(directory);

        _blockCache = Cache.CreateLru((ulong)options.BlockCacheBytes);
        _tableOptions = new BlockBasedTableOptions()
            .SetBlockCache(_blockCache)
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true);
        if (options.BloomBitsPerKey > 0)
        {
            // The second argument (use_block_based_builder) false selects the full (format_version ≥ 5) filter, not the removed legacy one.
            _tableOptions.SetFilterPolicy(BloomFilterPolicy.Create(options.BloomBitsPerKey, false));
        }

        _dbOptions = CreateDbOptions(options, _tableOptions, options.Lz4Compression ? Compression.Lz4 : Compression.No);
        try
        {
            _db = RocksDb.Open(_dbOptions, directory);
        }
        catch (RocksDbException e) when (options.Lz4Compression && e.Message.Contains("not linked", StringComparison.OrdinalIgnoreCase))
        {
            _dbOptions = CreateDbOptions(options, _tableOptions, Compression.No);
            _db = RocksDb.Open(_dbOptions, directory);
        }

        _syncWrite = new WriteOptions().SetSync(true);
        _localBuckets = new RocksDbBucketCatalog(_db, _syncWrite);
        _buckets = buckets ?? _localBuckets;
        _objectLocks = new Lock[ObjectLockStripes];
        for (var i = 0; i < _objectLocks.Length; i++)
        {
            _objectLocks[i] = new Lock();
        }

        _bucketLocks = new ReaderWriterLockSlim[BucketLockStripes];
        for (var i = 0; i < _bucketLocks.Length; i++)
        {
            _bucketLocks[i] = new ReaderWriterLockSlim(LockRecursionPolicy.NoRecursion);
        }

        Span<byte> mark = stackalloc byte[8];
        _lastSequence = _db.GetFixedSizeValue(IndexKeys.SequenceKey, mark) ? BinaryPrimitives.ReadUInt64BigEndian(mark) : 0;
        _reservedSequence = _lastSequence;
        try
        {
            UpgradeLayout();
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    /// <summary>The directory the database lives in.</summary>
    public string DatabasePath => _db.Path;

    /// <summary>The highest sequence handed out so far by this instance (or the reserved mark it resumed from).</summary>
    internal ulong LastSequence => Volatile.Read(ref _lastSequence);

    /// <summary>Closes the database. Not safe to call while other calls are in flight.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _db.Dispose();
        foreach (var bucketLock in _bucketLocks)
        {
            bucketLock.Dispose();
        }

        GC.KeepAlive(_dbOptions);
        GC.KeepAlive(_tableOptions);
        GC.KeepAlive(_blockCache);
    }

    private static DbOptions CreateDbOptions(RocksDbIndexOptions options, BlockBasedTableOptions table, Compression compression) =>
        new DbOptions()
            .SetCreateIfMissing(true)
            .SetMaxOpenFiles(options.MaxOpenFiles)
            .SetWriteBufferSize((ulong)options.WriteBufferBytes)
            .IncreaseParallelism(options.BackgroundThreads)
            .SetCompression(compression)
            .SetWalRecoveryMode(Recovery.PointInTime)
            .SetKeepLogFileNum(5)
            .SetBlockBasedTableFactory(table);
}
