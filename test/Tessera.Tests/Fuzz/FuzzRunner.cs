using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Runs one fuzz target for a bounded time: a few seconds in the normal suite, or <see cref="SecondsVariable"/>
/// seconds each when that variable is set (the long run). Counts the executions, reports them with the time taken,
/// and turns a case that never returns into a failure naming the input, instead of a suite that hangs.
/// </summary>
internal static class FuzzRunner
{
    /// <summary>The environment variable that sets every target's run time, in seconds (the long variant).</summary>
    public const string SecondsVariable = "TESSERA_FUZZ_SECONDS";

    /// <summary>
    /// How long past its budget a target may take before it counts as hung: CsCheck only checks the clock between
    /// cases, and shrinking a failure takes its own time.
    /// </summary>
    private static readonly TimeSpan HangAllowance = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The longest one case may take. Every case is small (bodies of a few MB at most); a parser that takes seconds
    /// over one is quadratic somewhere, which is a denial of service even when it ends.
    /// </summary>
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(10);

    private static readonly Lock ReportLock = new();

    /// <summary>Whether this is the long run.</summary>
    public static bool IsLongRun => LongRunSeconds() is not null;

    /// <summary>The seconds a target runs: <paramref name="normal"/>, or the long run's.</summary>
    public static int Seconds(int normal) => LongRunSeconds() ?? normal;

    /// <summary>Runs <paramref name="check"/> on inputs from <paramref name="gen"/> for about <paramref name="seconds"/> seconds.</summary>
    /// <param name="target">The target's name in the report.</param>
    /// <param name="gen">The inputs.</param>
    /// <param name="check">The property: throws on failure, else names the outcome (counted in the report).</param>
    /// <param name="seconds">The normal run's budget.</param>
    /// <param name="print">How to show a failing input.</param>
    /// <param name="allocations">The <see cref="AllocationBudget"/> call sites whose largest allocations to report.</param>
    public static void Run<T>(string target, Gen<T> gen, Func<T, string> check, int seconds, Func<T, string>? print = null, string[]? allocations = null)
    {
        var budget = Seconds(seconds);
        long executions = 0;
        var outcomes = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var slowest = new SlowestCase(CaseLimit);
        object? current = null;
        var watch = Stopwatch.StartNew();

        // One thread: the targets measure allocations on their own thread, and the rest of the suite keeps a core.
        var run = Task.Factory.StartNew(
            () => gen.Sample(
                input =>
                {
                    Volatile.Write(ref current, input);
                    var started = Stopwatch.GetTimestamp();
                    var outcome = check(input);
                    slowest.Record(Stopwatch.GetElapsedTime(started));
                    outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
                    Interlocked.Increment(ref executions);
                },
                time: budget,
                threads: 1,
                print: print),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        if (!((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(budget) + HangAllowance))
        {
            var input = Volatile.Read(ref current);
            Assert.Fail($"{target}: a case did not return within {budget}s + {HangAllowance.TotalSeconds}s (a hang). Input: {(input is T t && print is not null ? print(t) : input)}");
        }

        run.GetAwaiter().GetResult();
        Report(target, Interlocked.Read(ref executions), watch.Elapsed, outcomes, slowest.Longest);
        if (allocations is not null)
        {
            Report("allocations", AllocationBudget.Describe(allocations));
        }
    }

    /// <summary>The asynchronous twin of <see cref="Run{T}"/>, for targets that await (the gateway).</summary>
    public static async Task RunAsync<T>(string target, Gen<T> gen, Func<T, Task<string>> check, int seconds, Func<T, string>? print = null)
    {
        var budget = Seconds(seconds);
        long executions = 0;
        var outcomes = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var slowest = new SlowestCase(CaseLimit);
        object? current = null;
        var watch = Stopwatch.StartNew();
        var run = Task.Run(() => gen.SampleAsync(
            async input =>
            {
                Volatile.Write(ref current, input);
                var started = Stopwatch.GetTimestamp();
                var outcome = await check(input);
                slowest.Record(Stopwatch.GetElapsedTime(started));
                outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
                Interlocked.Increment(ref executions);
            },
            time: budget,
            threads: 1,
            print: print));
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(budget) + HangAllowance, TestContext.Current.CancellationToken));
        if (finished != run)
        {
            var input = Volatile.Read(ref current);
            Assert.Fail($"{target}: a case did not return within {budget}s + {HangAllowance.TotalSeconds}s (a hang). Input: {(input is T t && print is not null ? print(t) : input)}");
        }

        await run;
        Report(target, Interlocked.Read(ref executions), watch.Elapsed, outcomes, slowest.Longest);
    }

    /// <summary>Writes a line to the test's output (shown with <c>--output Detailed</c>, or on failure).</summary>
    public static void WriteLine(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>Writes one more line of figures about a target (to the output and the report file).</summary>
    public static void Report(string target, string figures)
    {
        var line = $"  {target}: {figures}";
        WriteLine(line);
        Append(line);
    }

    private static void Report(string target, long executions, TimeSpan elapsed, ConcurrentDictionary<string, long> outcomes, TimeSpan slowest)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"fuzz {target}: {executions} executions in {elapsed.TotalSeconds:F1} s ({executions / Math.Max(elapsed.TotalSeconds, 0.001):F0}/s), slowest case {slowest.TotalMilliseconds:F0} ms");
        WriteLine(line);
        var top = outcomes.OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).Take(60);
        var breakdown = "  outcomes: " + string.Join(", ", top.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value}")));
        WriteLine(breakdown);
        Append(line + Environment.NewLine + breakdown);
    }

    /// <summary>The figures also go to a file when asked (TESSERA_FUZZ_REPORT), so a whole run can be summed up without a test logger.</summary>
    private static void Append(string line)
    {
        if (Environment.GetEnvironmentVariable("TESSERA_FUZZ_REPORT") is { Length: > 0 } path)
        {
            lock (ReportLock)
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }
    }

    private static int? LongRunSeconds() =>
        int.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : null;
}
