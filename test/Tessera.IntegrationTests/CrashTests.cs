using System.Collections.Concurrent;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// kill -9 the server in a loop while clients stream PUTs at it. After every restart, every PUT that was answered
/// 200 reads back bit-exact, and every object that is visible at all is one that some client sent, whole.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tessera-crash-" + Guid.NewGuid().ToString("N")[..10]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AcknowledgedWritesSurviveKillMinus9AndNothingPartialIsVisible(bool versioned)
    {
        const int Rounds = 4;
        const int Writers = 6;
        const string Bucket = "crash";
        var data = Path.Combine(_directory, "data");
        var acked = new ConcurrentDictionary<string, string>();      // key -> md5 the server acknowledged
        var ackedVersions = new ConcurrentDictionary<(string Key, string VersionId), string>(); // versioned: each acked version
        var attempted = new ConcurrentDictionary<string, ConcurrentBag<string>>(); // key -> md5s ever sent
        var random = new Random(2024);
        var port = 0;
        for (var round = 0; round < Rounds; round++)
        {
            await using var server = await ServerProcess.StartAsync(data, port == 0 ? null : port);
            port = server.Port;
            using var s3 = server.CreateClient();
            if (round == 0)
            {
                await s3.PutBucketAsync(Bucket, Ct);
                if (versioned)
                {
                    await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = Bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
                }
            }

            await VerifyAsync(s3, Bucket, acked, attempted);
            if (versioned)
            {
                await VerifyVersionsAsync(s3, Bucket, ackedVersions, attempted);
            }

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                var rng = new Random((round * 100) + w);
                var i = 0;
                while (!stop.IsCancellationRequested)
                {
                    // Unique keys, plus a few keys every writer overwrites, so crashes also hit pointer flips.
                    var key = rng.Next(4) == 0 ? $"shared/{rng.Next(3)}" : $"r{round}/w{w}/{i++}";
                    var body = new byte[rng.Next(4) == 0 ? rng.Next(1_000_000, 3_000_000) : rng.Next(0, 70_000)];
                    rng.NextBytes(body);
                    var md5 = Convert.ToHexStringLower(MD5.HashData(body));
                    attempted.GetOrAdd(key, _ => []).Add(md5);
                    try
                    {
                        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(body) }, stop.Token);
                        if (put.ETag == $"\"{md5}\"")
                        {
                            acked[key] = md5;
                            if (versioned)
                            {
                                ackedVersions[(key, put.VersionId)] = md5;
                            }
                        }
                    }
                    catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException or OperationCanceledException or Amazon.Runtime.AmazonClientException)
                    {
                        return;
                    }
                }
            })).ToArray();

            await Task.Delay(random.Next(800, 2000), Ct);
            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        await using (var last = await ServerProcess.StartAsync(data))
        {
            using var s3 = last.CreateClient();
            await VerifyAsync(s3, Bucket, acked, attempted);
            if (versioned)
            {
                await VerifyVersionsAsync(s3, Bucket, ackedVersions, attempted);
                Assert.True(ackedVersions.Count >= acked.Count);
            }
        }

        Assert.True(acked.Count > 20, $"only {acked.Count} PUTs were acknowledged; the test exercised too little");
    }

    /// <summary>
    /// Acked unique keys must read back exactly; shared keys must hold one of the bodies sent for them; every
    /// listed object must read back whole and match its ETag.
    /// </summary>
    private static async Task VerifyAsync(AmazonS3Client s3, string bucket, ConcurrentDictionary<string, string> acked, ConcurrentDictionary<string, ConcurrentBag<string>> attempted)
    {
        var listed = new Dictionary<string, string>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token }, Ct);
            foreach (var o in page.S3Objects ?? [])
            {
                listed[o.Key] = o.ETag.Trim('"');
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        foreach (var (key, md5) in acked)
        {
            Assert.True(listed.ContainsKey(key), $"acknowledged object {key} is missing after a crash");
            if (!key.StartsWith("shared/", StringComparison.Ordinal))
            {
                Assert.Equal(md5, listed[key]);
            }
        }

        foreach (var (key, etag) in listed)
        {
            Assert.True(attempted.TryGetValue(key, out var sent) && sent.Contains(etag), $"{key} holds {etag}, which no client sent");
            using var get = await s3.GetObjectAsync(bucket, key, Ct);
            using var md5 = MD5.Create();
            await using var hashing = new CryptoStream(Stream.Null, md5, CryptoStreamMode.Write);
            await get.ResponseStream.CopyToAsync(hashing, Ct);
            await hashing.FlushFinalBlockAsync(Ct);
            Assert.Equal(etag, Convert.ToHexStringLower(md5.Hash!));
        }
    }

    /// <summary>
    /// Every acknowledged version reads back by its id; every listed version is whole and was sent by a client.
    /// </summary>
    private static async Task VerifyVersionsAsync(AmazonS3Client s3, string bucket, ConcurrentDictionary<(string Key, string VersionId), string> acked, ConcurrentDictionary<string, ConcurrentBag<string>> attempted)
    {
        var listed = new Dictionary<(string, string), string>();
        string? keyMarker = null, versionMarker = null;
        while (true)
        {
            var page = await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, KeyMarker = keyMarker, VersionIdMarker = versionMarker }, Ct);
            foreach (var v in page.Versions ?? [])
            {
                if (v.IsDeleteMarker != true)
                {
                    listed[(v.Key, v.VersionId)] = v.ETag.Trim('"');
                }
            }

            if (page.IsTruncated != true)
            {
                break;
            }

            (keyMarker, versionMarker) = (page.NextKeyMarker, page.NextVersionIdMarker);
        }

        foreach (var (version, md5) in acked)
        {
            Assert.True(listed.TryGetValue(version, out var etag) && etag == md5, $"acknowledged version {version} is missing or changed after a crash");
        }

        foreach (var ((key, versionId), etag) in listed)
        {
            Assert.True(attempted.TryGetValue(key, out var sent) && sent.Contains(etag), $"{key}@{versionId} holds {etag}, which no client sent");
            using var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.Equal(etag, Convert.ToHexStringLower(MD5.HashData(buffer.ToArray())));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
