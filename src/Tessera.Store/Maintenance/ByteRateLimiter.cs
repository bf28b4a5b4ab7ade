namespace Tessera.Store.Maintenance;

/// <summary>
/// A token bucket over bytes (scrub reads, repair writes): refills at the rate, holds at most one second of it, and lets a read that takes
/// more than the bucket holds go into debt, which the caller waits off. A rate of 0 (or less) means unlimited.
/// Thread-safe: concurrent callers share the bucket.
/// </summary>
internal sealed class ByteRateLimiter
{
    private readonly long _bytesPerSecond;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    /// <summary>Creates a full bucket.</summary>
    public ByteRateLimiter(long bytesPerSecond, TimeProvider time)
    {
        _bytesPerSecond = bytesPerSecond;
        _time = time;
        _tokens = bytesPerSecond;
        _last = time.GetTimestamp();
    }

    /// <summary>Takes <paramref name="bytes"/> tokens; completes once the bucket is out of debt.</summary>
    public Task AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        if (_bytesPerSecond <= 0)
        {
            return Task.CompletedTask;
        }

        double debt;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_bytesPerSecond, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _bytesPerSecond));
            _last = now;
            _tokens -= bytes;
            debt = -_tokens;
        }

        return debt <= 0
            ? Task.CompletedTask
            : Task.Delay(TimeSpan.FromSeconds(debt / _bytesPerSecond), _time, cancellationToken);
    }
}
