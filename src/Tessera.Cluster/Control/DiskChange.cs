namespace Tessera.Cluster.Control;

/// <summary>One disk's new state in a <see cref="TopologyStore.ChangeAsync"/> commit.</summary>
/// <param name="DiskId">The disk (no '/').</param>
/// <param name="State">Its new state.</param>
/// <param name="Node">The node that holds it.</param>
public readonly record struct DiskChange(string DiskId, DiskState State, string Node);
