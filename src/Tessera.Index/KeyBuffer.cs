using System.Buffers;

namespace Tessera.Index;

/// <summary>
/// A RocksDB key under construction: a caller-provided stack buffer when the key fits (the common case), otherwise
/// an <see cref="ArrayPool{T}"/> rental returned by <see cref="Dispose"/>. Owned by one method; never stored.
/// </summary>
internal ref struct KeyBuffer
{
    /// <summary>Size of the stack buffer callers provide: fits bucket + key for all but unusually long keys.</summary>
    public const int StackSize = 256;

    private byte[]? _rented;

    /// <summary>Uses <paramref name="stack"/> when <paramref name="length"/> fits, otherwise rents.</summary>
    public KeyBuffer(Span<byte> stack, int length)
    {
        if (length <= stack.Length)
        {
            Span = stack[..length];
        }
        else
        {
            _rented = ArrayPool<byte>.Shared.Rent(length);
            Span = _rented.AsSpan(0, length);
        }
    }

    /// <summary>The key bytes (exactly the requested length).</summary>
    public Span<byte> Span { get; private set; }

    /// <summary>Returns a rented array, if any.</summary>
    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
            Span = default;
        }
    }
}
