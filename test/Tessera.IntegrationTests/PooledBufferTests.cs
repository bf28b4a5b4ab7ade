using System.Net.Sockets;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// Pooled buffers under clients that go away mid-request. The store's data path draws from a
/// <see cref="Core.Buffers.DiagnosticArrayPool"/>: after each burst every buffer must be back, none returned twice, and
/// none written after its return (a prefetch still filling a buffer that another request may already hold).
/// </summary>
public sealed class PooledBufferTests(StoreFixture store) : IClassFixture<StoreFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Signer Root => new(store.Server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret);

    /// <summary>How many requests of <paramref name="operation"/> the gateway has finished.</summary>
    private long Finished(Tessera.S3.Gateway.S3Operation operation) =>
        store.Server.Services.Requests.Snapshot().Where(r => r.Operation == operation).Sum(r => r.Requests);

    /// <summary>
    /// Waits until no buffer is out and none was rented for half a second (every request has ended), and, when given,
    /// until <paramref name="operation"/> has finished <paramref name="count"/> requests (at most 10 s: a request whose
    /// connection was reset before its head was read never starts); then asserts the pool found nothing wrong. Under
    /// load a reset request can start after the others ended, so "none out" alone once let the check run before its rent.
    /// </summary>
    private async Task AssertBuffersCleanAsync(Tessera.S3.Gateway.S3Operation? operation = null, long count = 0)
    {
        var started = DateTime.UtcNow;
        var deadline = started.AddSeconds(30);
        var quietSince = DateTime.UtcNow;
        var rents = store.Buffers.Rents;
        while (DateTime.UtcNow < deadline)
        {
            if (store.Buffers.Outstanding > 0 || store.Buffers.Rents != rents)
            {
                (quietSince, rents) = (DateTime.UtcNow, store.Buffers.Rents);
            }
            else if (DateTime.UtcNow - quietSince > TimeSpan.FromMilliseconds(500)
                && (operation is not { } op || Finished(op) >= count || DateTime.UtcNow - started > TimeSpan.FromSeconds(10)))
            {
                break;
            }

            await Task.Delay(20, Ct);
        }

        var problems = store.Buffers.Check(expectAllReturned: true);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(5)));
    }

    /// <summary>Closes with a reset, as a client that crashes or times out does.</summary>
    private static void Reset(TcpClient client)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Dispose();
    }

    [Fact]
    public async Task ClientsThatDisconnectMidGetLeaveEveryBufferReturnedAndUntouched()
    {
        var bucket = Names.Bucket("pool");
        await store.Client.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes(12 * 1024 * 1024, 3);
        await store.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "big", InputStream = new MemoryStream(data) }, Ct);
        await AssertBuffersCleanAsync();
        var rents = store.Buffers.Rents;

        for (var i = 0; i < 40; i++)
        {
            var headers = Root.Sign("GET", $"/{bucket}/big", "", [], Signer.EmptySha256);
            var client = await RawHttp.ConnectAsync(store.Server.Endpoint, Ct);
            var stream = client.GetStream();
            await stream.WriteAsync(RawHttp.Head("GET", $"/{bucket}/big", store.Server.Endpoint, headers), Ct);
            var buffer = new byte[64 * 1024];
            var wanted = 128 * 1024 * (1 + (i % 8));
            for (var read = 0; read < wanted;)
            {
                var n = await stream.ReadAsync(buffer, Ct);
                Assert.True(n > 0, "the response ended early");
                read += n;
            }

            Reset(client);
        }

        await AssertBuffersCleanAsync();
        Assert.True(store.Buffers.Rents > rents + 40, "the GETs drew their stripe buffers from the pool");

        // And the object reads back whole.
        using var get = await store.Client.GetObjectAsync(bucket, "big", Ct);
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy, Ct);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task ClientsThatDisconnectMidPutLeaveEveryBufferReturnedAndNoFile()
    {
        var bucket = Names.Bucket("pool");
        await store.Client.PutBucketAsync(bucket, Ct);
        var chunk = Names.RandomBytes(256 * 1024, 4);
        var puts = Finished(Tessera.S3.Gateway.S3Operation.PutObject);
        for (var i = 0; i < 20; i++)
        {
            var headers = Root.Sign("PUT", $"/{bucket}/cut", "", [], "UNSIGNED-PAYLOAD");
            var client = await RawHttp.ConnectAsync(store.Server.Endpoint, Ct);
            var stream = client.GetStream();
            await stream.WriteAsync(RawHttp.Head("PUT", $"/{bucket}/cut", store.Server.Endpoint, [.. headers, ("Content-Length", (16 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture))]), Ct);
            for (var sent = 0; sent < 1 + (i % 6); sent++)
            {
                await stream.WriteAsync(chunk, Ct);
            }

            Reset(client);
        }

        await AssertBuffersCleanAsync(Tessera.S3.Gateway.S3Operation.PutObject, puts + 20);
        await Assert.ThrowsAsync<AmazonS3Exception>(() => store.Client.GetObjectMetadataAsync(bucket, "cut", Ct));
        var temp = Directory.EnumerateFiles(store.DataDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(store.DataDirectory, f))
            .Where(f => f.Split(Path.DirectorySeparatorChar).Contains("tmp")).ToList();
        Assert.Empty(temp);
    }

    [Fact]
    public async Task AwsChunkedUploadsReturnTheirFramingBuffer()
    {
        // The SDK's default body is aws-chunked with a trailing checksum: its decoder's pooled buffer must come back.
        var bucket = Names.Bucket("pool");
        await store.Client.PutBucketAsync(bucket, Ct);
        await AssertBuffersCleanAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"k{i}", InputStream = new MemoryStream(Names.RandomBytes(100_000, i)) }, Ct);
        }

        await AssertBuffersCleanAsync();
    }
}
