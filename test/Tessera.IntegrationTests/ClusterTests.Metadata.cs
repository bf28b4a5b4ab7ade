using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;

namespace Tessera.IntegrationTests;

/// <content>Buckets and users live in etcd: seen through every gateway, kept across an index node restart.</content>
public sealed partial class ClusterTests
{
    private async Task<BucketRecord?> EtcdBucketAsync(string bucket)
    {
        using var etcd = cluster.Etcd.Client();
        var response = await etcd.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/tessera/buckets/" + bucket) }, cancellationToken: Ct);
        return response.Kvs.Count == 0 ? null : JsonSerializer.Deserialize(response.Kvs[0].Value.Span, ControlJsonContext.Default.BucketRecord);
    }

    private static async Task<VersionStatus?> VersioningAsync(AmazonS3Client client, string bucket) =>
        (await client.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket }, Ct)).VersioningConfig.Status;

    [Fact(Timeout = Timeout)]
    public async Task ABucketMadeThroughOneGatewayIsSeenThroughAnotherAndLivesInEtcd()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = Names.Bucket("etcdb");
        await N2.PutBucketAsync(bucket, ct);
        await N2.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, ct);

        var head = await N3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, ct);
        Assert.Equal(HttpStatusCode.OK, head.HttpStatusCode);
        Assert.Contains((await N3.ListBucketsAsync(ct)).Buckets ?? [], b => b.BucketName == bucket);
        Assert.Equal(VersionStatus.Enabled, await VersioningAsync(N3, bucket));

        var record = await EtcdBucketAsync(bucket);
        Assert.NotNull(record);
        Assert.Equal((bucket, StoreFixture.RootKey, "enabled"), (record.Name, record.Owner, record.Versioning));
        Output.WriteLine($"/tessera/buckets/{bucket}: owner {record.Owner}, region {record.Region}, versioning {record.Versioning}");

        await N3.DeleteBucketAsync(bucket, ct);
        Assert.Null(await EtcdBucketAsync(bucket));
        foreach (var node in cluster.NodeIds)
        {
            var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => cluster.Client(node).HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, ct));
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.DoesNotContain((await cluster.Client(node).ListBucketsAsync(ct)).Buckets ?? [], b => b.BucketName == bucket);
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task AUserOfOneNodesUsersFileAndAUserPutInEtcdAuthenticateOnEveryGateway()
    {
        var ct = TestContext.Current.CancellationToken;
        // n2 published its users file's user at start; n1 and n3 have no users file.
        foreach (var node in cluster.NodeIds)
        {
            using var user = cluster.Client(node, ClusterFixture.FileUserKey, ClusterFixture.FileUserSecret);
            var bucket = Names.Bucket("fileuser-" + node);
            await user.PutBucketAsync(bucket, ct);
            Assert.Contains((await user.ListBucketsAsync(ct)).Buckets ?? [], b => b.BucketName == bucket);
            Assert.Equal(ClusterFixture.FileUserKey, (await EtcdBucketAsync(bucket))!.Owner);
            await user.DeleteBucketAsync(bucket, ct);

            using var wrong = cluster.Client(node, ClusterFixture.FileUserKey, "not-the-file-users-secret");
            var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => wrong.ListBucketsAsync(ct));
            Assert.Equal("SignatureDoesNotMatch", refused.ErrorCode);
        }

        // A user put into etcd while the nodes run authenticates on every gateway within a watch round-trip.
        const string Key = "AKPUTINETCDWHILERUNNING";
        const string Secret = "put-in-etcd-while-running-0001";
        using var etcd = cluster.Etcd.Client();
        var value = JsonSerializer.SerializeToUtf8Bytes(new UserRecord { AccessKey = Key, SecretKey = Secret, DisplayName = "late" }, ControlJsonContext.Default.UserRecord);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await etcd.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("/tessera/users/" + Key), Value = ByteString.CopyFrom(value) }, cancellationToken: ct);
        foreach (var node in cluster.NodeIds)
        {
            await WaitUntilAsync(() => cluster.Server(node).Services.Users.TryGetUser(Key, out _), $"{node} to see the user put in etcd");
            using var late = cluster.Client(node, Key, Secret);
            await late.ListBucketsAsync(ct);
        }

        Output.WriteLine($"a user put in etcd authenticated on all 3 gateways after {watch.ElapsedMilliseconds} ms");

        // Deleted in etcd: refused everywhere.
        await etcd.DeleteAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8("/tessera/users/" + Key) }, cancellationToken: ct);
        foreach (var node in cluster.NodeIds)
        {
            await WaitUntilAsync(() => !cluster.Server(node).Services.Users.TryGetUser(Key, out _), $"{node} to drop the user deleted from etcd");
            using var late = cluster.Client(node, Key, Secret);
            var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => late.ListBucketsAsync(ct));
            Assert.Equal("InvalidAccessKeyId", refused.ErrorCode);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task TheIndexNodeRestartedKeepsItsBuckets()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = Names.Bucket("restart");
        await N3.PutBucketAsync(bucket, ct);
        await N3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Suspended } }, ct);
        await N2.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "kept", ContentBody = "across the restart" }, ct);

        await cluster.RestartAsync(ClusterFixture.IndexNode);

        foreach (var node in cluster.NodeIds)
        {
            var client = cluster.Client(node);
            await WaitUntilAsync(async () =>
            {
                try
                {
                    await client.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, ct);
                    return true;
                }
                catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    return false; // The other gateways' index calls wait for n1 to listen again.
                }
            }, $"{node} to reach the restarted index");
            Assert.Equal(VersionStatus.Suspended, await VersioningAsync(client, bucket));
            using var get = await client.GetObjectAsync(bucket, "kept", ct);
            Assert.Equal("across the restart", await new StreamReader(get.ResponseStream).ReadToEndAsync(ct));
        }

        Assert.Equal("suspended", (await EtcdBucketAsync(bucket))!.Versioning);
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 20 s for {what}.");
            }

            await Task.Delay(50, Ct);
        }
    }
}
