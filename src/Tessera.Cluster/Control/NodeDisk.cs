namespace Tessera.Cluster.Control;

/// <summary>One disk a node serves, as listed in its <see cref="NodeRecord"/>.</summary>
public sealed record NodeDisk
{
    /// <summary>The disk's id, unique across the cluster (e.g. <c>n1-disk1</c>; no '/').</summary>
    public required string DiskId { get; init; }

    /// <summary>The disk's zone; empty means the node's.</summary>
    public string Zone { get; init; } = "";

    /// <summary>The disk's rack; empty means the node's.</summary>
    public string Rack { get; init; } = "";

    /// <summary>The disk's capacity in bytes.</summary>
    public long CapacityBytes { get; init; }

    /// <summary>The disk's placement weight relative to other disks; default 1.</summary>
    public double Weight { get; init; } = 1;
}
