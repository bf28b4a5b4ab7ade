using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Server;
using Tessera.Store;

namespace Tessera.IntegrationTests;

/// <summary>
/// The range-sharded cluster with STANDARD_IA coded RS(8,4) over its three nodes (twelve disks), and GLACIER_IR placed in
/// a remote tier: a single-node Tessera of its own (bucket <c>tier</c>) that every node names.
/// </summary>
public sealed class TransitionClusterFixture : ShardedClusterStoreFixture
{
    private readonly string _tierDirectory = Path.Combine(Path.GetTempPath(), "tessera-ctier-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The tier's server.</summary>
    public TesseraServer Tier { get; private set; } = null!;

    /// <summary>A client of the tier (root).</summary>
    public AmazonS3Client TierClient { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Tier = await TesseraServer.StartAsync(new ServerOptions
        {
            Address = "127.0.0.1:0",
            Disks = [new DiskOptions { Path = Path.Combine(_tierDirectory, "data") }],
            RootUser = StoreFixture.RootKey,
            RootPassword = StoreFixture.RootSecret,
            Quiet = true,
        });
        TierClient = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = Tier.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        await TierClient.PutBucketAsync("tier");
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TierClient.Dispose();
        await Tier.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_tierDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.StorageClasses["STANDARD_IA"] = "8+4@node";
        options.Tiers["COLD"] = $"http://{StoreFixture.RootKey}:{Uri.EscapeDataString(StoreFixture.RootSecret)}@127.0.0.1:{Tier.Endpoint.Port}/tier/cluster/";
        options.StorageClasses["GLACIER_IR"] = "tier:COLD";
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
public sealed class ClusterTransitionTests(TransitionClusterFixture cluster) : ClusterTransitionTestsBase(cluster), IClassFixture<TransitionClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The remote tier on the cluster: moved by one node (the swap one etcd Txn carrying tiered segments), the index read
    /// through another, bytes read back bit-exact through both gateways, and the remote object deleted by the
    /// coordinator's collector once the version is deleted.
    /// </summary>
    [Fact]
    public async Task AnObjectMovesToTheRemoteTierAndEveryNodeReadsItFromThere()
    {
        var s3 = cluster.Through(root: "n2", alice: "n3").Client;
        var bucket = Names.Bucket("ctier");
        await s3.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes(1_500_000, 43);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "cold", InputStream = new MemoryStream(data) }, Ct);
        var before = await s3.GetObjectMetadataAsync(bucket, "cold", Ct);

        var mover = cluster.Server("n3");
        var old = mover.Store.Index.GetObject(bucket, "cold")!;
        Assert.Equal(TransitionOutcome.Moved, await mover.Transitioner.TransitionAsync(bucket, "cold", old.VersionId, "GLACIER_IR", Ct));

        var moved = cluster.Server("n1").Store.Index.GetObject(bucket, "cold")!;
        var segment = Assert.Single(moved.Segments);
        Assert.Equal((true, "COLD"), (segment.IsTiered, segment.Tier));
        var remoteName = "cluster/" + segment.Segment.ToString("N");
        Assert.Equal(data.Length, (await cluster.TierClient.GetObjectMetadataAsync("tier", remoteName, Ct)).ContentLength);

        foreach (var (node, other) in new[] { ("n2", "n3"), ("n3", "n2") })
        {
            var client = cluster.Through(root: node, alice: other).Client;
            var head = await client.GetObjectMetadataAsync(bucket, "cold", Ct);
            Assert.Equal((before.ETag, "GLACIER_IR"), (head.ETag, head.StorageClass?.Value));
            using var get = await client.GetObjectAsync(bucket, "cold", Ct);
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.True(data.AsSpan().SequenceEqual(buffer.ToArray()), $"{node} reads back other bytes");
        }

        await cluster.Through(root: "n3", alice: "n2").Client.DeleteObjectAsync(bucket, "cold", Ct);
        (await cluster.WaitForCoordinatorAsync()).Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: false);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => cluster.TierClient.GetObjectMetadataAsync("tier", remoteName, Ct));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }
}

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
