using BenchmarkDotNet.Attributes;
using Tessera.Benchmarks.Common;
using Tessera.Index;

namespace Tessera.Benchmarks.Index;

/// <summary>
/// <see cref="RocksDbIndexStore"/> in a temp directory on the machine's disk: PutObject of a small single-segment
/// manifest under a new key (one synced WriteBatch: the WAL is fsynced before it returns, so this measures the
/// disk's fsync latency more than RocksDB), and GetObject of one of 10,000 keys written in setup (memtable and
/// block cache hits).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class IndexBenchmarks
{
    private const string Bucket = "bench";
    private const int Preloaded = 10_000;

    private TempDirectory _directory = null!;
    private RocksDbIndexStore _store = null!;
    private SegmentManifest _segment = null!;
    private long _nextPut;
    private long _nextGet;

    [GlobalSetup]
    public void Setup()
    {
        _directory = new TempDirectory("tessera-bench-index-");
        _store = new RocksDbIndexStore(_directory.Path, TimeProvider.System);
        _store.CreateBucket(new BucketInfo(Bucket, "owner", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned));
        _segment = new SegmentManifest
        {
            Segment = Guid.NewGuid(),
            Size = 4096,
            ETag = "9e107d9d372bb6826bd81d3542a419d6",
            DataShards = 4,
            ParityShards = 2,
            ShardSize = 256 * 1024,
            Disks = ["disk1", "disk2", "disk3", "disk4", "disk5", "disk6"],
        };
        for (var i = 0; i < Preloaded; i++)
        {
            _store.PutObject(Bucket, Manifest($"preloaded/obj-{i:D6}"));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Benchmark]
    public PutObjectResult PutObject() => _store.PutObject(Bucket, Manifest($"put/obj-{_nextPut++:D9}"));

    [Benchmark]
    public ObjectManifest? GetObject() => _store.GetObject(Bucket, $"preloaded/obj-{_nextGet++ % Preloaded:D6}");

    private ObjectManifest Manifest(string key) => new()
    {
        Key = key,
        VersionId = "",
        Size = 4096,
        ETag = _segment.ETag,
        LastModified = DateTimeOffset.UtcNow,
        Owner = "owner",
        ContentType = "application/octet-stream",
        Checksums = [new("CRC64NVME", "AAAAAAAAAAA=")],
        Segments = [_segment with { Segment = Guid.NewGuid() }],
    };

    private sealed class Config : ShortRunConfig
    {
    }
}
