namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The range directory of a sharded index: which index group holds which range of object coordinates
/// (<see cref="IndexCoordinates"/>), at which fence generation. <see cref="EtcdIndexStore"/> reads it on every call and
/// calls <see cref="Refresh"/> when a group's fence no longer matches the route it used.
/// </summary>
/// <remarks>The ranges cover every coordinate, without gaps or overlaps. Implementations are thread-safe.</remarks>
public interface IRangeDirectory
{
    /// <summary>The range holding <paramref name="coordinate"/> (<c>bucket 00 key</c>).</summary>
    RangeRoute Route(ReadOnlySpan<byte> coordinate);

    /// <summary>The ranges overlapping [<paramref name="from"/>, <paramref name="to"/>), in key order.</summary>
    IReadOnlyList<RangeRoute> Routes(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to);

    /// <summary>Every group, each once.</summary>
    IReadOnlyList<IndexGroup> Groups { get; }

    /// <summary>Re-reads the directory after a fence failure (blocking, bounded by the directory's own timeout).</summary>
    void Refresh();
}
