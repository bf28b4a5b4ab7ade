using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Core.Buffers;
using Tessera.Index;
using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>
/// A store of its own for one destructive test: disks as separate directories with rack labels, 4 KiB shards, and
/// helpers to read everything back, drive repair to the end, and list the fragment files on disk.
/// </summary>
public sealed class RepairStore : IAsyncDisposable
{
    private readonly List<AmazonS3Client> _clients = [];
    private readonly ServerOptions _options;

    private RepairStore(string directory, ServerOptions options, TesseraServer server, DiagnosticArrayPool buffers, IReadOnlyList<string> diskPaths)
    {
        Buffers = buffers;
        Directory = directory;
        _options = options;
        Server = server;
        DiskPaths = diskPaths;
        Client = NewClient();
    }

    public string Directory { get; }

    public TesseraServer Server { get; private set; }

    public AmazonS3Client Client { get; private set; }

    /// <summary>Disk directories in id order: disk1 is [0].</summary>
    public IReadOnlyList<string> DiskPaths { get; }

    /// <summary>Objects written through <see cref="PutAsync"/>: (bucket, key, version) → bytes.</summary>
    public Dictionary<(string Bucket, string Key, string? VersionId), byte[]> Objects { get; } = [];

    public IIndexStore Index => Server.Store.Index;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts a store over <paramref name="racks"/> racks of <paramref name="disksPerRack"/> disks.</summary>
    public static async Task<RepairStore> StartAsync(int racks, int disksPerRack, string ec, string level, Action<ServerOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tessera-repair-" + Guid.NewGuid().ToString("N")[..10]);
        var disks = new List<DiskOptions>();
        for (var r = 0; r < racks; r++)
        {
            for (var d = 0; d < disksPerRack; d++)
            {
                disks.Add(new DiskOptions { Path = Path.Combine(directory, $"disk{disks.Count + 1}"), Rack = $"rack{r + 1}" });
            }
        }

        var options = new ServerOptions
        {
            Address = "127.0.0.1:0",
            Disks = disks,
            MetaDir = Path.Combine(directory, "meta"),
            RootUser = StoreFixture.RootKey,
            RootPassword = StoreFixture.RootSecret,
            ErasureCode = ec,
            DomainLevel = level,
            ShardSize = 4096,
            MinPartSize = 1,
            GarbageGraceSeconds = 3600,
            DiskCheckInterval = 0,
            ScrubInterval = 0,
            RepairBandwidth = 0,
            Quiet = true,
        };
        configure?.Invoke(options);
        var buffers = new DiagnosticArrayPool();
        var server = await TesseraServer.StartAsync(options, buffers: buffers);
        return new RepairStore(directory, options, server, buffers, [.. disks.Select(d => d.Path)]);
    }

