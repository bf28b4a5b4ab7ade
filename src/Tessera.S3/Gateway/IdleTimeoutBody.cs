using Tessera.Core.Errors;

namespace Tessera.S3.Gateway;

/// <summary>
/// A request body that fails with S3's <c>RequestTimeout</c> when no byte arrives for <see cref="S3Options.BodyIdleTimeout"/>.
/// Kestrel's minimum data rate is averaged from the start of the body, so a client that sends fast and then stalls
/// holds its connection, its buffers and the fragment files of its upload for many minutes; S3 gives up after about
/// 20 seconds of silence, and so does this. One timer per request (a linked token source re-armed on every read):
/// no allocation per read.
/// </summary>
internal sealed class IdleTimeoutBody : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _idle;
    private readonly CancellationToken _aborted;
    private readonly CancellationTokenSource _timer;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="aborted"/> is the request's own abort token.</summary>
    public IdleTimeoutBody(Stream inner, TimeSpan idle, CancellationToken aborted)
    {
        _inner = inner;
        _idle = idle;
        _aborted = aborted;
        _timer = CancellationTokenSource.CreateLinkedTokenSource(aborted);
    }

    /// <summary>Whether the body timed out (the gateway then closes the connection rather than drain it).</summary>
    public bool TimedOut { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TimedOut)
        {
            throw TimeoutError();
        }

        // The caller's token is almost always the request's own (which the timer is linked to); another one is linked per read.
        using var other = cancellationToken.CanBeCanceled && cancellationToken != _aborted
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token)
            : null;
        _timer.CancelAfter(_idle);
        try
        {
            return await _inner.ReadAsync(buffer, other?.Token ?? _timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_timer.IsCancellationRequested && !_aborted.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            TimedOut = true;
            throw TimeoutError();
        }
        finally
        {
            if (!_timer.IsCancellationRequested)
            {
                _timer.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
        }

        base.Dispose(disposing);
    }

    private static S3Exception TimeoutError() => new(S3Errors.RequestTimeout);
}
