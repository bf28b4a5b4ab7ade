using System.Text;
using System.Xml.Linq;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Users;
using Tessera.Storage;
using Tessera.Store;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// A real store in a temp directory, built as <c>TesseraServer.StartAsync</c> builds its <see cref="S3Services"/>
/// (RocksDbIndexStore in a meta directory, an ErasureSet over six LocalDisks, the users, S3Options) but without
/// Kestrel: requests go straight to <see cref="S3Gateway.HandleAsync"/> on <see cref="Microsoft.AspNetCore.Http.DefaultHttpContext"/>s.
/// The clock stands at the AWS examples' instant, so <see cref="ReferenceSigner"/> and <see cref="ChunkedBodies"/> sign for it.
/// </summary>
public sealed class GatewayStore : IAsyncLifetime
{
    /// <summary>A second user, owner of the bucket <c>other</c>.</summary>
    public const string OtherAccessKey = "AKIAOTHERUSEREXAMPLE";

    /// <summary>Keys seeded into the bucket <c>fuzz</c>, decoded.</summary>
    public static readonly string[] SeedKeys = ["seed", "dir/a", "dir/b", "ctl\u0001key", "tab\tkey", "line\rkey", "é", "a b", "%41", "tagged", "meta", "empty", "big"];

    private readonly TempDirectory _directory = new();
    private readonly RocksDbIndexStore _index;
    private readonly S3Gateway _gateway;
    private readonly CapturingLogger _log = new();

    public GatewayStore()
    {
        var disks = Enumerable.Range(1, 6)
            .Select(i => (IDisk)new LocalDisk($"disk{i}", Path.Combine(_directory.Path, $"disk{i}"), new DiskLabels($"disk{i}", $"disk{i}", "node")))
            .ToList();
        var storage = new ErasureSet(disks, new ErasurePolicy(4, 2, 64 * 1024, "disk"));
        _index = new RocksDbIndexStore(Path.Combine(_directory.Path, "meta"), Time);
        var users = new UserDirectory([new S3User(AccessKey, SecretKey, "fuzz-canonical-id", "fuzz"), new S3User(OtherAccessKey, "other-secret", "other-canonical-id", "other")]);
        var options = new S3Options { MinPartSize = 5 };
        Services = new S3Services(new StoreServices(_index, storage, Time, _log) { GarbageGracePeriod = TimeSpan.FromHours(1) }, users, options, _log);
        _gateway = new S3Gateway(Services);
    }

    public ManualTimeProvider Time { get; } = new(ExampleTime);

    internal S3Services Services { get; }

    /// <summary>The multipart upload the last seeding left open on <c>fuzz/mp</c>, and its part's ETag.</summary>
    public string UploadId { get; private set; } = "none";

    public string PartETag { get; private set; } = "none";

    /// <summary>Version ids of <c>versioned/v</c> (two versions and a delete marker).</summary>
    public List<string> VersionIds { get; } = [];

    /// <summary>Sends a request as it is (already signed, or not).</summary>
    internal async Task<GatewayResponse> SendAsync(WireRequest request)
    {
        var context = request.ToContext();
        await _gateway.HandleAsync(context);
        var headers = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
        return new GatewayResponse(context.Response.StatusCode, headers, ((MemoryStream)context.Response.Body).ToArray(), _log.Drain());
    }

    /// <summary>Signs (SigV4 header, every header signed, the body's SHA-256) and sends.</summary>
    internal Task<GatewayResponse> SignedAsync(string method, string rawTarget, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        body ??= [];
        var hash = ReferenceSigner.Sha256Hex(body);
        List<(string, string)> all = [("Host", "127.0.0.1:9000"), .. headers, ("x-amz-date", AmzDate), ("x-amz-content-sha256", hash)];
        var (authorization, _) = WireSigner.Sign(method, rawTarget, all, hash);
        return SendAsync(new WireRequest(method, rawTarget, [.. all, ("Authorization", authorization)], body));
    }

    /// <summary>
    /// Puts the store in its starting state again (fuzzed requests delete objects and buckets, complete and abort
    /// uploads): buckets <c>fuzz</c>, <c>versioned</c> and <c>other</c> (another user's), the seed keys, three
    /// versions of <c>versioned/v</c>, and an open multipart upload with one part.
    /// </summary>
    public async Task SeedAsync()
    {
        await Expect(SignedAsync("PUT", "/fuzz"), 200, 409);
        await Expect(SignedAsync("PUT", "/versioned"), 200, 409);
        _index.CreateBucket(new BucketInfo("other", OtherAccessKey, Time.GetUtcNow(), Region, VersioningState.Unversioned));
        await Expect(SignedAsync("PUT", "/versioned?versioning", "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"u8.ToArray()), 200);
        var random = new Random(SeedKeys.Length);
        foreach (var key in SeedKeys)
        {
            var data = new byte[key switch { "empty" => 0, "big" => 300 * 1024, _ => 100 }];
            random.NextBytes(data);
            (string, string)[] headers = key switch
            {
                "tagged" => [("x-amz-tagging", "a=b&c=d")],
                "meta" => [("x-amz-meta-name", "=?UTF-8?B?w6k=?="), ("x-amz-meta-plain", "v"), ("Content-Type", "text/plain"), ("Content-Disposition", "attachment; filename=\"a.txt\"")],
                _ => [],
            };
            await Expect(SignedAsync("PUT", "/fuzz/" + Encode(key), data, headers), 200);
        }

        for (var i = 0; i < 2; i++)
        {
            var put = await Expect(SignedAsync("PUT", "/versioned/v", [(byte)i]), 200);
            VersionIds.Add(put.Header("x-amz-version-id")!);
        }

        var marker = await Expect(SignedAsync("DELETE", "/versioned/v"), 204);
        VersionIds.Add(marker.Header("x-amz-version-id")!);

        var created = await Expect(SignedAsync("POST", "/fuzz/mp?uploads"), 200);
        UploadId = XDocument.Parse(Encoding.UTF8.GetString(created.Body)).Root!.Elements().First(e => e.Name.LocalName == "UploadId").Value;
        var part = await Expect(SignedAsync("PUT", $"/fuzz/mp?partNumber=1&uploadId={UploadId}", new byte[10]), 200);
        PartETag = part.Header("ETag")!.Trim('"');
        while (VersionIds.Count > 12)
        {
            VersionIds.RemoveAt(0);
        }
    }

    /// <summary>Every byte of a decoded key percent-encoded but slashes and unreserved characters.</summary>
    public static string Encode(string key) => ReferenceSigner.UriEncode(key, encodeSlash: false);

    public ValueTask InitializeAsync() => new(SeedAsync());

    public ValueTask DisposeAsync()
    {
        _index.Dispose();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<GatewayResponse> Expect(Task<GatewayResponse> sending, params int[] statuses)
    {
        var response = await sending;
        if (!statuses.Contains(response.Status))
        {
            throw new InvalidOperationException($"seeding got {response.Status}: {Encoding.UTF8.GetString(response.Body)}");
        }

        return response;
    }
}
