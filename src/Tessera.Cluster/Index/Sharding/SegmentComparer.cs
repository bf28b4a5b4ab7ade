using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>Structural equality of segments (records compare their disk lists by reference).</summary>
internal sealed class SegmentComparer : IEqualityComparer<SegmentManifest>
{
    /// <summary>The one instance.</summary>
    public static readonly SegmentComparer Instance = new();

    private static readonly string[] NoDisks = [];

    /// <inheritdoc/>
    public bool Equals(SegmentManifest? x, SegmentManifest? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x with { Disks = NoDisks } == y with { Disks = NoDisks } && x.Disks.SequenceEqual(y.Disks, StringComparer.Ordinal));

    /// <inheritdoc/>
    public int GetHashCode(SegmentManifest obj) => obj.Segment.GetHashCode();
}
