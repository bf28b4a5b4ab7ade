using System.Buffers;
using Tessera.Index;
using Tessera.Server;
using Tessera.Tiering;

namespace Tessera.Tests.Tiering;

/// <summary>How a remote tier is configured and how a tiered segment is recorded.</summary>
public sealed class TieringSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tessera-tiercfg-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void ATierUrlNamesEndpointBucketPrefixCredentialsAndRegion()
    {
        var tier = TierOptions.Parse("COLD", "https://AKID:se%2Fcret%40x@tier.example:9443/archive/site-a/2026?region=eu-west-1");
        Assert.Equal(new Uri("https://tier.example:9443/"), tier.Endpoint);
        Assert.Equal(("archive", "site-a/2026/", "AKID", "se/cret@x", "eu-west-1"), (tier.Bucket, tier.Prefix, tier.AccessKey, tier.SecretKey, tier.Region));
        Assert.DoesNotContain("se/cret", tier.ToString(), StringComparison.Ordinal);

        var plain = TierOptions.Parse("warm-1", "http://k:s@127.0.0.1:9100/b");
        Assert.Equal(("b", "", "us-east-1"), (plain.Bucket, plain.Prefix, plain.Region));
        Assert.Equal(new Uri("http://127.0.0.1:9100/"), plain.Endpoint);

        foreach (var (name, url) in new[]
        {
            ("COLD", "ftp://k:s@h/b"), ("COLD", "http://h:1/b"), ("COLD", "http://k@h:1/b"), ("COLD", "http://k:s@h:1/"),
            ("COLD", "http://k:s@h:1/b?tls=no"), ("CO LD", "http://k:s@h:1/b"), ("", "http://k:s@h:1/b"), ("COLD", "not a url"),
        })
        {
            Assert.ThrowsAny<ArgumentException>(() => TierOptions.Parse(name, url));
        }
    }

    [Fact]
    public void TiersAndTheClassesInThemComeFromEveryLayerAndMustAgree()
    {
        var file = Path.Combine(_dir, "tiers.json");
        Directory.CreateDirectory(_dir);
        File.WriteAllText(file, """{"tiers": {"COLD": "http://a:b@127.0.0.1:9100/tier/"}, "storageClasses": {"GLACIER_IR": "tier:COLD", "STANDARD_IA": "8+4"}}""");
        var env = new Dictionary<string, string> { ["TESSERA_TIERS"] = "WARM=http://c:d@127.0.0.1:9200/warm/p/" };
        var options = ConfigLoader.Load(new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal), file, env);
        Assert.Equal(["COLD", "WARM"], options.Tiers.Keys.Order(StringComparer.Ordinal));

        options.Disks = [new DiskOptions { Path = Path.Combine(_dir, "d{1...12}") }];
        var layout = StoreLayout.Resolve(options);
        Assert.Equal("COLD", layout.TierClasses["GLACIER_IR"]);
        Assert.False(layout.ClassPolicies.ContainsKey("GLACIER_IR")); // its local writes use the default policy
        Assert.Equal(8, layout.ClassPolicies["STANDARD_IA"].DataShards);

        options.StorageClasses["DEEP_ARCHIVE"] = "tier:NOWHERE";
        Assert.Contains("no tier 'NOWHERE'", Assert.Throws<ArgumentException>(() => StoreLayout.Resolve(options)).Message, StringComparison.Ordinal);
        var bad = new Dictionary<string, string> { ["TESSERA_TIERS"] = "COLD=http://127.0.0.1:9100/tier/" };
        Assert.Contains("credentials", Assert.ThrowsAny<ArgumentException>(() => ConfigLoader.Load(new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal), null, bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATieredSegmentIsRecordedInTheSegmentEncodingEveryIndexStoreShares()
    {
        var tiered = SegmentManifest.Tiered(3, Guid.NewGuid(), 5_000_000, "0123456789abcdef0123456789abcdef", "COLD");
        var local = new SegmentManifest { PartNumber = 1, Segment = Guid.NewGuid(), Size = 10, DataShards = 4, ParityShards = 2, ShardSize = 4096, Disks = ["a", "b", "c", "d", "e", "f"] };
        var empty = new SegmentManifest { Segment = Guid.NewGuid(), DataShards = 4, ParityShards = 2, Disks = ["", "", "", "", "", ""] };
        Assert.Equal((true, "COLD"), (tiered.IsTiered, tiered.Tier));
        Assert.Equal((false, null), (local.IsTiered, local.Tier));
        Assert.False(empty.IsTiered);

        var manifest = new ObjectManifest { Key = "k", VersionId = "v", Size = tiered.Size + 10, Segments = [local, tiered] };
        var back = ManifestSerializer.ReadObjectManifest(ManifestSerializer.ToArray(manifest));
        Assert.Equal((false, true), (back.Segments[0].IsTiered, back.Segments[1].IsTiered));
        Assert.Equal(("COLD", tiered.Segment, tiered.Size, tiered.ETag, 3), (back.Segments[1].Tier, back.Segments[1].Segment, back.Segments[1].Size, back.Segments[1].ETag, back.Segments[1].PartNumber));

        var buffer = new ArrayBufferWriter<byte>();
        ManifestSerializer.Write(buffer, new GarbageEntry(DateTimeOffset.UnixEpoch, 7, tiered));
        Assert.Equal("COLD", ManifestSerializer.ReadGarbageEntry(buffer.WrittenSpan).Segment.Tier);

        // The wire form between nodes (JSON) carries it too, without the derived properties.
        var json = System.Text.Json.JsonSerializer.Serialize(tiered);
        Assert.DoesNotContain("IsTiered", json, StringComparison.Ordinal);
        Assert.Equal("COLD", System.Text.Json.JsonSerializer.Deserialize<SegmentManifest>(json)!.Tier);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
