using System.Runtime.InteropServices;
using Tessera.Index;

namespace Tessera.Store;

/// <summary>
/// A segment's bytes as a forward-only stream over a <see cref="SegmentReader"/> (degraded reads and reconstruction
/// included), for a writer that pulls them: each read asks the reader for exactly the bytes wanted and has them written
/// straight into the caller's buffer, so the stream holds no buffer of its own beyond the reader's two stripes.
/// </summary>
internal sealed class SegmentSourceStream(SegmentReader reader, SegmentManifest segment) : Stream
{
    private long _position;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => segment.Size;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = (int)Math.Min(buffer.Length, segment.Size - _position);
        if (count <= 0)
        {
            return 0;
        }

        if (!MemoryMarshal.TryGetArray<byte>(buffer[..count], out var array))
        {
            throw new NotSupportedException("A segment source reads into array-backed buffers only.");
        }

        using var target = new MemoryStream(array.Array!, array.Offset, array.Count, writable: true);
        await reader.CopyToAsync(target, _position, count, cancellationToken).ConfigureAwait(false);
        if (target.Position != count)
        {
            throw new EndOfStreamException($"Segment {segment.Segment:N} gave {target.Position} bytes where {count} were asked.");
        }

        _position += count;
        return count;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
