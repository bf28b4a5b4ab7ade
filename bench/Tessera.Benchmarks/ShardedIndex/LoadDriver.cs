using System.Diagnostics;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// Runs blocking index calls on dedicated threads (the index API is synchronous: every call blocks its thread on gRPC),
/// counting completions per second of the run. The thread pool's minimum is raised first, so the gRPC completions the
/// blocked threads wait for never queue behind its slow thread injection.
/// </summary>
internal static class LoadDriver
{
    /// <summary>Raises the thread pool's minimum for <paramref name="threads"/> blocking callers.</summary>
    public static void PrepareThreadPool(int threads)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, (threads * 2) + 16), Math.Max(io, (threads * 2) + 16));
    }

    /// <summary>Runs <paramref name="op"/> (given the thread's number) on <paramref name="threads"/> threads until <paramref name="duration"/> passed.</summary>
    public static LoadResult ForDuration(int threads, TimeSpan duration, Action<int> op)
    {
        var clock = Stopwatch.StartNew();
        return Run(threads, duration, clock, t =>
        {
            if (clock.Elapsed >= duration)
            {
                return false;
            }

            op(t);
            return true;
        });
    }

    /// <summary>Runs <paramref name="op"/> once for every index in [<paramref name="from"/>, <paramref name="to"/>) on <paramref name="threads"/> threads; a failed index is tried up to 5 times.</summary>
    public static LoadResult ForEach(int threads, long from, long to, Action<long> op)
    {
        var next = from - 1;
        var clock = Stopwatch.StartNew();
        return Run(threads, null, clock, _ =>
        {
            var i = Interlocked.Increment(ref next);
            if (i >= to)
            {
                return false;
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    op(i);
                    return true;
                }
                catch (Exception) when (attempt < 5)
                {
                    Thread.Sleep(50 * attempt);
                }
            }
        });
    }

    private static LoadResult Run(int threads, TimeSpan? duration, Stopwatch clock, Func<int, bool> step)
    {
        var perSecond = new long[(int)(duration?.TotalSeconds ?? 3600 * 4) + 2];
        long ops = 0;
        long errors = 0;
        string? firstError = null;
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var id = t;
            workers[t] = new Thread(() =>
            {
                while (true)
                {
                    try
                    {
                        if (!step(id))
                        {
                            return;
                        }

                        Interlocked.Increment(ref ops);
                        var second = (int)clock.Elapsed.TotalSeconds;
                        if (second < perSecond.Length)
                        {
                            Interlocked.Increment(ref perSecond[second]);
                        }
                    }
                    catch (Exception e)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
                    }
                }
            })
            { IsBackground = true, Name = "load-" + t };
            workers[t].Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return new LoadResult(ops, errors, seconds, perSecond[..Math.Min(perSecond.Length, (int)Math.Ceiling(seconds))], firstError);
    }
}

/// <summary>What one load run did.</summary>
/// <param name="Ops">Calls that returned.</param>
/// <param name="Errors">Calls that threw.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="PerSecond">Calls returned in each second of the run.</param>
/// <param name="FirstError">The first exception's type and message, if any.</param>
internal sealed record LoadResult(long Ops, long Errors, double Seconds, long[] PerSecond, string? FirstError)
{
    /// <summary>Calls per second over the run.</summary>
    public double Rate => Ops / Seconds;

    /// <summary>Calls per second between second <paramref name="from"/> (inclusive) and <paramref name="to"/> (exclusive) of the run.</summary>
    public double RateBetween(int from, int to)
    {
        from = Math.Clamp(from, 0, PerSecond.Length);
        to = Math.Clamp(to, from, PerSecond.Length);
        return to > from ? PerSecond[from..to].Sum() / (double)(to - from) : double.NaN;
    }
}
