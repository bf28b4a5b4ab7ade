using System.Diagnostics;

namespace Tessera.Tests.Cluster;

/// <summary>Bounded waits that say what they waited for, and a line of test output.</summary>
internal static class Within
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<T> Seconds<T>(double seconds, Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(TimeSpan.FromSeconds(seconds), Ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {seconds} s for {what}.");
        }
    }

    public static async Task Seconds(double seconds, Task task, string what)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(seconds), Ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {seconds} s for {what}.");
        }
    }

    public static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {line}");

    public static string Ms(Stopwatch watch) => $"{watch.Elapsed.TotalMilliseconds:F0} ms";
}
