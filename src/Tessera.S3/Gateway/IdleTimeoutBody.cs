using System.Buffers;
using System.IO.Pipelines;
using Tessera.Core.Errors;

namespace Tessera.S3.Gateway;

/// <summary>
/// A request body that fails with S3's <c>RequestTimeout</c> when no byte arrives for <see cref="S3Options.BodyIdleTimeout"/>.
/// Kestrel's minimum data rate is averaged from the start of the body, so a client that sends fast and then stalls
/// holds its connection, its buffers and the fragment files of its upload for many minutes; S3 gives up after about
/// 20 seconds of silence, and so does this. One timer per request, re-armed on every read: no allocation per read.
/// </summary>
/// <remarks>
/// It reads the request's <see cref="PipeReader"/> itself, and the timer ends a stalled read with
/// <see cref="PipeReader.CancelPendingRead"/>. A cancelled token, or Kestrel's own body stream (which throws on a
/// cancelled read without finishing it), would leave the reader mid-read, and Kestrel could then neither drain the
/// body nor close the connection gracefully; finishing the read here lets it answer and close cleanly.
/// </remarks>
internal sealed class IdleTimeoutBody : Core.IO.ReadOnlyForwardStream
{
    private readonly PipeReader _reader;
    private readonly TimeSpan _idle;
    private readonly CancellationTokenSource _timer = new();

    /// <summary>Reads the request body from <paramref name="reader"/> (taken before <c>Request.Body</c> is replaced).</summary>
    public IdleTimeoutBody(PipeReader reader, TimeSpan idle)
    {
        _reader = reader;
        _idle = idle;
        _timer.Token.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), reader);
    }

    /// <summary>Whether the body timed out (the gateway then closes the connection rather than drain it).</summary>
    public bool TimedOut { get; private set; }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TimedOut)
        {
            throw TimeoutError();
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            ReadResult result;
            _timer.CancelAfter(_idle);
            try
            {
                result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (!_timer.IsCancellationRequested)
                {
                    _timer.CancelAfter(Timeout.InfiniteTimeSpan);
                }
            }

            var data = result.Buffer;
            if (result.IsCanceled)
            {
                _reader.AdvanceTo(data.Start);
                TimedOut = true;
                throw TimeoutError();
            }

            var count = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            _reader.AdvanceTo(data.GetPosition(count));
            if (count > 0 || result.IsCompleted)
            {
                return count;
            }
        }
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Request bodies are read asynchronously.");

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
