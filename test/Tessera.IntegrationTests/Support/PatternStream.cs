namespace Tessera.IntegrationTests;

/// <summary>
/// A seekable read-only stream of <see cref="Length"/> pseudo-random bytes computed from the position, so a
/// multi-gigabyte body needs no memory in the test and can be checked byte for byte on the way back.
/// </summary>
public sealed class PatternStream(long length, ulong seed) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    /// <summary>The byte at <paramref name="position"/>: a SplitMix64 of the 8-byte word it falls in.</summary>
    public static byte At(ulong seed, long position)
    {
        var z = seed + ((ulong)(position >> 3) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (byte)(z >> (int)((position & 7) * 8));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        var i = 0;
        while (i < n && ((_position + i) & 7) != 0)
        {
            buffer[i] = At(seed, _position + i);
            i++;
        }

        // Whole words: one mix per 8 bytes, written little-endian (byte j of the word is bits 8j..8j+7).
        for (; i + 8 <= n; i += 8)
        {
            var z = seed + ((ulong)((_position + i) >> 3) * 0x9E3779B97F4A7C15UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer[i..], z);
        }

        for (; i < n; i++)
        {
            buffer[i] = At(seed, _position + i);
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
