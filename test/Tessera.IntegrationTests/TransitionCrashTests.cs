using Amazon.S3.Model;
using Tessera.Server;
using Tessera.Store;

namespace Tessera.IntegrationTests;

/// <summary>
/// kill -9 the real server during transitions (STANDARD RS(4,2) → STANDARD_IA RS(8,4), twelve disks): after a restart
/// the object reads back bit-exact from its old or its new segments, and once the garbage collector and its orphan sweep
/// ran, only the segments the index references have fragment files.
/// </summary>
public sealed class TransitionCrashTests : IDisposable
{
    private const string Bucket = "tcrash";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tessera-tcrash-" + Guid.NewGuid().ToString("N")[..10]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Disks => Path.Combine(_directory, "disk{1...12}");

    [Fact]
    public async Task AKillBetweenTheNewFragmentsAndTheSwapLeavesTheOldSegmentsAndOrphansTheSweepRemoves()
    {
        var data = Names.RandomBytes(3_000_000, 31);
        var environment = new Dictionary<string, string> { [MaintenanceServices.TransitionPauseVariable] = "60" };
        await using (var server = await ServerProcess.StartAsync(Disks, null, environment, Arguments))
        {
            using var s3 = server.CreateClient();
            await s3.PutBucketAsync(Bucket, Ct);
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "a", InputStream = new MemoryStream(data) }, Ct);
            Assert.Equal(6, FragmentFileCount());

            using var http = new HttpClient();
            var admin = new AdminClient(http, server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
            var call = admin.SendAsync(HttpMethod.Post, "transition", Query("a"), Ct);

            // The pause comes after the twelve new fragments are committed (final names) and before the swap.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (FragmentFileCount() < 18 && DateTime.UtcNow < deadline && !call.IsCompleted)
            {
                await Task.Delay(20, Ct);
            }

            Assert.Equal(18, FragmentFileCount());
            server.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        }

