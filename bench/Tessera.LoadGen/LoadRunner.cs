using System.Diagnostics;

namespace Tessera.LoadGen;

/// <summary>
/// Runs <see cref="LoadOptions.Concurrency"/> workers, each issuing one request after another, until the duration has
/// passed (no new request starts after it; those in flight finish) or <see cref="LoadOptions.Count"/> requests have
/// started. Latencies are kept per worker and merged at the end, so workers share nothing but the request counter.
/// </summary>
public sealed class LoadRunner
{
    private readonly LoadOptions _options;
    private readonly ILoadOperation _operation;
    private long _next = -1;
    private long _errors;
    private string? _firstError;

    public LoadRunner(LoadOptions options, ILoadOperation operation)
    {
        _options = options;
        _operation = operation;
    }

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        // Blocking workers (disk mode) and completions each need a thread; do not wait for the pool to grow.
        ThreadPool.GetMinThreads(out var workerThreads, out var ioThreads);
        ThreadPool.SetMinThreads(Math.Max(workerThreads, (2 * _options.Concurrency) + 2), ioThreads);

        var loadStart = LoadAverage.Read();
        var deadline = _options.Duration is { } d ? (long)(d * Stopwatch.Frequency) : long.MaxValue;
        var latencies = new List<long>[_options.Concurrency];
        var bytes = new long[_options.Concurrency];
        var started = Stopwatch.GetTimestamp();
        var workers = new Task[_options.Concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            var worker = w;
            latencies[w] = new List<long>(4096);
            workers[w] = Task.Run(() => WorkAsync(worker, started, deadline, latencies[worker], bytes, cancellationToken), cancellationToken);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var ok = all.Length - _errors;
        return new RunResult
        {
            Op = _options.Op,
            Size = _options.Size,
            Concurrency = _options.Concurrency,
            Ops = ok,
            Seconds = elapsed,
            OpsPerSecond = ok / elapsed,
            MibPerSecond = bytes.Sum() / elapsed / (1 << 20),
            P50Ms = Percentile(all, 0.50),
            P99Ms = Percentile(all, 0.99),
            MaxMs = all.Length == 0 ? 0 : Milliseconds(all[^1]),
            Errors = _errors,
            FirstError = _firstError,
            LoadStart = loadStart,
            LoadEnd = LoadAverage.Read(),
        };
    }

    private static double Percentile(long[] sorted, double q) =>
        sorted.Length == 0 ? 0 : Milliseconds(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)]);

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private async Task WorkAsync(int worker, long started, long deadline, List<long> latencies, long[] bytes, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && Stopwatch.GetTimestamp() - started < deadline)
        {
            var index = Interlocked.Increment(ref _next);
            if (index >= _options.Count)
            {
                return;
            }

            var t0 = Stopwatch.GetTimestamp();
            OpOutcome outcome;
            try
            {
                outcome = await _operation.RunAsync(worker, index, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException)
            {
                outcome = new OpOutcome(0, $"{e.GetType().Name}: {e.Message}");
            }

            latencies.Add(Stopwatch.GetTimestamp() - t0);
            if (outcome.Error is null)
            {
                bytes[worker] += outcome.Bytes;
            }
            else
            {
                Interlocked.Increment(ref _errors);
                Interlocked.CompareExchange(ref _firstError, outcome.Error, null);
            }
        }
    }
}
