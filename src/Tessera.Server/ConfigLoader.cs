using System.Globalization;
using System.Text.Json;

namespace Tessera.Server;

/// <summary>
/// Builds <see cref="ServerOptions"/> from the layers in precedence order: defaults, then the JSON configuration
/// file, then <c>TESSERA_*</c> environment variables, then command-line flags. Secrets may also come from
/// <c>*_FILE</c> variables naming a file that holds them.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Flags as parsed from the command line (null = not given).</summary>
    public sealed record Flags(
        IReadOnlyList<string> Disks,
        string? Config,
        string? Address,
        string? MetaDir,
        string? Region,
        IReadOnlyList<string>? Domains,
        string? UsersFile,
        string? ErasureCode,
        int? ShardSize,
        string? DomainLevel,
        int? GarbageGraceSeconds,
        bool Quiet,
        long? MinPartSize = null,
        IReadOnlyList<string>? StorageClasses = null,
        long? ScrubRate = null,
        int? ScrubInterval = null,
        long? RepairBandwidth = null,
        int? DiskCheckInterval = null,
        int? RepairWorkers = null,
        int? SnapshotInterval = null,
        bool? SmallObjectCopies = null,
        int? BodyIdleTimeout = null,
        int? MaxUploads = null,
        int? MaxUploadsPerConnection = null,
        int? MaxMultipartUploads = null);

    /// <summary>Merges the layers; <paramref name="environment"/> maps variable names to values.</summary>
    public static ServerOptions Load(Flags flags, IReadOnlyDictionary<string, string> environment)
    {
        var options = new ServerOptions();
        var configPath = flags.Config ?? Get(environment, "TESSERA_CONFIG");
        if (configPath is not null)
        {
            ApplyFile(options, configPath);
        }

        ApplyEnvironment(options, environment);

        if (flags.Disks.Count > 0)
        {
            options.Disks = flags.Disks.Select(p => new DiskOptions { Path = p }).ToList();
        }

        options.Address = flags.Address ?? options.Address;
        options.MetaDir = flags.MetaDir ?? options.MetaDir;
        options.Region = flags.Region ?? options.Region;
        options.Domains = flags.Domains is { Count: > 0 } d ? d.ToList() : options.Domains;
        options.UsersFile = flags.UsersFile ?? options.UsersFile;
        options.ErasureCode = flags.ErasureCode ?? options.ErasureCode;
        options.ShardSize = flags.ShardSize ?? options.ShardSize;
        options.DomainLevel = flags.DomainLevel ?? options.DomainLevel;
        options.GarbageGraceSeconds = flags.GarbageGraceSeconds ?? options.GarbageGraceSeconds;
        options.MinPartSize = flags.MinPartSize ?? options.MinPartSize;
        options.ScrubRate = flags.ScrubRate ?? options.ScrubRate;
        options.ScrubInterval = flags.ScrubInterval ?? options.ScrubInterval;
        options.RepairBandwidth = flags.RepairBandwidth ?? options.RepairBandwidth;
        options.DiskCheckInterval = flags.DiskCheckInterval ?? options.DiskCheckInterval;
        options.RepairWorkers = flags.RepairWorkers ?? options.RepairWorkers;
        options.SnapshotInterval = flags.SnapshotInterval ?? options.SnapshotInterval;
        options.SmallObjectCopies = flags.SmallObjectCopies ?? options.SmallObjectCopies;
        options.BodyIdleTimeout = flags.BodyIdleTimeout ?? options.BodyIdleTimeout;
        options.MaxUploads = flags.MaxUploads ?? options.MaxUploads;
        options.MaxUploadsPerConnection = flags.MaxUploadsPerConnection ?? options.MaxUploadsPerConnection;
        options.MaxMultipartUploads = flags.MaxMultipartUploads ?? options.MaxMultipartUploads;
        foreach (var (name, code) in ParseClasses(flags.StorageClasses ?? []))
        {
            options.StorageClasses[name] = code;
        }
        options.Quiet |= flags.Quiet;
        return options;
    }

    /// <summary>The process environment as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);

    private static void ApplyEnvironment(ServerOptions o, IReadOnlyDictionary<string, string> env)
    {
        o.Address = Get(env, "TESSERA_ADDRESS") ?? o.Address;
        if (Get(env, "TESSERA_DISKS") is { } disks)
        {
            o.Disks = disks.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Select(p => new DiskOptions { Path = p }).ToList();
        }

        o.MetaDir = Get(env, "TESSERA_META_DIR") ?? o.MetaDir;
        o.Region = Get(env, "TESSERA_REGION") ?? o.Region;
        if (Get(env, "TESSERA_DOMAINS") is { } domains)
        {
            o.Domains = domains.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        }

        o.UsersFile = Get(env, "TESSERA_USERS_FILE") ?? o.UsersFile;
        o.RootUser = Secret(env, "TESSERA_ROOT_USER") ?? o.RootUser;
        o.RootPassword = Secret(env, "TESSERA_ROOT_PASSWORD") ?? o.RootPassword;
        o.ErasureCode = Get(env, "TESSERA_EC") ?? o.ErasureCode;
        o.ShardSize = Int(env, "TESSERA_SHARD_SIZE") ?? o.ShardSize;
        o.DomainLevel = Get(env, "TESSERA_DOMAIN_LEVEL") ?? o.DomainLevel;
        o.GarbageGraceSeconds = Int(env, "TESSERA_GC_GRACE") ?? o.GarbageGraceSeconds;
        foreach (var (name, code) in ParseClasses((Get(env, "TESSERA_STORAGE_CLASSES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            o.StorageClasses[name] = code;
        }

        o.MinPartSize = Get(env, "TESSERA_MIN_PART_SIZE") is { } mps ? long.Parse(mps, CultureInfo.InvariantCulture) : o.MinPartSize;
        o.ScrubRate = Get(env, "TESSERA_SCRUB_RATE") is { } rate ? long.Parse(rate, CultureInfo.InvariantCulture) : o.ScrubRate;
        o.ScrubInterval = Int(env, "TESSERA_SCRUB_INTERVAL") ?? o.ScrubInterval;
        o.RepairBandwidth = Get(env, "TESSERA_REPAIR_BANDWIDTH") is { } repair ? long.Parse(repair, CultureInfo.InvariantCulture) : o.RepairBandwidth;
        o.DiskCheckInterval = Int(env, "TESSERA_DISK_CHECK_INTERVAL") ?? o.DiskCheckInterval;
        o.RepairWorkers = Int(env, "TESSERA_REPAIR_WORKERS") ?? o.RepairWorkers;
        o.SnapshotInterval = Int(env, "TESSERA_SNAPSHOT_INTERVAL") ?? o.SnapshotInterval;
        o.SmallObjectCopies = Bool(env, "TESSERA_SMALL_OBJECT_COPIES") ?? o.SmallObjectCopies;
        o.BodyIdleTimeout = Int(env, "TESSERA_BODY_IDLE_TIMEOUT") ?? o.BodyIdleTimeout;
        o.MaxUploads = Int(env, "TESSERA_MAX_UPLOADS") ?? o.MaxUploads;
        o.MaxUploadsPerConnection = Int(env, "TESSERA_MAX_UPLOADS_PER_CONNECTION") ?? o.MaxUploadsPerConnection;
        o.MaxMultipartUploads = Int(env, "TESSERA_MAX_MULTIPART_UPLOADS") ?? o.MaxMultipartUploads;
        o.Quiet |= Get(env, "TESSERA_QUIET") is "1" or "true";
    }

    private static void ApplyFile(ServerOptions o, string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var v = property.Value;
            switch (property.Name)
            {
                case "address": o.Address = v.GetString()!; break;
                case "metaDir": o.MetaDir = v.GetString(); break;
                case "region": o.Region = v.GetString()!; break;
                case "domains": o.Domains = v.EnumerateArray().Select(e => e.GetString()!).ToList(); break;
                case "usersFile": o.UsersFile = v.GetString(); break;
                case "rootUser": o.RootUser = v.GetString(); break;
                case "rootPassword": o.RootPassword = v.GetString(); break;
                case "ec": o.ErasureCode = v.GetString(); break;
                case "shardSize": o.ShardSize = v.GetInt32(); break;
                case "domainLevel": o.DomainLevel = v.GetString()!; break;
                case "gcGraceSeconds": o.GarbageGraceSeconds = v.GetInt32(); break;
                case "quiet": o.Quiet = v.GetBoolean(); break;
                case "minPartSize": o.MinPartSize = v.GetInt64(); break;
                case "scrubRate": o.ScrubRate = v.GetInt64(); break;
                case "scrubInterval": o.ScrubInterval = v.GetInt32(); break;
                case "repairBandwidth": o.RepairBandwidth = v.GetInt64(); break;
                case "diskCheckInterval": o.DiskCheckInterval = v.GetInt32(); break;
                case "repairWorkers": o.RepairWorkers = v.GetInt32(); break;
                case "snapshotInterval": o.SnapshotInterval = v.GetInt32(); break;
                case "smallObjectCopies": o.SmallObjectCopies = v.GetBoolean(); break;
                case "bodyIdleTimeout": o.BodyIdleTimeout = v.GetInt32(); break;
                case "maxUploads": o.MaxUploads = v.GetInt32(); break;
                case "maxUploadsPerConnection": o.MaxUploadsPerConnection = v.GetInt32(); break;
                case "maxMultipartUploads": o.MaxMultipartUploads = v.GetInt32(); break;
                case "storageClasses":
                    foreach (var entry in v.EnumerateObject())
                    {
                        o.StorageClasses[entry.Name] = entry.Value.GetString()!;
                    }

                    break;
                case "disks":
                    o.Disks = v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
                        ? new DiskOptions { Path = e.GetString()! }
                        : e.Deserialize(ConfigJson.Default.DiskOptions)!).ToList();
                    break;
                default:
                    throw new InvalidDataException($"{path}: unknown configuration key '{property.Name}'.");
            }
        }
    }

    private static IEnumerable<(string Name, string Code)> ParseClasses(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"Storage class '{entry}': expected CLASS=k+m, e.g. REDUCED_REDUNDANCY=4+1.");
            }

            yield return (entry[..eq].Trim(), entry[(eq + 1)..].Trim());
        }
    }

    private static string? Get(IReadOnlyDictionary<string, string> env, string name) =>
        env.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private static string? Secret(IReadOnlyDictionary<string, string> env, string name) =>
        Get(env, name) ?? (Get(env, name + "_FILE") is { } file ? File.ReadAllText(file).Trim() : null);

    private static int? Int(IReadOnlyDictionary<string, string> env, string name) =>
        Get(env, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    private static bool? Bool(IReadOnlyDictionary<string, string> env, string name) => Get(env, name) switch
    {
        null => null,
        "1" or "true" or "TRUE" or "True" => true,
        "0" or "false" or "FALSE" or "False" => false,
        var value => throw new ArgumentException($"{name} must be true or false, not '{value}'."),
    };
}