        await using (var restarted = await StartInProcessAsync())
        {
            using var s3 = Client(restarted);
            await AssertReadsAsync(s3, data);
            var manifest = restarted.Store.Index.GetObject(Bucket, "a")!;
            Assert.Equal(("STANDARD", 4), (manifest.StorageClass, manifest.Segments[0].DataShards));

            restarted.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
            Assert.Equal(6, FragmentFileCount());
            await AssertReadsAsync(s3, data);

            // The transition done again completes.
            Assert.Equal(TransitionOutcome.Moved, await restarted.Transitioner.TransitionAsync(Bucket, "a", "null", "STANDARD_IA", Ct));
            restarted.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
            Assert.Equal(12, FragmentFileCount());
            await AssertReadsAsync(s3, data);
        }
    }

    [Fact]
    public async Task KillsAtRandomPointsOfTransitionsLeaveTheObjectReadableAndNothingOrphaned()
    {
        var data = Names.RandomBytes(24_000_000, 32);
        var random = new Random(7);
        await using (var server = await ServerProcess.StartAsync(Disks, null, new Dictionary<string, string>(), Arguments))
        {
            using var s3 = server.CreateClient();
            await s3.PutBucketAsync(Bucket, Ct);
        }

        var classes = new[] { "STANDARD_IA", "STANDARD" };
        for (var round = 0; round < 4; round++)
        {
            await using (var server = await ServerProcess.StartAsync(Disks, null, new Dictionary<string, string>(), Arguments))
            {
                using var s3 = server.CreateClient();
                if (round == 0)
                {
                    await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "a", InputStream = new MemoryStream(data) }, Ct);
                }

                using var http = new HttpClient();
                var admin = new AdminClient(http, server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
                var call = admin.SendAsync(HttpMethod.Post, "transition", Query("a", classes[round % 2]), Ct);
                await Task.Delay(random.Next(50, 1500), Ct);
                server.Kill();
                try
                {
                    await call;
                }
                catch (Exception)
                {
                    // Killed mid-call, or it completed first: either is a round.
                }
            }

            await using var restarted = await StartInProcessAsync();
            using var client = Client(restarted);
            await AssertReadsAsync(client, data);
            restarted.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
            var manifest = restarted.Store.Index.GetObject(Bucket, "a")!;
            var n = manifest.Segments[0].DataShards + manifest.Segments[0].ParityShards;
            Assert.Equal(n, FragmentFileCount());
            await AssertReadsAsync(client, data);
        }
    }

    [Fact]
    public async Task ATargetClassTheDisksCannotTakeIsUnavailableAndNothingChanges()
    {
        var data = Names.RandomBytes(2_000_000, 33);
        await using var server = await StartInProcessAsync();
        using var s3 = Client(server);
        await s3.PutBucketAsync(Bucket, Ct);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = "a", InputStream = new MemoryStream(data) }, Ct);
        var old = server.Store.Index.GetObject(Bucket, "a")!;

        // Four disks that hold none of the object's fragments fail: eight are left, fewer than RS(8,4)'s write quorum of nine.
        using var http = new HttpClient();
        var admin = new AdminClient(http, server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
        var spare = server.Store.Storage.Disks.Select(d => d.Id).Except(old.Segments[0].Disks).Take(4).ToList();
        foreach (var disk in spare)
        {
            var (status, body) = await admin.SendAsync(HttpMethod.Post, "disks/" + disk, [new("state", "failed")], Ct);
            body.Dispose();
            Assert.Equal(200, status);
        }

        Assert.Equal(TransitionOutcome.Unavailable, await server.Transitioner.TransitionAsync(Bucket, "a", "null", "STANDARD_IA", Ct));
        var after = server.Store.Index.GetObject(Bucket, "a")!;
        Assert.Equal(("STANDARD", old.Segments[0].Segment), (after.StorageClass, after.Segments[0].Segment));
        await AssertReadsAsync(s3, data);
        server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        Assert.Equal(6, FragmentFileCount());

        foreach (var disk in spare)
        {
            var (status, body) = await admin.SendAsync(HttpMethod.Post, "disks/" + disk, [new("state", "active")], Ct);
            body.Dispose();
            Assert.Equal(200, status);
        }

        Assert.Equal(TransitionOutcome.Moved, await server.Transitioner.TransitionAsync(Bucket, "a", "null", "STANDARD_IA", Ct));
        await AssertReadsAsync(s3, data);
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

    private static string[] Arguments => ["--ec", "4+2", "--storage-class", "STANDARD_IA=8+4"];

    private static Dictionary<string, string> Query(string key, string storageClass = "STANDARD_IA") =>
        new() { ["bucket"] = Bucket, ["key"] = key, ["versionId"] = "null", ["storageClass"] = storageClass };

    private int FragmentFileCount() =>
        Directory.EnumerateDirectories(_directory, "disk*")
            .Select(d => Path.Combine(d, "fragments"))
            .Where(Directory.Exists)
            .Sum(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Count(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".tmp", StringComparison.Ordinal)));

    private Task<TesseraServer> StartInProcessAsync() => TesseraServer.StartAsync(new ServerOptions
    {
        Address = "127.0.0.1:0",
        Disks = [new DiskOptions { Path = Disks }],
        ErasureCode = "4+2",
        StorageClasses = { ["STANDARD_IA"] = "8+4" },
        RootUser = StoreFixture.RootKey,
        RootPassword = StoreFixture.RootSecret,
        GarbageGraceSeconds = 3600,
        Quiet = true,
    });

    private static Amazon.S3.AmazonS3Client Client(TesseraServer server) =>
        new(new Amazon.Runtime.BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new Amazon.S3.AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    private static async Task AssertReadsAsync(Amazon.S3.AmazonS3Client s3, byte[] expected)
    {
        using var get = await s3.GetObjectAsync(Bucket, "a", Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.True(expected.AsSpan().SequenceEqual(buffer.ToArray()), $"reads back {buffer.Length} bytes that differ from the {expected.Length} written");
    }
}
