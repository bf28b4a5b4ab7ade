namespace Tessera.Storage;

/// <summary>Failure-domain labels of a disk. Unset labels default to a value unique to the disk (its own domain).</summary>
/// <param name="Zone">Availability zone / site.</param>
/// <param name="Rack">Rack (shared power and switch).</param>
/// <param name="Node">Machine.</param>
public sealed record DiskLabels(string Zone, string Rack, string Node)
{
    /// <summary>The label of a domain level: <c>zone</c>, <c>rack</c>, <c>node</c>, or <c>disk</c> (the disk id itself).</summary>
    public string Domain(string level, string diskId) => level switch
    {
        "zone" => Zone,
        "rack" => Rack,
        "node" => Node,
        "disk" => diskId,
        _ => throw new ArgumentException($"Unknown failure-domain level '{level}' (zone, rack, node or disk).", nameof(level)),
    };
}
