using RocksDbSharp;

namespace Tessera.Index;

/// <summary>An <see cref="IIndexCursor"/> over a RocksDB iterator (which it owns and disposes).</summary>
/// <param name="iterator">The iterator: a consistent snapshot of the database.</param>
internal sealed class RocksDbCursor(Iterator iterator) : IIndexCursor
{
    /// <inheritdoc/>
    public bool Valid => iterator.Valid();

    /// <inheritdoc/>
    public ReadOnlySpan<byte> Key => iterator.GetKeySpan();

    /// <inheritdoc/>
    public ReadOnlySpan<byte> Value => iterator.GetValueSpan();

    /// <inheritdoc/>
    public void Seek(ReadOnlySpan<byte> key) => iterator.Seek(key);

    /// <inheritdoc/>
    public void Next() => iterator.Next();

    /// <inheritdoc/>
    public void Dispose() => iterator.Dispose();
}
