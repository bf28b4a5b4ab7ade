namespace Tessera.Server;

/// <summary>One disk of the configuration: a directory and its failure-domain labels.</summary>
public sealed class DiskOptions
{
    /// <summary>The directory (created if missing).</summary>
    public string Path { get; set; } = "";

    /// <summary>Zone label; default: the disk's own domain.</summary>
    public string? Zone { get; set; }

    /// <summary>Rack label; default: the disk's own domain.</summary>
    public string? Rack { get; set; }

    /// <summary>Node label; default: this machine.</summary>
    public string? Node { get; set; }

    /// <summary>Placement weight; default 1.</summary>
    public double Weight { get; set; } = 1;
}
