using Tessera.Server;

namespace Tessera.Tests.Server;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tessera-config-").FullName;

    private static readonly Dictionary<string, IReadOnlyList<string>> NoFlags = [];

    /// <summary>Command-line values by setting key.</summary>
    private static Dictionary<string, IReadOnlyList<string>> Flags(params (string Key, string[] Values)[] values) =>
        values.ToDictionary(v => v.Key, v => (IReadOnlyList<string>)v.Values);

    [Fact]
    public void DefaultsApplyWhenNothingIsSet()
    {
        var options = ConfigLoader.Load(NoFlags, null, new Dictionary<string, string>());
        Assert.Equal("127.0.0.1:9000", options.Address);
        Assert.Equal("us-east-1", options.Region);
        Assert.Equal(["localhost"], options.Domains);
        Assert.Equal(256 * 1024, options.ShardSize);
    }

    [Fact]
    public void FlagsBeatEnvironmentWhichBeatsTheFile()
    {
        var file = Path.Combine(_dir, "tessera.json");
        File.WriteAllText(file, """
            {
              // comments are allowed
              "address": "10.0.0.1:1", "region": "file-region", "metaDir": "/file/meta", "ec": "6+3",
              "disks": ["/d1", {"path": "/d2", "rack": "r2", "weight": 2}],
            }
            """);
        var env = new Dictionary<string, string> { ["TESSERA_ADDRESS"] = "10.0.0.2:2", ["TESSERA_REGION"] = "env-region" };
        var options = ConfigLoader.Load(Flags(("address", ["10.0.0.3:3"])), file, env);
        Assert.Equal("10.0.0.3:3", options.Address);
        Assert.Equal("env-region", options.Region);
        Assert.Equal("/file/meta", options.MetaDir);
        Assert.Equal("6+3", options.ErasureCode);
        Assert.Equal(["/d1", "/d2"], options.Disks.Select(d => d.Path));
        Assert.Equal("r2", options.Disks[1].Rack);
        Assert.Equal(2, options.Disks[1].Weight);
    }

    [Fact]
    public void SmallObjectCopiesComeFromEveryLayerAndReachThePolicies()
    {
        Assert.True(ConfigLoader.Load(NoFlags, null, new Dictionary<string, string>()).SmallObjectCopies);

        var file = Path.Combine(_dir, "copies.json");
        File.WriteAllText(file, """{"smallObjectCopies": false}""");
        Assert.False(ConfigLoader.Load(NoFlags, file, new Dictionary<string, string>()).SmallObjectCopies);

        var env = new Dictionary<string, string> { ["TESSERA_SMALL_OBJECT_COPIES"] = "true" };
        Assert.True(ConfigLoader.Load(NoFlags, file, env).SmallObjectCopies);
        var options = ConfigLoader.Load(Flags(("smallObjectCopies", ["false"]), ("storageClasses", ["STANDARD_IA=4+1"])), file, env);
        Assert.False(options.SmallObjectCopies);

        options.Disks = [.. Enumerable.Range(1, 6).Select(i => new DiskOptions { Path = Path.Combine(_dir, $"d{i}") })];
        var layout = StoreLayout.Resolve(options);
        Assert.False(layout.Policy.CopySmallSegments);
        Assert.False(layout.ClassPolicies["STANDARD_IA"].CopySmallSegments);

        Assert.Throws<ArgumentException>(() => ConfigLoader.Load(NoFlags, null, new Dictionary<string, string> { ["TESSERA_SMALL_OBJECT_COPIES"] = "maybe" }));
    }

    [Fact]
    public void ScrubSettingsComeFromEveryLayer()
    {
        var defaults = ConfigLoader.Load(NoFlags, null, new Dictionary<string, string>());
        Assert.Equal((50L * 1024 * 1024, 86400), (defaults.ScrubRate, defaults.ScrubInterval));

        var file = Path.Combine(_dir, "scrub.json");
        File.WriteAllText(file, """{"scrubRate": 1000, "scrubInterval": 60}""");
        var fromFile = ConfigLoader.Load(NoFlags, file, new Dictionary<string, string>());
        Assert.Equal((1000L, 60), (fromFile.ScrubRate, fromFile.ScrubInterval));

        var env = new Dictionary<string, string> { ["TESSERA_SCRUB_RATE"] = "0", ["TESSERA_SCRUB_INTERVAL"] = "3600" };
        var fromEnv = ConfigLoader.Load(NoFlags, file, env);
        Assert.Equal((0L, 3600), (fromEnv.ScrubRate, fromEnv.ScrubInterval));

        var fromFlags = ConfigLoader.Load(Flags(("scrubRate", ["5000000000"]), ("scrubInterval", ["0"])), file, env);
        Assert.Equal((5_000_000_000L, 0), (fromFlags.ScrubRate, fromFlags.ScrubInterval));
    }

    [Fact]
    public void SnapshotIntervalComesFromEveryLayer()
    {
        Assert.Equal(900, ConfigLoader.Load(NoFlags, null, new Dictionary<string, string>()).SnapshotInterval);

        var file = Path.Combine(_dir, "snapshot.json");
        File.WriteAllText(file, """{"snapshotInterval": 60}""");
        Assert.Equal(60, ConfigLoader.Load(NoFlags, file, new Dictionary<string, string>()).SnapshotInterval);

        var env = new Dictionary<string, string> { ["TESSERA_SNAPSHOT_INTERVAL"] = "0" };
        Assert.Equal(0, ConfigLoader.Load(NoFlags, file, env).SnapshotInterval);
        Assert.Equal(3600, ConfigLoader.Load(Flags(("snapshotInterval", ["3600"])), file, env).SnapshotInterval);
    }

    [Fact]
    public void StorageClassPoliciesComeFromEveryLayer()
    {
        var file = Path.Combine(_dir, "classes.json");
        File.WriteAllText(file, """{"storageClasses": {"STANDARD_IA": "8+2", "GLACIER": "10+4"}}""");
        var env = new Dictionary<string, string> { ["TESSERA_STORAGE_CLASSES"] = "GLACIER=6+3, REDUCED_REDUNDANCY=4+1" };
        var options = ConfigLoader.Load(Flags(("storageClasses", ["REDUCED_REDUNDANCY=5+1"])), file, env);
        Assert.Equal("8+2", options.StorageClasses["STANDARD_IA"]);
        Assert.Equal("6+3", options.StorageClasses["GLACIER"]);
        Assert.Equal("5+1", options.StorageClasses["REDUCED_REDUNDANCY"]);

        options.Disks = [new DiskOptions { Path = Path.Combine(_dir, "d{1...14}") }];
        var layout = StoreLayout.Resolve(options);
        Assert.Equal((8, 2), (layout.ClassPolicies["STANDARD_IA"].DataShards, layout.ClassPolicies["STANDARD_IA"].ParityShards));
        Assert.Equal(layout.Policy.ShardSize, layout.ClassPolicies["GLACIER"].ShardSize);
        Assert.Throws<ArgumentException>(() => ConfigLoader.Load(Flags(("storageClasses", ["NOEQUALS"])), null, new Dictionary<string, string>()));

        // A class may name its own failure-domain level; unknown levels are refused at start.
        options.StorageClasses["STANDARD_IA"] = "8+4@node";
        layout = StoreLayout.Resolve(options);
        Assert.Equal(("node", "disk"), (layout.ClassPolicies["STANDARD_IA"].DomainLevel, layout.ClassPolicies["GLACIER"].DomainLevel));
        options.StorageClasses["STANDARD_IA"] = "8+4@shelf";
        Assert.Contains("disk, node, rack or zone", Assert.Throws<ArgumentException>(() => StoreLayout.Resolve(options)).Message, StringComparison.Ordinal);

        // --ec takes the same form; its level overrides domainLevel and is the default of classes without one.
        options.StorageClasses["STANDARD_IA"] = "8+4";
        options.ErasureCode = "6+3@rack";
        layout = StoreLayout.Resolve(options);
        Assert.Equal((6, 3, "rack"), (layout.Policy.DataShards, layout.Policy.ParityShards, layout.Policy.DomainLevel));
        Assert.Equal("rack", layout.ClassPolicies["STANDARD_IA"].DomainLevel);
        options.ErasureCode = "6+3@";
        Assert.Contains("--ec", Assert.Throws<ArgumentException>(() => StoreLayout.Resolve(options)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretsCanComeFromFiles()
    {
        var secret = Path.Combine(_dir, "secret");
        File.WriteAllText(secret, "from-a-file-secret\n");
        var options = ConfigLoader.Load(NoFlags, null, new Dictionary<string, string> { ["TESSERA_ROOT_USER"] = "root", ["TESSERA_ROOT_PASSWORD_FILE"] = secret });
        Assert.Equal("root", options.RootUser);
        Assert.Equal("from-a-file-secret", options.RootPassword);
    }

    [Fact]
    public void UnknownFileKeysAreRefused()
    {
        var file = Path.Combine(_dir, "bad.json");
        File.WriteAllText(file, """{"adress": "typo"}""");
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(NoFlags, file, new Dictionary<string, string>()));
        Assert.Contains("adress", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EllipsisExpandsLikeMinio()
    {
        Assert.Equal(["/mnt/disk1", "/mnt/disk2", "/mnt/disk3"], DiskPatterns.Expand("/mnt/disk{1...3}"));
        Assert.Equal(["/n1/d08", "/n1/d09", "/n1/d10", "/n2/d08", "/n2/d09", "/n2/d10"], DiskPatterns.Expand("/n{1...2}/d{08...10}"));
        Assert.Equal(["/plain"], DiskPatterns.Expand("/plain"));
    }

    [Fact]
    public void OneDirectoryIsTheEmbeddedDefaultAndSeveralAreDisks()
    {
        var single = StoreLayout.Resolve(new ServerOptions { Disks = [new DiskOptions { Path = Path.Combine(_dir, "data") }] });
        Assert.Equal(6, single.Disks.Count);
        Assert.Equal(Path.Combine(_dir, "data", "meta"), single.MetaDir);
        Assert.Equal((4, 2), (single.Policy.DataShards, single.Policy.ParityShards));

        var four = StoreLayout.Resolve(new ServerOptions { Disks = [new DiskOptions { Path = Path.Combine(_dir, "d{1...4}") }] });
        Assert.Equal(4, four.Disks.Count);
        Assert.Equal((3, 1), (four.Policy.DataShards, four.Policy.ParityShards));
        Assert.Equal(Path.Combine(_dir, "tessera-meta"), four.MetaDir);

        Assert.Throws<ArgumentException>(() => StoreLayout.Resolve(new ServerOptions { Disks = [new DiskOptions { Path = "/x" }], ErasureCode = "4-2" }));
        Assert.Throws<ArgumentException>(() => StoreLayout.Resolve(new ServerOptions()));
    }

    [Fact]
    public void GeneratedRootCredentialsAreKeptAndReused()
    {
        var options = new ServerOptions();
        var (first, _, generated) = Credentials.Load(options, _dir);
        Assert.True(generated);
        Assert.Equal(20, first.AccessKey.Length);
        Assert.Equal(40, first.SecretKey.Length);
        var (second, _, again) = Credentials.Load(options, _dir);
        Assert.False(again);
        Assert.Equal(first, second);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "root-credentials.json")));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