    /// <summary>Stops the server and starts it again over the same directories (a new endpoint and client).</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        Server = await TesseraServer.StartAsync(_options, buffers: Buffers);
        Client = NewClient();
    }

    /// <summary>The pool of the server's data path (see <see cref="StoreFixture.Buffers"/>).</summary>
    public DiagnosticArrayPool Buffers { get; }

    public AmazonS3Client NewClient()
    {
        var client = new AmazonS3Client(new BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = Server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        _clients.Add(client);
        return client;
    }

    /// <summary>PUTs objects of mixed sizes (multi-stripe ones included) and a three-part multipart object into a new bucket.</summary>
    public async Task<string> PopulateAsync(int count, int seed)
    {
        var bucket = Names.Bucket("rep");
        await Client.PutBucketAsync(bucket, Ct);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var size = i % 5 == 0 ? random.Next(1, 100) : random.Next(4096, 120_000);
            await PutAsync(bucket, $"obj/{i:000}", Names.RandomBytes(size, seed + i));
        }

        var upload = await Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "multi" }, Ct);
        var parts = new List<byte[]>();
        var etags = new List<PartETag>();
        for (var p = 1; p <= 3; p++)
        {
            var data = Names.RandomBytes(30_000 + p, seed * 10 + p);
            parts.Add(data);
            var part = await Client.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "multi", UploadId = upload.UploadId, PartNumber = p, InputStream = new MemoryStream(data) }, Ct);
            etags.Add(new PartETag(p, part.ETag));
        }

        await Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "multi", UploadId = upload.UploadId, PartETags = etags }, Ct);
        Objects[(bucket, "multi", null)] = [.. parts.SelectMany(p => p)];
        return bucket;
    }

    public async Task PutAsync(string bucket, string key, byte[] data)
    {
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(data) }, Ct);
        Objects[(bucket, key, null)] = data;
    }

    /// <summary>Reads every object back and asserts it is bit-exact.</summary>
    public async Task AssertEverythingReadsBackAsync()
    {
        foreach (var ((bucket, key, versionId), data) in Objects)
        {
            using var get = await Client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
            using var read = new MemoryStream();
            await get.ResponseStream.CopyToAsync(read, Ct);
            Assert.True(data.AsSpan().SequenceEqual(read.ToArray()), $"{bucket}/{key} differs.");
        }
    }

    /// <summary>Waits until the background repairer has emptied the queue (or drains it here when it has no workers).</summary>
    public async Task RepairUntilIdleAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await Server.Repairer.DrainAsync(Ct);
            var status = Server.Repairer.Status();
            if (status.QueuedSegments == 0 && status.InProgress == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Repair still busy after {timeout}: {status.QueuedSegments} queued.");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>The segment of <paramref name="key"/>, an object of one segment.</summary>
    public Tessera.Index.SegmentManifest SegmentOf(string key) =>
        Index.ReferencedSegments().Single(s => Index.FindSegmentOwner(s.Segment)!.Key == key);

    /// <summary>Every fragment file on every disk of the topology whose directory exists: (disk id, file name).</summary>
    public List<(string Disk, string Name)> FragmentFiles() =>
        [.. Server.Store.Storage.Disks.OfType<Tessera.Storage.LocalDisk>().Select(d => (d.Id, Path: Path.Combine(d.Root, "fragments")))
            .Where(d => System.IO.Directory.Exists(d.Path))
            .SelectMany(d => System.IO.Directory.EnumerateFiles(d.Path, "*", SearchOption.AllDirectories).Select(f => (d.Id, Path.GetFileName(f))))];

    /// <summary>
    /// Asserts full redundancy with nothing extra: every referenced segment has all its fragments on distinct disks
    /// that hold them, no failure domain holds more than <paramref name="perDomain"/> of them, and no other fragment
    /// file exists.
    /// </summary>
    public void AssertFullRedundancyAndNoOrphans(string level, int perDomain)
    {
        var expected = new HashSet<(string, string)>();
        var set = Server.Store.Storage;
        foreach (var segment in Index.ReferencedSegments().Where(s => s.Disks.Any(d => d.Length > 0)))
        {
            Assert.Equal(segment.Disks.Count, segment.Disks.Distinct().Count());
            foreach (var group in segment.Disks.GroupBy(d => set.KnownDisk(d)!.Labels.Domain(level, d)))
            {
                Assert.True(group.Count() <= perDomain, $"Segment {segment.Segment:N} has {group.Count()} fragments in {level} {group.Key}.");
            }

            byte[]? trailer = null;
            for (var i = 0; i < segment.Disks.Count; i++)
            {
                Assert.Equal(Tessera.Storage.DiskState.Active, set.StateOf(segment.Disks[i]));
                expected.Add((segment.Disks[i], $"{segment.Segment:N}.{i}"));

                // Rebuilt fragments carry the same trailer (the manifest entry index recovery needs) as the others.
                using var reader = set.Disk(segment.Disks[i])?.OpenFragment(new Tessera.Storage.FragmentId(segment.Segment, i));
                if (reader?.ReadTrailer() is { } own)
                {
                    Assert.True(trailer is null || own.AsSpan().SequenceEqual(trailer), $"Fragment {i} of {segment.Segment:N} has another trailer.");
                    trailer = own;
                }
            }

            Assert.NotNull(trailer);
        }

        var actual = FragmentFiles().ToHashSet();
        var lost = expected.Except(actual).ToList();
        var orphans = actual.Except(expected).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} fragments missing, e.g. {string.Join(", ", lost.Take(3))}");
        Assert.True(orphans.Count == 0, $"{orphans.Count} orphan fragment files, e.g. {string.Join(", ", orphans.Take(3))}");
    }

    /// <summary>Calls the admin API over HTTP, signed as root.</summary>
    public async Task<(int Status, JsonElement Body)> AdminAsync(HttpMethod method, string operation, params (string Key, string Value)[] query)
    {
        using var http = new HttpClient();
        var client = new AdminClient(http, Server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
        var (status, body) = await client.SendAsync(method, operation, query.Select(q => KeyValuePair.Create(q.Key, q.Value)), Ct);
        using (body)
        {
            return (status, body.RootElement.Clone());
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        var problems = Buffers.Check(expectAllReturned: true);
        Assert.True(problems.Count == 0, $"{problems.Count} pooled buffer problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(5))}");
    }
}
