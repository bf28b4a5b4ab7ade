using System.Buffers;
using System.Text;

namespace Tessera.S3.Auth;

/// <summary>
/// A growable byte buffer for building canonical requests and strings to sign. It starts on caller-provided memory
/// (usually <c>stackalloc</c>) and moves to an <see cref="ArrayPool{T}"/> array only when it outgrows it. The owner
/// must call <see cref="Dispose"/> (in a <c>finally</c>, not a <c>using</c>: the builder is a mutable ref struct).
/// </summary>
internal ref struct ByteBuilder
{
    private byte[]? _rented;
    private Span<byte> _buffer;
    private int _length;

    /// <summary>Starts on <paramref name="initial"/>.</summary>
    public ByteBuilder(Span<byte> initial)
    {
        _buffer = initial;
        _length = 0;
        _rented = null;
    }

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Appends one byte.</summary>
    public void Append(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    /// <summary>Appends bytes.</summary>
    public void Append(scoped ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        _length += value.Length;
    }

    /// <summary>Appends text as UTF-8.</summary>
    public void AppendUtf8(scoped ReadOnlySpan<char> value)
    {
        var span = GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        _length += Encoding.UTF8.GetBytes(value, span);
    }

    /// <summary>Returns at least <paramref name="sizeHint"/> writable bytes; commit them with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        if (_buffer.Length - _length < sizeHint)
        {
            Grow(sizeHint);
        }

        return _buffer[_length..];
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span from <see cref="GetSpan"/>.</summary>
    public void Advance(int count) => _length += count;

    /// <summary>Empties the builder, keeping its buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Zeroes the bytes written so far (secrets) and empties the builder.</summary>
    public void ZeroWritten()
    {
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buffer[.._length]);
        _length = 0;
    }

    /// <summary>Returns the rented array, if any.</summary>
    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, checked(_length + needed)));
        _buffer[.._length].CopyTo(next);
        _buffer[.._length].Clear(); // the old buffer may hold a secret (signing key derivation)
        if (_rented is { } old)
        {
            ArrayPool<byte>.Shared.Return(old);
        }

        _rented = next;
        _buffer = next;
    }
}
