using System.Buffers;
using System.Runtime.InteropServices;
using Tessera.Index;

namespace Tessera.Store;

/// <summary>
/// A segment's bytes as a forward-only stream over a <see cref="SegmentReader"/> (degraded reads and reconstruction
/// included), for a writer that pulls them: each read asks the reader for exactly the bytes wanted and has them written
/// straight into the caller's buffer, so the stream holds no buffer of its own beyond the reader's two stripes.
/// </summary>
/// <remarks>
/// A reader that pulls in pieces smaller than a stripe (an HTTP client's 80 KiB chunks) would make every piece read the
/// whole blocks it falls in; given <c>buffers</c>, the stream stages one stripe at a time in a pooled buffer and serves
/// such reads from it, so each block is read once.
/// </remarks>
internal sealed class SegmentSourceStream(SegmentReader reader, SegmentManifest segment, ArrayPool<byte>? buffers = null) : Stream
{
    private readonly int _stripe = segment.DataShards * segment.ShardSize;
    private long _position;
    private byte[]? _stage;
    private long _stageStart;
    private int _stageLength;

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

        if (buffers is not null && count < _stripe)
        {
            if (_position < _stageStart || _position >= _stageStart + _stageLength)
            {
                _stage ??= buffers.Rent(_stripe);
                _stageStart = _position;
                _stageLength = (int)Math.Min(_stripe, segment.Size - _position);
                await FillAsync(_stage, 0, _stageLength, _position, cancellationToken).ConfigureAwait(false);
            }

            count = (int)Math.Min(count, _stageStart + _stageLength - _position);
            _stage.AsSpan((int)(_position - _stageStart), count).CopyTo(buffer.Span);
            _position += count;
            return count;
        }

        if (!MemoryMarshal.TryGetArray<byte>(buffer[..count], out var array))
        {
            throw new NotSupportedException("A segment source reads into array-backed buffers only.");
        }

        await FillAsync(array.Array!, array.Offset, count, _position, cancellationToken).ConfigureAwait(false);
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
    protected override void Dispose(bool disposing)
    {
        if (disposing && _stage is not null)
        {
            buffers!.Return(_stage);
            _stage = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes of the segment from <paramref name="from"/> into <paramref name="array"/>.</summary>
    private async Task FillAsync(byte[] array, int offset, int count, long from, CancellationToken cancellationToken)
    {
        using var target = new MemoryStream(array, offset, count, writable: true);
        await reader.CopyToAsync(target, from, count, cancellationToken).ConfigureAwait(false);
        if (target.Position != count)
        {
            throw new EndOfStreamException($"Segment {segment.Segment:N} gave {target.Position} bytes where {count} were asked.");
        }
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
