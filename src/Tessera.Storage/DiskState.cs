namespace Tessera.Storage;

/// <summary>What a disk of the topology is used for.</summary>
public enum DiskState
{
    /// <summary>Read, written, and a target of placement and repair.</summary>
    Active,

    /// <summary>Read but no longer written: repair moves its fragments to active disks.</summary>
    Draining,

    /// <summary>Neither read nor written: its fragments are rebuilt elsewhere where placement allows.</summary>
    Failed,
}
