namespace Tessera.Index;

/// <summary>
/// RocksDB tuning for <see cref="RocksDbIndexStore"/>, in one place. The defaults suit an index of up to a few
/// hundred million small manifests on one SSD; durability settings are not tunable (every commit is a synced
/// WriteBatch).
/// </summary>
public sealed class RocksDbIndexOptions
{
    /// <summary>LRU block cache for data, index and filter blocks. Default 64 MiB.</summary>
    public long BlockCacheBytes { get; init; } = 64L << 20;

    /// <summary>Bloom filter bits per key (full filters; 10 ≈ 1% false positives); 0 disables. Default 10.</summary>
    public int BloomBitsPerKey { get; init; } = 10;

    /// <summary>Maximum SST files kept open (-1 = unlimited, as RocksDB). Default 1000.</summary>
    public int MaxOpenFiles { get; init; } = 1000;

    /// <summary>Memtable size before a flush. Default 32 MiB.</summary>
    public long WriteBufferBytes { get; init; } = 32L << 20;

    /// <summary>Background flush and compaction threads. Default 2.</summary>
    public int BackgroundThreads { get; init; } = 2;

    /// <summary>
    /// Compress SST blocks with LZ4 (linked into the RocksDB package's native libraries; when a native library lacks
    /// it the store opens without compression). Default true.
    /// </summary>
    public bool Lz4Compression { get; init; } = true;

    /// <summary>
    /// How many sequence numbers one synced write of the high-water mark reserves ahead. Larger blocks mean fewer
    /// extra writes and bigger (harmless) gaps after a restart. Default 1000.
    /// </summary>
    public int SequenceBlockSize { get; init; } = 1000;

    /// <summary>Validates the values; throws <see cref="ArgumentOutOfRangeException"/>.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(BlockCacheBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(BloomBitsPerKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOpenFiles, -1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(WriteBufferBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BackgroundThreads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SequenceBlockSize);
    }
}
