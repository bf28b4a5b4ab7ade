using Tessera.Storage;

namespace Tessera.Server;

/// <summary>What the admin API needs from the process that hosts the store: making disks and keeping the topology.</summary>
public interface IAdminHost
{
    /// <summary>Opens a new disk directory under a fresh id and adds it, active, to the topology (persisted).</summary>
    /// <exception cref="ArgumentException">The path is already a disk, or a label or the weight is invalid.</exception>
    IDisk AddDisk(string path, string? zone, string? rack, string? node, double weight);

    /// <summary>Persists the current topology (disks added at run time and disk states).</summary>
    void SaveTopology();
}
