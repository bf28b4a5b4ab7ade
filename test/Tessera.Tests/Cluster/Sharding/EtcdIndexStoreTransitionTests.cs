using Tessera.Cluster.Index.Sharding;
using Tessera.Tests.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// <see cref="EtcdIndexStore.TransitionVersion"/>: the scenario RocksDB passes, with inline manifests and with thresholds
/// small enough that the versions are chunked, releases staged and references written before the commit or left to
/// garbage collection; and a transition racing writes of the same object.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreTransitionTests(IndexGroupsFixture etcd)
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    [InlineData(40, true)]
    [InlineData(200, false)]
    public void TransitionVersionSwapsSegmentsAsACompareAndSet(int segments, bool small)
    {
        var (a, b) = etcd.Groups();
        var options = small
            ? new EtcdIndexOptions { MaxInlineManifestBytes = 128, MaxInlineGarbageBytes = 128, MaxReferenceOps = 2, ChunkBytes = 1024, CheckSegmentsInEveryGroup = true }
            : new EtcdIndexOptions { CheckSegmentsInEveryGroup = true };
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "t/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now), options);
        TransitionVersionScenario.Run(store, "t", segments);
    }

    [Fact]
    public async Task TransitionsRacingOverwritesNeverLoseTheNewerVersion()
    {
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "r/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        store.CreateBucket(Bucket("r"));
        store.PutObject("r", Manifest("k"));
        var moved = 0;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                store.PutObject("r", Manifest("k", "e" + i));
            }
        }, TestContext.Current.CancellationToken);
        var attempts = 0;
        while (!writer.IsCompleted)
        {
            attempts++;
            var current = store.GetObject("r", "k")!;
            if (store.TransitionVersion("r", "k", "null", [current.Segments[0].Segment], [Segment()], current.StorageClass == "GLACIER" ? "STANDARD" : "GLACIER"))
            {
                moved++;
            }
        }

        await writer;
        var final = store.GetObject("r", "k")!;
        Assert.Equal("e39", final.ETag);

        // Quiet now: a transition of the version read commits.
        Assert.True(store.TransitionVersion("r", "k", "null", [final.Segments[0].Segment], [Segment()], "STANDARD_IA"), $"{moved} of {attempts} racing transitions committed; the quiet one did not.");
        final = store.GetObject("r", "k")!;
        Assert.Equal(("e39", "STANDARD_IA"), (final.ETag, final.StorageClass));
        Assert.True(store.IsSegmentReferenced(final.Segments[0].Segment));
        Assert.Equal([final.Segments[0].Segment], store.ReferencedSegments().Select(s => s.Segment).Where(s => store.FindSegmentOwner(s)?.Bucket == "r"));
    }
}
