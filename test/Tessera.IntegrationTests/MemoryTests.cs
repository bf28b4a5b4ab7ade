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

        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.ResidentBytes());
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);

        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "big", Key = "object", InputStream = new PatternStream(size, 7) }, Ct);
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
        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(size, position);
        Assert.Equal(put.ETag!.Trim('"'), Convert.ToHexStringLower(md5.Hash!));
        TestContext.Current.TestOutputHelper?.WriteLine($"{gib} GiB PUT+GET: server peak RSS {peak / (1024 * 1024)} MiB");
        Assert.True(peak < LimitBytes, $"server resident memory peaked at {peak / (1024 * 1024)} MiB");
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
