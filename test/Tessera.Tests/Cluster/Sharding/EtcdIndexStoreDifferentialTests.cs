using System.Diagnostics;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// <see cref="EtcdIndexStore"/> over two index groups answers every call as <see cref="RocksDbIndexStore"/> does:
/// <see cref="RemoteIndexStoreTests.Script"/> call by call, and seeded random sequences of operations over three buckets
/// whose keys are spread across both groups (what is normalized: <see cref="DifferentialNormalizer"/>).
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreDifferentialTests(IndexGroupsFixture etcd)
{
    [Fact]
    public void EveryCallOfTheScriptAnswersAsRocksDbDoes()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        using var directory = new TempDirectory();
        using var rocks = new RocksDbIndexStore(directory.Path, time);
        var (a, b) = etcd.Groups();
        // photos/a/... in group a, photos/big, photos/other, photos/zzz and the versions bucket in group b.
        // RocksDB refuses a segment held anywhere; the etcd store looks in every group only when asked to.
        using var sharded = ShardedIndex.Store(ShardedIndex.Directory(a, b, "photos/b"), new MemoryBucketCatalog(), time, new EtcdIndexOptions { CheckSegmentsInEveryGroup = true });
        var expected = new DifferentialNormalizer();
        var actual = new DifferentialNormalizer();
        var clock = Stopwatch.StartNew();
        var steps = RemoteIndexStoreTests.Script(time).ToList();
        foreach (var (name, step) in steps)
        {
            var want = expected.Outcome(rocks, step);
            var got = actual.Outcome(sharded, step);
            if (name == "RemoveGarbage")
            {
                // Which entry is "the first" among entries queued at one instant differs: compare how many are left.
                (want, got) = (Entries(want), Entries(got));
            }

            Assert.True(want == got, $"{name}:\nrocksdb {want}\netcd    {got}");
        }

        Assert.Equal(
            rocks.ReferencedSegments().Select(s => s.Segment).Order().ToList(),
            sharded.ReferencedSegments().Select(s => s.Segment).Order().ToList());
        Assert.NotEmpty(sharded.ReferencedSegments());
        Within.Log($"{steps.Count} calls compared in {Within.Ms(clock)}; {sharded.Stats.Txns} Txns, at most {sharded.Stats.MaxOps} operations and {sharded.Stats.MaxBytes} bytes in one");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ARandomSequenceOfOperationsAnswersAsRocksDbDoes(int seed)
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        using var directory = new TempDirectory();
        using var rocks = new RocksDbIndexStore(directory.Path, time);
        var (a, b) = etcd.Groups();
        // Three ranges: b1's keys from m on and b2's keys before m in group b, the rest in group a. Seeds past the first
        // run with thresholds small enough that manifests of a few segments are chunked, releases of a few segments are
        // staged, references go before the commit or stay to garbage collection, and every listing reads pages of three.
        // RocksDB refuses a segment held anywhere; the etcd store looks in every group only when asked to.
        var options = seed == 1
            ? new EtcdIndexOptions { CheckSegmentsInEveryGroup = true }
            : new EtcdIndexOptions { MaxInlineManifestBytes = 128, MaxInlineGarbageBytes = 128, MaxReferenceOps = 2, PageSize = 3, ChunkBytes = 1024, CheckSegmentsInEveryGroup = true };
        using var sharded = ShardedIndex.Store(ShardedIndex.Directory(a, b, "b1/m", "b2/m"), new MemoryBucketCatalog(), time, options);
        var expected = new DifferentialNormalizer();
        var actual = new DifferentialNormalizer();
        var script = new RandomIndexScript(seed, time, store => ReferenceEquals(store, rocks) ? expected : actual);
        var clock = Stopwatch.StartNew();
        var compared = 0;
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, step) in script.Steps(500))
        {
            var want = expected.Outcome(rocks, step);
            var got = actual.Outcome(sharded, step);
            Assert.True(want == got, $"seed {seed}, step {compared} {name}:\nrocksdb {want}\netcd    {got}");
            compared++;
            var status = want.StartsWith("ArgumentException", StringComparison.Ordinal) ? "ArgumentException" : StatusOf(want);
            if (status is not null)
            {
                outcomes[$"{name} {status}"] = outcomes.GetValueOrDefault($"{name} {status}") + 1;
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(
            rocks.ReferencedSegments().Select(s => s.Segment).Order().ToList(),
            sharded.ReferencedSegments().Select(s => s.Segment).Order().ToList());
        var chunks = ShardedIndex.Count(a, [0x0D, (byte)'S']) + ShardedIndex.Count(b, [0x0D, (byte)'S']);
        Assert.True(seed == 1 || chunks > 0, "The small thresholds put no segment in a chunk set.");
        Within.Log($"seed {seed}: {chunks} chunk records at the end; {compared} calls compared in {Within.Ms(clock)} ({string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}); {sharded.Stats.Txns} Txns, at most {sharded.Stats.MaxOps} operations and {sharded.Stats.MaxBytes} bytes in one");
    }

    /// <summary>The <c>Status</c> of a rendered result, if it has one.</summary>
    private static string? StatusOf(string rendered)
    {
        const string Key = "\"Status\":\"";
        var at = rendered.IndexOf(Key, StringComparison.Ordinal);
        return at < 0 ? null : rendered[(at + Key.Length)..rendered.IndexOf('"', at + Key.Length)];
    }

    private static string Entries(string rendered) => rendered.Split("\"Segment\":{", StringSplitOptions.None).Length - 1 + " entries";
}
