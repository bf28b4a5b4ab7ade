using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Server;
using Tessera.Store;

namespace Tessera.IntegrationTests;

/// <summary>The range-sharded cluster with STANDARD_IA coded RS(8,4) over its three nodes (twelve disks).</summary>
public sealed class TransitionClusterFixture : ShardedClusterStoreFixture
{
    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.StorageClasses["STANDARD_IA"] = "8+4@node";
    }
}

/// <summary>The cluster with its index on node n1's RocksDB (the other nodes call it over the index wire), STANDARD_IA RS(8,4).</summary>
public sealed class TransitionIndexNodeClusterFixture : ClusterStoreFixture
{
    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.StorageClasses["STANDARD_IA"] = "8+4@node";
    }
}

/// <summary>Transitions on a cluster whose index is one node's RocksDB, moved by a node that reaches it over the wire.</summary>
public sealed class IndexNodeClusterTransitionTests(TransitionIndexNodeClusterFixture cluster)
    : ClusterTransitionTestsBase(cluster), IClassFixture<TransitionIndexNodeClusterFixture>;

/// <summary>
/// Transitions on the cluster with the etcd index: the swap is one etcd Txn (<c>EtcdIndexStore.TransitionVersion</c>),
/// the bytes re-encoded through the storage ports, read back through another node's gateway, and the old fragments
/// collected.
/// </summary>
public sealed class ClusterTransitionTests(TransitionClusterFixture cluster) : ClusterTransitionTestsBase(cluster), IClassFixture<TransitionClusterFixture>;

/// <summary>The transition scenario on any <see cref="ClusterStoreFixture"/> with STANDARD_IA coded RS(8,4)@node.</summary>
public abstract class ClusterTransitionTestsBase(ClusterStoreFixture cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SinglePartAndMultipartObjectsMoveToEightPlusFour()
    {
        var s3 = cluster.Through(root: "n2", alice: "n3").Client;
        var bucket = Names.Bucket("ctr");
        await s3.PutBucketAsync(bucket, Ct);
        var single = Names.RandomBytes(2_000_000, 41);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "one", InputStream = new MemoryStream(single), Metadata = { ["m"] = "1" } }, Ct);
        var multi = Names.RandomBytes((5 * 1024 * 1024) + 777_777, 42);
        var upload = await s3.InitiateMultipartUploadAsync(bucket, "many", Ct);
        var first = await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "many", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(multi, 0, 5 * 1024 * 1024) }, Ct);
        var second = await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "many", UploadId = upload.UploadId, PartNumber = 2, InputStream = new MemoryStream(multi, 5 * 1024 * 1024, 777_777) }, Ct);
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "many", UploadId = upload.UploadId, PartETags = [new PartETag(1, first.ETag), new PartETag(2, second.ETag)] }, Ct);

        var node = cluster.Server("n3");
        foreach (var (key, data) in new[] { ("one", single), ("many", multi) })
        {
            var before = await s3.GetObjectMetadataAsync(bucket, key, Ct);
            var old = node.Store.Index.GetObject(bucket, key)!;
            Assert.Equal(TransitionOutcome.Moved, await node.Transitioner.TransitionAsync(bucket, key, old.VersionId, "STANDARD_IA", Ct));
            Assert.Equal(TransitionOutcome.AlreadyThere, await node.Transitioner.TransitionAsync(bucket, key, old.VersionId, "STANDARD_IA", Ct));

            var moved = cluster.Server("n2").Store.Index.GetObject(bucket, key)!;
            Assert.Equal(old.Segments.Count, moved.Segments.Count);
            Assert.All(moved.Segments, s => Assert.Equal((8, 4), (s.DataShards, s.ParityShards)));
            Assert.All(old.Segments, s => Assert.False(node.Store.Index.IsSegmentReferenced(s.Segment)));
            Assert.All(moved.Segments, s => Assert.Equal("STANDARD_IA", node.Store.Index.FindSegmentOwner(s.Segment)!.StorageClass));

            var after = await s3.GetObjectMetadataAsync(bucket, key, Ct);
            Assert.Equal((before.ETag, before.LastModified, S3StorageClass.StandardInfrequentAccess), (after.ETag, after.LastModified, after.StorageClass));
            using var get = await s3.GetObjectAsync(bucket, key, Ct);
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.True(data.AsSpan().SequenceEqual(buffer.ToArray()), $"{key} reads back other bytes");

            // The old fragments are garbage: collected past the grace period.
            (cluster is ShardedClusterStoreFixture ? await cluster.WaitForCoordinatorAsync() : cluster.Index).Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: false);
            var files = cluster.DiskFiles("fragments");
            Assert.All(old.Segments, s => Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith(s.Segment.ToString("N"), StringComparison.Ordinal)));
            Assert.All(moved.Segments, s => Assert.Equal(12, files.Count(f => Path.GetFileName(f).StartsWith(s.Segment.ToString("N"), StringComparison.Ordinal))));
        }

        var listed = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct)).S3Objects;
        Assert.All(listed, o => Assert.Equal(S3StorageClass.StandardInfrequentAccess, o.StorageClass));
    }
}
