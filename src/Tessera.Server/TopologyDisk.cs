namespace Tessera.Server;

/// <summary>A disk added at run time, as <c>topology.json</c> keeps it.</summary>
public sealed class TopologyDisk
{
    /// <summary>The disk id (<c>disk7</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The directory.</summary>
    public string Path { get; set; } = "";

    /// <summary>Zone label; null = the disk's own.</summary>
    public string? Zone { get; set; }

    /// <summary>Rack label; null = the disk's own.</summary>
    public string? Rack { get; set; }

    /// <summary>Node label; null = this machine.</summary>
    public string? Node { get; set; }

    /// <summary>Placement weight.</summary>
    public double Weight { get; set; } = 1;
}
