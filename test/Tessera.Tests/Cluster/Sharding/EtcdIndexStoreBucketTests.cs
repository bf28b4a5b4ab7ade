using System.Text;
using Tessera.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// DeleteBucket across two index groups: refused while either group holds an object, a version, a delete marker or an
/// open upload of the bucket, done when both are empty; and a PutObject racing a DeleteBucket either commits first (and
/// the delete is refused) or answers NoSuchBucket, never leaving an object in a deleted bucket.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreBucketTests(IndexGroupsFixture etcd)
{

    [Fact]
    public void DeleteBucketIsRefusedWhileAnyGroupHoldsAKeyAndDoneWhenBothAreEmpty()
    {
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        Assert.Equal(BucketCreateResult.Created, store.CreateBucket(Bucket("bk", VersioningState.Enabled)).Result);
        Assert.Equal(1, Count(a, Marker("bk")));
        Assert.Equal(1, Count(b, Marker("bk")));

        // An object in group b only: refused, and both markers are still there (a write to group a still works).
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("bk", Manifest("zebra")).Status);
        Assert.Equal(BucketDeleteResult.NotEmpty, store.DeleteBucket("bk"));
        Assert.Equal(2, Count(a, Marker("bk")) + Count(b, Marker("bk")));
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("bk", Manifest("apple")).Status);

        // Versioned: deleting makes delete markers, which still count; removing every version empties the bucket.
        store.DeleteObject("bk", "zebra");
        store.DeleteObject("bk", "apple");
        Assert.Equal(BucketDeleteResult.NotEmpty, store.DeleteBucket("bk"));
        foreach (var version in store.ListObjectVersions("bk", new ListVersionsQuery("", null, null, null, 1000)).Versions)
        {
            store.DeleteObject("bk", version.Manifest.Key, version.Manifest.VersionId);
        }

        // An open upload in group a only: refused until it is aborted.
        var upload = new MultipartUpload("bk", "apple", "u1", Now, "alice", new ObjectManifest { Key = "apple", VersionId = "" });
        Assert.True(store.CreateUpload(upload));
        Assert.True(store.PutPart("bk", "apple", "u1", new UploadPart(1, Segment(1), Now)).Status == PutPartStatus.Stored);
        Assert.Equal(BucketDeleteResult.NotEmpty, store.DeleteBucket("bk"));
        Assert.Equal(AbortResult.Aborted, store.AbortUpload("bk", "apple", "u1"));

        Assert.Equal(BucketDeleteResult.Deleted, store.DeleteBucket("bk"));
        Assert.Null(store.GetBucket("bk"));
        Assert.Equal(0, Count(a, Marker("bk")) + Count(b, Marker("bk")));
        Assert.Equal(0, Count(a, [0x0C, (byte)'K', .. "bk"u8, 0x00]) + Count(b, [0x0C, (byte)'K', .. "bk"u8, 0x00]));
        Assert.Equal(PutObjectStatus.NoSuchBucket, store.PutObject("bk", Manifest("apple")).Status);
        Assert.Equal(PutObjectStatus.NoSuchBucket, store.PutObject("bk", Manifest("zebra")).Status);
        Assert.False(store.CreateUpload(upload));
        Assert.Equal(BucketDeleteResult.NoSuchBucket, store.DeleteBucket("bk"));

        // The name can be used again, from a clean slate.
        Assert.Equal(BucketCreateResult.Created, store.CreateBucket(Bucket("bk", VersioningState.Unversioned)).Result);
        Assert.Equal(PutObjectStatus.Committed, store.PutObject("bk", Manifest("zebra")).Status);
        Assert.Equal("null", store.GetObject("bk", "zebra")!.VersionId);
    }

    [Theory]
    [InlineData("apple")]
    [InlineData("zebra")]
    public async Task APutRacingADeleteBucketCommitsFirstOrFindsNoBucket(string key)
    {
        const int Rounds = 30;
        var (a, b) = etcd.Groups();
        var catalog = new MemoryBucketCatalog();
        using var deleter = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), catalog, new ManualTimeProvider(Now));
        using var writer = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), catalog, new ManualTimeProvider(Now));
        var outcomes = new Dictionary<(PutObjectStatus, BucketDeleteResult), int>();
        for (var round = 0; round < Rounds; round++)
        {
            Assert.Equal(BucketCreateResult.Created, deleter.CreateBucket(Bucket("bk", VersioningState.Unversioned)).Result);
            using var start = new Barrier(2);
            var put = Task.Factory.StartNew(() => { start.SignalAndWait(); return writer.PutObject("bk", Manifest(key)).Status; }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var delete = Task.Factory.StartNew(() => { start.SignalAndWait(); return deleter.DeleteBucket("bk"); }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var outcome = (await Within.Seconds(30, put, "the racing PutObject"), await Within.Seconds(30, delete, "the racing DeleteBucket"));
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            switch (outcome)
            {
                case (PutObjectStatus.Committed, BucketDeleteResult.NotEmpty):
                    Assert.NotNull(deleter.GetObject("bk", key));
                    Assert.Equal(2, Count(a, Marker("bk")) + Count(b, Marker("bk")));
                    deleter.DeleteObject("bk", key);
                    Assert.Equal(BucketDeleteResult.Deleted, deleter.DeleteBucket("bk"));
                    break;
                case (PutObjectStatus.NoSuchBucket, BucketDeleteResult.Deleted):
                    break;
                default:
                    Assert.Fail($"Round {round}: PutObject {outcome.Item1} and DeleteBucket {outcome.Item2}.");
                    break;
            }

            // Either way the bucket is gone now, with nothing of it in either group.
            Assert.Null(deleter.GetBucket("bk"));
            foreach (var space in new byte[][] { [0x01, (byte)'B'], [0x02, (byte)'L'], [0x03, (byte)'V'] })
            {
                Assert.Equal(0, Count(a, [.. space, .. "bk"u8]) + Count(b, [.. space, .. "bk"u8]));
            }
        }

        Within.Log($"{key}: {string.Join(", ", outcomes.Select(o => $"put {o.Key.Item1} + delete {o.Key.Item2}: {o.Value}"))}");
    }

    [Fact]
    public void AWriteThatCommitsInALaterGroupWhileTheDeleteIsBetweenGroupsMakesItPutTheMarkersBack()
    {
        var (a, b) = etcd.Groups();
        var catalog = new MemoryBucketCatalog();
        using var deleter = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), catalog, new ManualTimeProvider(Now));
        using var writer = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), catalog, new ManualTimeProvider(Now));
        deleter.CreateBucket(Bucket("bk", VersioningState.Unversioned));
        PutObjectStatus? written = null;
        deleter.MarkerDeleted = group =>
        {
            // Group a's marker is gone, group b's not yet: a write to group b commits (its marker is there).
            Assert.Equal("a", group.Name);
            Assert.Equal(0, Count(a, Marker("bk")));
            written ??= writer.PutObject("bk", Manifest("zebra")).Status;
        };

        Assert.Equal(BucketDeleteResult.NotEmpty, deleter.DeleteBucket("bk"));
        Assert.Equal(PutObjectStatus.Committed, written);
        Assert.Equal(2, Count(a, Marker("bk")) + Count(b, Marker("bk")));
        Assert.NotNull(writer.GetObject("bk", "zebra"));
        Assert.Equal(PutObjectStatus.Committed, writer.PutObject("bk", Manifest("apple")).Status);
    }

    [Fact]
    public async Task AWriteToAGroupWhoseMarkerIsGoneWaitsForTheDeleteAndFindsNoBucket()
    {
        var (a, b) = etcd.Groups();
        var catalog = new MemoryBucketCatalog();
        using var deleter = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), catalog, new ManualTimeProvider(Now));
        using var writer = ShardedIndex.Store(ShardedIndex.Directory(a, b, "bk/m"), catalog, new ManualTimeProvider(Now));
        deleter.CreateBucket(Bucket("bk", VersioningState.Unversioned));
        Task<PutObjectStatus>? write = null;
        deleter.MarkerDeleted = group =>
        {
            if (group.Name != "a")
            {
                return;
            }

            // Group a's marker is gone while the bucket's record exists: the write keeps retrying, without committing.
            var sent = writer.Stats.Txns;
            write = Task.Factory.StartNew(() => writer.PutObject("bk", Manifest("apple")).Status, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(SpinWait.SpinUntil(() => writer.Stats.Txns >= sent + 3, TimeSpan.FromSeconds(10)), "The write made no attempt.");
            Assert.False(write.IsCompleted);
        };

        Assert.Equal(BucketDeleteResult.Deleted, deleter.DeleteBucket("bk"));
        Assert.Equal(PutObjectStatus.NoSuchBucket, await Within.Seconds(10, write!, "the write to answer after the delete"));
        Assert.Equal(0, Count(a, [0x02, (byte)'L', .. "bk"u8]) + Count(a, [0x03, (byte)'V', .. "bk"u8]));
    }

    private static byte[] Marker(string bucket) => [0x01, (byte)'B', .. Encoding.UTF8.GetBytes(bucket)];
}
