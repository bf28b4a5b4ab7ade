using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterLifecycleWorkerTests(ClusterStoreFixture cluster) : ClusterLifecycleWorkerTestsBase(cluster);

[Collection(ShardedClusterStoreCollection.Name)]
public sealed class ShardedClusterLifecycleWorkerTests(ShardedClusterStoreFixture cluster) : ClusterLifecycleWorkerTestsBase(cluster);

/// <summary>
/// The lifecycle worker on a 3-node cluster: only the elected coordinator runs passes, over the index of the cluster
/// (the index node's RocksDB through the index wire, or the range-sharded etcd index), with its cursor in that index.
/// The fixture's lifecycle day is 24 h, so the rule expires by a date in the past and the test runs the pass itself.
/// </summary>
public abstract class ClusterLifecycleWorkerTestsBase(ClusterStoreFixture cluster)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheCoordinatorExpiresObjectsThroughTheClusterIndex(bool versioned)
    {
        var s3 = cluster.Through(root: "n2", alice: "n3").Client;
        var bucket = Names.Bucket("clw");
        await s3.PutBucketAsync(bucket, Ct);
        if (versioned)
        {
            await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        }

        await s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = bucket,
            Configuration = new LifecycleConfiguration
            {
                Rules =
                [
                    new LifecycleRule
                    {
                        Id = "past",
                        Status = LifecycleRuleStatus.Enabled,
                        Filter = new LifecycleFilter { Prefix = "exp/" },
                        Expiration = new LifecycleRuleExpiration { Date = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
                    },
                ],
            },
        }, Ct);
        foreach (var key in new[] { "exp/a", "exp/b", "keep/c" })
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key }, Ct);
        }

        var coordinator = await cluster.WaitForCoordinatorAsync();
        Assert.True(await coordinator.Lifecycle.RunPassAsync(Ct));
        Assert.All(cluster.NodeIds.Where(cluster.IsRunning).Select(cluster.Server).Where(s => s != coordinator), s => Assert.False(s.Lifecycle.Status.Active));

        var listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Equal(["keep/c"], listing.S3Objects.Select(o => o.Key));
        var versions = (await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = "exp/" }, Ct)).Versions ?? [];
        Assert.Equal(versioned ? 4 : 0, versions.Count);
        Assert.Equal(versioned ? 2 : 0, versions.Count(v => v.IsDeleteMarker == true && v.IsLatest == true));

        // Idempotent: a second pass changes nothing more.
        Assert.True(await coordinator.Lifecycle.RunPassAsync(Ct));
        var again = (await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket }, Ct)).Versions ?? [];
        Assert.Equal(versions.Count + 1, again.Count);

        var status = coordinator.Lifecycle.Status.Buckets.Single(b => b.Bucket == bucket);
        Assert.Equal(2, status.ActionsSinceStart.GetValueOrDefault(versioned ? "deleteMarkerAdded" : "expired"));

        // The cursor is in the cluster's index: any node reads the last pass's end from it.
        var cursor = cluster.Server(cluster.NodeIds.First(n => cluster.Server(n) != coordinator)).Lifecycle.ReadCursor();
        Assert.NotNull(cursor);
        Assert.Null(cursor.Bucket);
        Assert.NotNull(cursor.LastPassEnd);
    }
}
