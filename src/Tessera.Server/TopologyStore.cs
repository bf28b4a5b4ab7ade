using System.Globalization;
using System.Text.Json;
using Tessera.Storage;

namespace Tessera.Server;

/// <summary>
/// The run-time part of the topology, kept in <c>topology.json</c> in the metadata directory: disks added while the
/// store ran (with their ids, paths, labels and weights) and every disk that is not active (draining or failed). The
/// configured disks keep coming from the configuration; this file adds to it, so a restart keeps every change.
/// Written durably (temp file, fsync, rename).
/// </summary>
public sealed class TopologyStore : IAdminHost
{
    private const string FileName = "topology.json";

    private readonly string _path;
    private readonly Lock _lock = new();
    private readonly List<TopologyDisk> _added;
    private ErasureSet? _set;

    private TopologyStore(string path, List<TopologyDisk> added, Dictionary<string, DiskState> states)
    {
        _path = path;
        _added = added;
        States = states;
    }

    /// <summary>Disks added at run time, in the order they were added.</summary>
    public IReadOnlyList<TopologyDisk> Added => _added;

    /// <summary>Disk states saved by the last run.</summary>
    public IReadOnlyDictionary<string, DiskState> States { get; }

    /// <summary>Reads <c>topology.json</c> from <paramref name="metaDir"/>; an absent file is an empty topology.</summary>
    public static TopologyStore Load(string metaDir)
    {
        var path = Path.Combine(metaDir, FileName);
        if (!File.Exists(path))
        {
            return new TopologyStore(path, [], []);
        }

        var saved = JsonSerializer.Deserialize(File.ReadAllText(path), ConfigJson.Default.TopologyFile)
            ?? throw new InvalidDataException($"{path} is empty.");
        var states = new Dictionary<string, DiskState>(StringComparer.Ordinal);
        foreach (var (id, state) in saved.States)
        {
            states[id] = Enum.TryParse<DiskState>(state, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new InvalidDataException($"{path}: disk '{id}' has an unknown state '{state}'.");
        }

        return new TopologyStore(path, saved.Added, states);
    }

    /// <summary>
    /// In a cluster: writes the disk states to the topology map in etcd (the coordinator's <see cref="ClusterCoordinator.Publish"/>);
    /// false when this node does not coordinate. Null on a single node.
    /// </summary>
    internal Func<bool>? Publish { get; set; }

    /// <summary>Binds the store to the running set (after it was built from the configured and added disks).</summary>
    public void Attach(ErasureSet set) => _set = set;

    /// <inheritdoc/>
    public IDisk AddDisk(string path, string? zone, string? rack, string? node, double weight)
    {
        var set = _set ?? throw new InvalidOperationException("The topology store is not attached.");
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("Name the directory of the new disk: path=/mnt/disk7.");
        }

        var full = Path.GetFullPath(path);
        lock (_lock)
        {
            if (set.Disks.OfType<LocalDisk>().Any(d => string.Equals(d.Root, full, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"{full} is already a disk of this store.");
            }

            var next = set.Disks.Select(d => d.Id.StartsWith("disk", StringComparison.Ordinal)
                && int.TryParse(d.Id.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
            var id = "disk" + next.ToString(CultureInfo.InvariantCulture);
            var disk = new LocalDisk(id, full, new DiskLabels(zone ?? id, rack ?? id, node ?? Environment.MachineName), weight);
            set.AddDisk(disk);
            _added.Add(new TopologyDisk { Id = id, Path = full, Zone = zone, Rack = rack, Node = node, Weight = weight });
            SaveLocked(set);
            return disk;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="NotCoordinatorException">In a cluster, this node does not coordinate it (the states were not published).</exception>
    public void SaveTopology()
    {
        var set = _set ?? throw new InvalidOperationException("The topology store is not attached.");
        if (Publish is { } publish)
        {
            // In a cluster the states live in etcd; this file keeps only disks added at run time.
            if (!publish())
            {
                throw new NotCoordinatorException("This node does not coordinate the cluster: disk states are the coordinator's to change.");
            }

            return;
        }

        lock (_lock)
        {
            SaveLocked(set);
        }
    }

    private void SaveLocked(ErasureSet set)
    {
        var file = new TopologyFile
        {
            Added = _added,
            States = set.States.ToDictionary(s => s.Key, s => s.Value.ToString().ToLowerInvariant(), StringComparer.Ordinal),
        };
        var temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, file, ConfigJson.Default.TopologyFile);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }
}
