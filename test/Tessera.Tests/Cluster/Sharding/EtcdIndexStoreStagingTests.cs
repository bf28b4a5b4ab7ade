using Tessera.Cluster.Index.Sharding;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// Records written before a commit that never came: a chunk set staged by a mutation that died is left alone while it
/// could still be taken, then deleted by garbage collection with its marker; and what the etcd index does not do.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreStagingTests(IndexGroupsFixture etcd)
{
    [Fact]
    public void AChunkSetNoCommitTookIsCollectedAfterTheTimeout()
    {
        var (a, b) = etcd.Groups();
        var time = new ManualTimeProvider(Now);
        var directory = Directory(a, b, "big/m");
        using var store = ShardedIndex.Store(directory, new MemoryBucketCatalog(), time, new EtcdIndexOptions { ChunkBytes = 4096 });
        store.CreateBucket(Bucket("big"));

        // A completion staged its segments, then its process died before the commit.
        var mutation = new ObjectMutation(store, directory.Route(IndexCoordinates.Of("big", "a.iso")), "big", "a.iso");
        mutation.Read([]);
        mutation.StageSet([.. Enumerable.Range(1, 200).Select(Segment)]);
        var chunks = Count(a, [0x0D, (byte)'S']);
        Assert.True(chunks > 1, $"{chunks} chunks staged.");
        Assert.Equal(1, Count(a, [0x0F, (byte)'T']));

        // Within the timeout a commit could still take it: garbage collection leaves it.
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(store.PeekGarbage(DateTimeOffset.MaxValue, 100));
        Assert.Equal(chunks, Count(a, [0x0D, (byte)'S']));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(store.PeekGarbage(DateTimeOffset.MaxValue, 100));
        Assert.Equal(0, Count(a, [0x0D, (byte)'S']) + Count(a, [0x0F, (byte)'T']));
        Within.Log($"{chunks} staged chunks collected after the timeout");
    }

    [Fact]
    public void IndexSnapshotsAreEtcdsOwn()
    {
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(Directory(a, b), new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        using var stream = new MemoryStream();
        var refused = Assert.Throws<NotSupportedException>(() => store.WriteSnapshot(stream));
        Assert.Contains("etcdctl snapshot save", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }
}
