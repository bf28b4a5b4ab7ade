using System.Diagnostics;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using Tessera.Storage;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// The fence: a store whose routes carry an old generation fails its compare, refreshes its directory and succeeds; one
/// that cannot learn the new generation writes nothing; a write to a frozen range waits until it thaws, while reads go on.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreFenceTests(IndexGroupsFixture etcd)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void AStoreOnAnOldGenerationRefreshesAndSucceeds()
    {
        var (a, b) = etcd.Groups();
        var directory = ShardedIndex.Directory(a, b, "photos/m");
        using var store = ShardedIndex.Store(directory, new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        store.CreateBucket(Bucket("photos"));
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("photos", Manifest("cat")).Status);
        Assert.Equal(1, directory.Route(IndexCoordinates.Of("photos", "cat")).Generation);

        // Someone moves a range of group a: its generation goes up behind the store's back.
        Assert.Equal(2, GroupFence.Bump(a, Timeout));
        var before = directory.Refreshes;
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("photos", Manifest("dog")).Status);
        Assert.Equal(before + 1, directory.Refreshes);
        Assert.Equal(2, directory.Route(IndexCoordinates.Of("photos", "dog")).Generation);

        // Reads and listings refresh the same way, in either group.
        GroupFence.Bump(a, Timeout);
        Assert.NotNull(store.GetObject("photos", "cat"));
        GroupFence.Bump(b, Timeout);
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("photos", Manifest("zebra")).Status);
        GroupFence.Bump(b, Timeout);
        GroupFence.Bump(a, Timeout);
        Assert.Equal(["cat", "dog", "zebra"], store.ListObjects("photos", new ListObjectsQuery("", null, null, 1000)).Objects.Select(o => o.Key));
        Assert.Equal(before + 4, directory.Refreshes); // one refresh learns every group's generation
        Within.Log($"{directory.Refreshes} refreshes; generations a={GroupFence.Read(a, Timeout)} b={GroupFence.Read(b, Timeout)}");
    }

    [Fact]
    public void AStoreThatCannotLearnTheNewGenerationWritesNothing()
    {
        var (a, b) = etcd.Groups();
        var directory = ShardedIndex.Directory(a, b, "photos/m");
        var catalog = new MemoryBucketCatalog();
        using var current = ShardedIndex.Store(directory, catalog, new ManualTimeProvider(Now));
        current.CreateBucket(Bucket("photos"));
        var stale = new StaleDirectory(directory);
        using var behind = ShardedIndex.Store(stale, catalog, new ManualTimeProvider(Now), new EtcdIndexOptions { MaxFenceRetries = 3 });
        GroupFence.Bump(a, Timeout);

        var refused = Assert.Throws<StorageUnavailableException>(() => behind.PutObject("photos", Manifest("cat")));
        Assert.Contains("stale", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, stale.Refreshes);
        Assert.Throws<StorageUnavailableException>(() => behind.GetObject("photos", "cat"));
        Assert.Null(current.GetObject("photos", "cat"));

        // The other group's fence did not move: the stale store still writes there.
        Assert.Equal(PutObjectStatus.Committed, behind.PutObject("photos", Manifest("zebra")).Status);
        Assert.NotNull(current.GetObject("photos", "zebra"));
    }

    [Fact]
    public async Task AWriteToAFrozenRangeWaitsUntilItThawsWhileReadsGoOn()
    {
        var (a, b) = etcd.Groups();
        var directory = ShardedIndex.Directory(a, b, "photos/m");
        using var store = ShardedIndex.Store(directory, new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        store.CreateBucket(Bucket("photos"));
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("photos", Manifest("cat", "before")).Status);

        directory.SetFrozen("r0", true);
        var refreshes = directory.Refreshes;
        var clock = Stopwatch.StartNew();
        var write = Task.Factory.StartNew(() => store.PutObject("photos", Manifest("cat", "after")), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // The writer polls the directory while it waits: three refreshes and it is still waiting.
        SpinWait.SpinUntil(() => directory.Refreshes >= refreshes + 3 || write.IsCompleted, TimeSpan.FromSeconds(10));
        Assert.False(write.IsCompleted, "A write to a frozen range did not wait.");
        Assert.Equal("before", store.GetObject("photos", "cat")!.ETag);
        Assert.Single(store.ListObjects("photos", new ListObjectsQuery("", null, null, 1000)).Objects);
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("photos", Manifest("zebra")).Status);

        directory.SetFrozen("r0", false);
        var written = await Within.Seconds(10, write, "the write to finish after the thaw");
        Assert.Equal(PutObjectStatus.Committed, written.Status);
        Assert.Equal("after", store.GetObject("photos", "cat")!.ETag);
        Within.Log($"the write waited {Within.Ms(clock)} and {directory.Refreshes - refreshes} refreshes");
    }

    [Fact]
    public void AWriteToARangeThatStaysFrozenFailsAfterTheWait()
    {
        var (a, b) = etcd.Groups();
        var directory = ShardedIndex.Directory(a, b, "photos/m");
        using var store = ShardedIndex.Store(directory, new MemoryBucketCatalog(), new ManualTimeProvider(Now), new EtcdIndexOptions { FrozenWait = TimeSpan.FromSeconds(1) });
        store.CreateBucket(Bucket("photos"));
        directory.SetFrozen("r1", true);
        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<StorageUnavailableException>(() => store.PutObject("photos", Manifest("zebra")));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.Contains("frozen", refused.Message, StringComparison.Ordinal);
        Assert.Null(store.GetObject("photos", "zebra"));
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("photos", Manifest("cat")).Status);
    }
}
