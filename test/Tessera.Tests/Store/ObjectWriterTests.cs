using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Core.Buffers;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.Storage;
using Tessera.Store;

namespace Tessera.Tests.Store;

/// <summary>
/// The one write path, in its order: fragments, digests, durable fragments, index, cleanup on refusal. A body that
/// fails its digests costs no commit (no fsync, no rename) and leaves no file; a refusal by the index leaves none.
/// </summary>
public sealed class ObjectWriterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly List<SlowDisk> _disks;
    private readonly RocksDbIndexStore _index;
    private readonly DiagnosticArrayPool _pool = new();
    private readonly ObjectWriter _writer;

    public ObjectWriterTests()
    {
        _disks = Enumerable.Range(1, 6)
            .Select(i => new SlowDisk(new LocalDisk($"disk{i}", Path.Combine(_directory.Path, $"disk{i}"), new DiskLabels($"disk{i}", $"disk{i}", "node"))))
            .ToList();
        var set = new ErasureSet(_disks, new ErasurePolicy(4, 2, 64 * 1024, "disk"));
        _index = new RocksDbIndexStore(Path.Combine(_directory.Path, "meta"), new ManualTimeProvider(Now));
        _index.CreateBucket(new BucketInfo("b", "owner", Now, "us-east-1", VersioningState.Unversioned));
        _writer = new ObjectWriter(new StoreServices(_index, set, new ManualTimeProvider(Now), NullLoggerFactory.Instance, _pool));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _index.Dispose();
        _directory.Dispose();
    }

    private int Commits => _disks.Sum(d => d.Commits);

    private List<string> Files() => [.. Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(_directory.Path, f))
        .Where(f => !f.StartsWith("meta", StringComparison.Ordinal) && !f.EndsWith("tessera-disk.id", StringComparison.Ordinal))];

    private static VersionTarget Version(string bucket, string key) =>
        new(bucket, new ObjectManifest { Key = key, VersionId = "null", Owner = "owner", ContentType = "text/plain" });

    [Fact]
    public async Task ABodyThatFailsItsDigestsIsNeverCommittedAndLeavesNoFile()
    {
        var data = new byte[300_000];
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => _writer.WriteAsync(new MemoryStream(data), data.Length, "STANDARD", new Refuse(), Version("b", "k"), Ct));
        Assert.Equal("bad digest", refused.Message);
        Assert.Equal(0, Commits);
        Assert.Empty(Files());
        Assert.Null(_index.GetObject("b", "k", null));
        Assert.Empty(_pool.Check(expectAllReturned: true));
    }

    [Fact]
    public async Task AVersionIsCommittedWithItsRecoveryRecordAndChecksum()
    {
        var data = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        var result = await _writer.WriteAsync(new MemoryStream(data), data.Length, "STANDARD", new Accept(ChecksumAlgorithm.Crc32C), Version("b", "k"), Ct);

        Assert.Equal(WriteOutcome.Committed, result.Outcome);
        Assert.Equal(6, Commits);
        var stored = _index.GetObject("b", "k", null)!;
        Assert.Equal(result.Version!.ETag, stored.ETag);
        Assert.Equal(data.Length, stored.Size);
        Assert.Equal(Now, stored.LastModified);
        Assert.Equal("CRC32C", Assert.Single(stored.Checksums).Key);

        // Every fragment carries the version as committed (but its disks) as its trailer.
        var disk = _disks[0];
        using var reader = disk.OpenFragment(new FragmentId(result.Segment.Segment, result.Segment.Disks.ToList().IndexOf(disk.Id)))!;
        var record = RecoveryRecord.TryRead(reader.ReadTrailer()!)!;
        Assert.Equal(RecoveryRecordKind.Version, record.Kind);
        Assert.Equal(stored.ETag, record.Manifest!.ETag);
        Assert.Empty(_pool.Check(expectAllReturned: true));
    }

    [Fact]
    public async Task RefusalsByTheIndexDeleteTheCommittedFragments()
    {
        var data = new byte[100_000];
        var noBucket = await _writer.WriteAsync(new MemoryStream(data), data.Length, "STANDARD", new Accept(ChecksumAlgorithm.None), Version("gone", "k"), Ct);
        Assert.Equal(WriteOutcome.NoSuchBucket, noBucket.Outcome);

        var noUpload = await _writer.WriteAsync(new MemoryStream(data), data.Length, "STANDARD", new Accept(ChecksumAlgorithm.None), new PartTarget("b", "k", "no-such-upload", 1), Ct);
        Assert.Equal(WriteOutcome.NoSuchUpload, noUpload.Outcome);

        await _writer.WriteAsync(new MemoryStream(data), data.Length, "STANDARD", new Accept(ChecksumAlgorithm.None), Version("b", "k"), Ct);
        var condition = Version("b", "k") with { Condition = new WriteCondition(IfNoneMatchAny: true) };
        var conflict = await _writer.WriteAsync(new MemoryStream(data), data.Length, "STANDARD", new Accept(ChecksumAlgorithm.None), condition, Ct);
        Assert.Equal(WriteOutcome.PreconditionFailed, conflict.Outcome);

        // What is left is the one committed version's six fragments.
        var fragments = Files().Where(f => f.Contains("fragments", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, fragments.Count);
        Assert.Empty(_pool.Check(expectAllReturned: true));
    }

    private sealed class Refuse : IBodyCheck
    {
        public ChecksumAlgorithm Algorithm => ChecksumAlgorithm.None;

        public bool NeedsSha256 => true;

        public ValueTask<KeyValuePair<string, string>?> VerifyAsync(ObjectHasher hasher, CancellationToken cancellationToken) =>
            throw new InvalidDataException("bad digest");
    }

    private sealed class Accept(ChecksumAlgorithm algorithm) : IBodyCheck
    {
        public ChecksumAlgorithm Algorithm => algorithm;

        public bool NeedsSha256 => false;

        public ValueTask<KeyValuePair<string, string>?> VerifyAsync(ObjectHasher hasher, CancellationToken cancellationToken) =>
            ValueTask.FromResult<KeyValuePair<string, string>?>(algorithm == ChecksumAlgorithm.None ? null : new(Checksums.Name(algorithm), Convert.ToBase64String(hasher.GetChecksum()!)));
    }
}
