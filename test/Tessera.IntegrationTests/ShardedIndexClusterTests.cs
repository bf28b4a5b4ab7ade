using System.Diagnostics;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// A cluster on the range-sharded index as an operator sees it: buckets are read-after-write across gateways, and a range
/// split and moved to another index group through any node's admin API leaves every object readable and listed once.
/// </summary>
[Collection(ShardedClusterStoreCollection.Name)]
public sealed class ShardedIndexClusterTests(ShardedClusterStoreFixture cluster)
{
    private const int Objects = 200;

    [Fact]
    public async Task ABucketMadeThroughOneGatewayTakesWritesThroughAnotherAndAMovedRangeKeepsEveryObject()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var bucket = "sharded-" + Guid.NewGuid().ToString("N")[..10];
        static string Key(int i) => $"k{i:D3}";
        static string Body(int i) => $"object {i} of the sharded index";

        // Read-after-write of buckets: created through n2, written through n3 at once, seen by n1's listing.
        await cluster.Client("n2").PutBucketAsync(bucket, ct);
        await cluster.Client("n3").PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Key(0), ContentBody = Body(0) }, ct);
        Assert.Contains((await cluster.Client("n1").ListBucketsAsync(ct)).Buckets, b => b.BucketName == bucket);

        // The rest through every gateway, 8 at a time.
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(1, Objects - 1).Select(async i =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    var node = cluster.NodeIds[i % cluster.NodeIds.Count];
                    await cluster.Client(node).PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = Key(i), ContentBody = Body(i) }, ct);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var written = clock.Elapsed;

        // Split at the bucket's middle key and move the right half to g2, through a node that does not coordinate (the
        // admin API forwards both to the coordinator).
        var asked = cluster.NodeIds.First(n => !cluster.Server(n).IsCoordinator);
        var middle = Key(Objects / 2);
        var (splitStatus, split) = await cluster.AdminAsync(asked, HttpMethod.Post, "index/split", ("bucket", bucket), ("key", middle));
        Assert.True(splitStatus == 200, $"split: {splitStatus} {split}");
        Assert.Equal($"{bucket}/{middle}", split.GetProperty("right").GetProperty("start").GetString());
        Assert.Equal($"{bucket}/{middle}", split.GetProperty("left").GetProperty("end").GetString());
        Assert.Equal("g1", split.GetProperty("right").GetProperty("group").GetString());

        var (moveStatus, move) = await cluster.AdminAsync(asked, HttpMethod.Post, "index/move", ("bucket", bucket), ("key", middle), ("group", "g2"), ("grace", "0"));
        Assert.True(moveStatus == 200, $"move: {moveStatus} {move}");
        Assert.Equal("g1", move.GetProperty("from").GetString());
        Assert.Equal("g2", move.GetProperty("to").GetString());
        Assert.True(move.GetProperty("preCopied").GetInt32() + move.GetProperty("deltaCopied").GetInt32() >= Objects / 2, $"move copied too little: {move}");

        var (indexStatus, index) = await cluster.AdminAsync(asked, HttpMethod.Get, "index");
        Assert.Equal(200, indexStatus);
        var moved = index.GetProperty("ranges").EnumerateArray().Single(r => r.GetProperty("start").GetString() == $"{bucket}/{middle}");
        Assert.Equal("g2", moved.GetProperty("group").GetString());
        Assert.False(moved.GetProperty("frozen").GetBoolean());
        Assert.Contains(index.GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "g2" && g.GetProperty("ranges").GetInt32() >= 1);
        var movedAt = clock.Elapsed;

        // Every object reads back, and lists exactly once, through every gateway.
        foreach (var node in cluster.NodeIds)
        {
            var client = cluster.Client(node);
            for (var i = 0; i < Objects; i++)
            {
                using var get = await client.GetObjectAsync(bucket, Key(i), ct);
                using var reader = new StreamReader(get.ResponseStream, Encoding.UTF8);
                Assert.Equal(Body(i), await reader.ReadToEndAsync(ct));
            }

            var listed = await ListAsync(client, bucket, ct);
            Assert.Equal(Enumerable.Range(0, Objects).Select(Key), listed);
        }

        TestContext.Current.SendDiagnosticMessage(
            $"{Objects} objects written in {written.TotalSeconds:F1} s; split and move ({move}) in {(movedAt - written).TotalSeconds:F1} s; read and listed through 3 gateways in {(clock.Elapsed - movedAt).TotalSeconds:F1} s");
    }

    [Fact]
    public async Task TheIndexOperationsNeedTheirParameters()
    {
        var (status, body) = await cluster.AdminAsync("n2", HttpMethod.Post, "index/move", ("bucket", "b"), ("key", "k"));
        Assert.True(status == 400, $"{status} {body}");

        var (missing, _) = await cluster.AdminAsync("n3", HttpMethod.Post, "index/move", ("bucket", "no-range-starts-here"), ("key", "x"), ("group", "g2"), ("grace", "0"));
        Assert.Equal(400, missing);
    }

    /// <summary>Every key of <paramref name="bucket"/> in listing order, paged 37 at a time (pages cross the range boundary).</summary>
    private static async Task<List<string>> ListAsync(AmazonS3Client client, string bucket, CancellationToken ct)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = 37, ContinuationToken = token }, ct);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }
}
