using System.Security.Cryptography;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// Objects stream: a PUT and a GET of a large object keep the server's resident memory bounded. CI runs it at
/// 1 GiB (TESSERA_BIG_OBJECT_GIB raises it, e.g. to 5, for the figure in the release notes).
/// </summary>
public sealed class MemoryTests : IDisposable
{
    private const long LimitBytes = 300L * 1024 * 1024;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tessera-mem-" + Guid.NewGuid().ToString("N")[..10]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ALargePutAndGetStayUnder300MiBResident()
    {
        var gib = int.TryParse(Environment.GetEnvironmentVariable("TESSERA_BIG_OBJECT_GIB"), out var g) ? g : 1;
        var size = gib * 1024L * 1024 * 1024;
        await using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "data"));
        using var s3 = server.CreateClient();
        await s3.PutBucketAsync("big", Ct);

        var sampler = new RssSampler(server);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "big", Key = "object", InputStream = new PatternStream(size, 7) }, Ct);
        var putSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var get = await s3.GetObjectAsync("big", "object", Ct);
        Assert.Equal(size, get.ContentLength);
        using var md5 = MD5.Create();
        var buffer = new byte[1 << 20];
        long position = 0;
        int read;
        while ((read = await get.ResponseStream.ReadAsync(buffer, Ct)) > 0)
        {
            for (var i = 0; i < read; i += 4093)
            {
                Assert.Equal(PatternStream.At(7, position + i), buffer[i]);
            }

            md5.TransformBlock(buffer, 0, read, null, 0);
            position += read;
        }

        md5.TransformFinalBlock([], 0, 0);
        await sampler.DisposeAsync();
        var peak = sampler.Peak;
        Assert.Equal(size, position);
        Assert.Equal(put.ETag!.Trim('"'), Convert.ToHexStringLower(md5.Hash!));
        var getSeconds = clock.Elapsed.TotalSeconds;
        Report($"{gib} GiB single PUT {size / putSeconds / (1 << 20):F0} MiB/s, GET {size / getSeconds / (1 << 20):F0} MiB/s: server peak RSS {peak / (1024 * 1024)} MiB");
        Assert.True(peak < LimitBytes, $"server resident memory peaked at {peak / (1024 * 1024)} MiB");
    }

    [Fact]
    public async Task AParallelMultipartUploadStaysUnder300MiBResident()
    {
        var gib = int.TryParse(Environment.GetEnvironmentVariable("TESSERA_BIG_OBJECT_GIB"), out var g) ? g : 1;
        var size = gib * 1024L * 1024 * 1024;
        await using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "mp"));
        using var s3 = server.CreateClient();
        await s3.PutBucketAsync("big", Ct);
        var sampler = new RssSampler(server);

        const long PartSize = 16L * 1024 * 1024;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "big", Key = "parts" }, Ct);
        var count = (int)((size + PartSize - 1) / PartSize);
        var etags = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            var length = Math.Min(PartSize, size - (i * PartSize));
            var body = new PatternStream(size, 11) { Position = i * PartSize };
            etags[i] = (await s3.UploadPartAsync(new UploadPartRequest { BucketName = "big", Key = "parts", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new SliceStream(body, length) }, ct)).ETag;
        });
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = "big", Key = "parts", UploadId = upload.UploadId, PartETags = etags.Select((e, i) => new PartETag(i + 1, e)).ToList() }, Ct);

        var putSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var get = await s3.GetObjectAsync("big", "parts", Ct);
        var buffer = new byte[1 << 20];
        long position = 0;
        int read;
        while ((read = await get.ResponseStream.ReadAsync(buffer, Ct)) > 0)
        {
            for (var i = 0; i < read; i += 4093)
            {
                Assert.Equal(PatternStream.At(11, position + i), buffer[i]);
            }

            position += read;
        }

        await sampler.DisposeAsync();
        var peak = sampler.Peak;
        Assert.Equal(size, position);
        var getSeconds = clock.Elapsed.TotalSeconds;
        Report($"{gib} GiB multipart ({count} parts of 16 MiB, 8 in parallel) upload {size / putSeconds / (1 << 20):F0} MiB/s, GET {size / getSeconds / (1 << 20):F0} MiB/s: server peak RSS {peak / (1024 * 1024)} MiB");
        Assert.True(peak < LimitBytes, $"server resident memory peaked at {peak / (1024 * 1024)} MiB");
    }

    /// <summary>Appends a measured figure to the file named by TESSERA_TEST_REPORT, for release notes.</summary>
    private static void Report(string line)
    {
        if (Environment.GetEnvironmentVariable("TESSERA_TEST_REPORT") is { Length: > 0 } path)
        {
            File.AppendAllText(path, line + Environment.NewLine);
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
