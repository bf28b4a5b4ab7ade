using System.Globalization;
using Tessera.Storage;

namespace Tessera.Server;

/// <summary>
/// Turns <see cref="ServerOptions"/> into concrete directories and an erasure policy. One data directory means
/// the embedded default: six disks <c>disk1…disk6</c> and the index in <c>meta</c> inside it. Several directories
/// (or a <c>{a...b}</c> pattern) are the disks themselves; the index then goes to <c>--meta-dir</c>, or to a
/// <c>tessera-meta</c> directory beside the first disk.
/// </summary>
public sealed record StoreLayout(IReadOnlyList<DiskOptions> Disks, string MetaDir, ErasurePolicy Policy, IReadOnlyDictionary<string, ErasurePolicy> ClassPolicies)
{
    /// <summary>Disks the embedded default creates in a single data directory.</summary>
    public const int DefaultDiskCount = 6;

    /// <summary>Resolves the layout; throws <see cref="ArgumentException"/> with a readable message when it cannot.</summary>
    public static StoreLayout Resolve(ServerOptions options)
    {
        var given = options.Disks.SelectMany(d => DiskPatterns.Expand(d.Path).Select(p => new DiskOptions
        {
            Path = p,
            Zone = d.Zone,
            Rack = d.Rack,
            Node = d.Node,
            Weight = d.Weight,
        })).ToList();
        if (given.Count == 0)
        {
            throw new ArgumentException("Name a data directory (tessera server ./data) or the disk directories (tessera server /mnt/disk{1...6}).");
        }

        List<DiskOptions> disks;
        string meta;
        if (given.Count == 1 && !DiskPatterns.IsPattern(options.Disks[0].Path))
        {
            var root = Path.GetFullPath(given[0].Path);
            disks = Enumerable.Range(1, DefaultDiskCount)
                .Select(i => new DiskOptions { Path = Path.Combine(root, "disk" + i.ToString(CultureInfo.InvariantCulture)) })
                .ToList();
            meta = options.MetaDir ?? Path.Combine(root, "meta");
        }
        else
        {
            disks = given.Select(d => new DiskOptions { Path = Path.GetFullPath(d.Path), Zone = d.Zone, Rack = d.Rack, Node = d.Node, Weight = d.Weight }).ToList();
            meta = options.MetaDir ?? Path.Combine(Path.GetDirectoryName(disks[0].Path.TrimEnd('/')) ?? ".", "tessera-meta");
        }

        if (disks.Select(d => d.Path).Distinct(StringComparer.Ordinal).Count() != disks.Count)
        {
            throw new ArgumentException("The same disk directory is named twice.");
        }

        var policy = ResolvePolicy(options, disks.Count);
        var classes = options.StorageClasses.Where(c => !c.Value.StartsWith(TierPrefix, StringComparison.Ordinal))
            .ToDictionary(c => c.Key, c => ParseClassPolicy(c.Key, c.Value, policy), StringComparer.Ordinal);
        var tiered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (storageClass, value) in options.StorageClasses.Where(c => c.Value.StartsWith(TierPrefix, StringComparison.Ordinal)))
        {
            var tier = value[TierPrefix.Length..];
            if (!options.Tiers.ContainsKey(tier))
            {
                throw new ArgumentException($"Storage class {storageClass} '{value}': no tier '{tier}' is configured (--tier {tier}=URL).");
            }

            tiered[storageClass] = tier;
        }

        return new StoreLayout(disks, Path.GetFullPath(meta), policy, classes) { TierClasses = tiered };
    }

    /// <summary>The storage classes that live in a remote tier, with the tier's name (<c>CLASS=tier:NAME</c>).</summary>
    public IReadOnlyDictionary<string, string> TierClasses { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>What a <c>storageClasses</c> value that names a tier starts with.</summary>
    private const string TierPrefix = "tier:";

    /// <summary>
    /// A storage class's policy: <c>k+m</c>, or <c>k+m@level</c> to spread over another failure-domain level than
    /// the default policy's (e.g. <c>8+4@rack</c>); the shard size is the default's.
    /// </summary>
    private static ErasurePolicy ParseClassPolicy(string storageClass, string value, ErasurePolicy defaults)
    {
        var (k, m, level) = ParseCodeAndLevel(value, $"storage class {storageClass}", defaults.DomainLevel);
        return defaults with { DataShards = k, ParityShards = m, DomainLevel = level };
    }

    /// <summary><c>k+m</c> or <c>k+m@level</c>; <paramref name="level"/> when no level is given.</summary>
    private static (int K, int M, string Level) ParseCodeAndLevel(string value, string what, string level)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var (k, m) = ParseCode(at < 0 ? value : value[..at], what);
        if (at < 0)
        {
            return (k, m, level); // The default level is checked with the topology.
        }

        level = value[(at + 1)..];
        if (level is not ("disk" or "node" or "rack" or "zone"))
        {
            throw new ArgumentException($"{what} '{value}': the level after @ must be disk, node, rack or zone.");
        }

        return (k, m, level);
    }

    private static (int K, int M) ParseCode(string code, string what)
    {
        var parts = code.Split('+');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var k) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var m) || k < 1 || m < 1)
        {
            throw new ArgumentException($"{what} '{code}': expected k+m, e.g. 4+2.");
        }

        return (k, m);
    }

    private static ErasurePolicy ResolvePolicy(ServerOptions options, int diskCount)
    {
        int k, m;
        var level = options.DomainLevel;
        if (options.ErasureCode is { } ec)
        {
            (k, m, level) = ParseCodeAndLevel(ec, "--ec", level);
        }
        else if (diskCount >= 6)
        {
            (k, m) = (4, 2);
        }
        else if (diskCount >= 2)
        {
            // Fewer disks than the default code: keep a third of them (at least one) for parity.
            m = Math.Max(1, diskCount / 3);
            k = diskCount - m;
        }
        else
        {
            throw new ArgumentException("Erasure coding needs at least two disks; give a data directory or two or more disk directories.");
        }

        if (options.ShardSize is < 4096 or > 16 * 1024 * 1024)
        {
            throw new ArgumentException("--shard-size must be between 4096 and 16777216 bytes.");
        }

        return new ErasurePolicy(k, m, options.ShardSize, level) { CopySmallSegments = options.SmallObjectCopies };
    }
}
