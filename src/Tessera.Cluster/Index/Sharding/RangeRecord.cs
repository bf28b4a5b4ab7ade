namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// A key range as the range directory stores it, at <c>&lt;prefix&gt;index/ranges/k&lt;hex(start)&gt;</c> (JSON), so
/// ranges sort by their start in etcd.
/// </summary>
public sealed record RangeRecord
{
    /// <summary>The range's id (stays with the range's start across moves; a split gives the right half a new one).</summary>
    public required string Id { get; init; }

    /// <summary>The first coordinate of the range (bucket 00 key, UTF-8); empty for the first range.</summary>
    public required byte[] Start { get; init; }

    /// <summary>The first coordinate after the range; null for the last one.</summary>
    public byte[]? End { get; init; }

    /// <summary>The group holding the range.</summary>
    public required string Group { get; init; }

    /// <summary>A move is copying the range to <see cref="MovingTo"/>: writes wait, reads go on from <see cref="Group"/>.</summary>
    public bool Frozen { get; init; }

    /// <summary>The target group of the move in progress, or null.</summary>
    public string? MovingTo { get; init; }
}
