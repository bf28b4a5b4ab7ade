namespace Tessera.Erasure;

/// <summary>A set of shard indices 0..255 as a 256-bit value: the key of an erasure pattern, free to build.</summary>
internal struct ShardSet : IEquatable<ShardSet>
{
    private ulong _w0;
    private ulong _w1;
    private ulong _w2;
    private ulong _w3;

    /// <summary>Adds <paramref name="index"/> to the set.</summary>
    public void Add(int index)
    {
        var bit = 1UL << (index & 63);
        switch (index >> 6)
        {
            case 0: _w0 |= bit; break;
            case 1: _w1 |= bit; break;
            case 2: _w2 |= bit; break;
            default: _w3 |= bit; break;
        }
    }

    /// <summary>Returns true when <paramref name="index"/> is in the set.</summary>
    public readonly bool Contains(int index)
    {
        var word = (index >> 6) switch
        {
            0 => _w0,
            1 => _w1,
            2 => _w2,
            _ => _w3,
        };
        return ((word >> (index & 63)) & 1) != 0;
    }

    /// <inheritdoc/>
    public readonly bool Equals(ShardSet other) =>
        _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is ShardSet other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);
}
