namespace Tessera.Index;

/// <summary>
/// An ordered cursor over index records in the RocksDB key layout (<see cref="IndexKeys"/>): what the listings walk.
/// <see cref="RocksDbCursor"/> is a RocksDB iterator; a sharded index presents its pages of etcd records through the
/// same seam, so the listing logic (<see cref="IndexListings"/>) is written once.
/// </summary>
/// <remarks>
/// <see cref="Key"/> and <see cref="Value"/> are valid only until the next <see cref="Seek"/> or <see cref="Next"/>: copy
/// what must outlive them. Every record a cursor shows comes from one consistent view chosen by its owner.
/// </remarks>
internal interface IIndexCursor : IDisposable
{
    /// <summary>Whether the cursor is on a record.</summary>
    bool Valid { get; }

    /// <summary>The current record's key.</summary>
    ReadOnlySpan<byte> Key { get; }

    /// <summary>The current record's value.</summary>
    ReadOnlySpan<byte> Value { get; }

    /// <summary>Moves to the first record whose key is at or after <paramref name="key"/>.</summary>
    void Seek(ReadOnlySpan<byte> key);

    /// <summary>Moves to the next record.</summary>
    void Next();
}
