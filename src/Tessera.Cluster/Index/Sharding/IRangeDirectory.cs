namespace Tessera.Cluster.Index.Sharding;

/// <summary>The range directory as the index store sees it: which group holds a coordinate, under which fence.</summary>
public interface IRangeDirectory
{
    /// <summary>Every index group.</summary>
    IReadOnlyList<IndexGroup> Groups { get; }

    /// <summary>The range holding <paramref name="coordinate"/> (bucket 00 key).</summary>
    RangeRoute Route(ReadOnlySpan<byte> coordinate);

    /// <summary>The ranges overlapping <c>[from, to)</c>, in key order.</summary>
    IReadOnlyList<RangeRoute> Routes(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to);

    /// <summary>Reads the directory again (after a fence failure, or while a route is frozen); blocking, bounded.</summary>
    void Refresh();
}
