namespace Tessera.Cluster.Control;

/// <summary>A disk's entry in the topology map at <c>/tessera/topology/disks/&lt;diskId&gt;</c> (JSON, camelCase, the state as a lower-case string).</summary>
public sealed record DiskStateRecord
{
    /// <summary>The disk's state.</summary>
    public required DiskState State { get; init; }

    /// <summary>The node that holds the disk.</summary>
    public required string Node { get; init; }

    /// <summary>When the state was set.</summary>
    public DateTimeOffset Since { get; init; }

    /// <summary>The fencing token of the coordinator that set it.</summary>
    public long ChangedBy { get; init; }
}
