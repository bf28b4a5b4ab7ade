namespace Tessera.Server;

/// <summary>The content of <c>topology.json</c>.</summary>
public sealed class TopologyFile
{
    /// <summary>Disks added at run time.</summary>
    public List<TopologyDisk> Added { get; set; } = [];

    /// <summary>States of the disks that are not active, by id: <c>draining</c> or <c>failed</c>.</summary>
    public Dictionary<string, string> States { get; set; } = [];
}
