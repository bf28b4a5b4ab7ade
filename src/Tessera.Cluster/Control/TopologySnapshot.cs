using System.Collections.Immutable;

namespace Tessera.Cluster.Control;

/// <summary>The topology map as of one etcd revision: every disk's state and the map's version.</summary>
public sealed record TopologySnapshot
{
    /// <summary>The empty map (no commit yet).</summary>
    public static TopologySnapshot Empty { get; } = new() { Disks = ImmutableDictionary<string, DiskStateRecord>.Empty.WithComparers(StringComparer.Ordinal) };

    /// <summary>The map's version: 0 before the first commit, then one more per committed <see cref="TopologyStore.ChangeAsync"/>.</summary>
    public long Version { get; init; }

    /// <summary>The etcd revision this snapshot reflects (every commit up to it is included).</summary>
    public long Revision { get; init; }

    /// <summary>Disk id → state.</summary>
    public required ImmutableDictionary<string, DiskStateRecord> Disks { get; init; }
}
