using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using Tessera.Tests.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary><see cref="IIndexStore.SwapRestore"/> on the etcd index: inline version records and chunked ones.</summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreRestoreTests(IndexGroupsFixture etcd)
{
    [Fact]
    public void SwapRestoreIsACompareAndSetThatReferencesTheRestoredSegments()
    {
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "rs/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        store.CreateBucket(Bucket("rs", VersioningState.Enabled));
        RestoreIndexContract.Run(store, "rs");
    }

    [Fact]
    public void AChunkedVersionKeepsItsChunkSetAndItsRestoreInline()
    {
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "rc/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now), new EtcdIndexOptions { MaxInlineManifestBytes = 128 });
        store.CreateBucket(Bucket("rc", VersioningState.Enabled));
        RestoreIndexContract.Run(store, "rc", segmentsPerVersion: 5);
    }
}
