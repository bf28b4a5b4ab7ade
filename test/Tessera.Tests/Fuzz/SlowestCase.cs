namespace Tessera.Tests.Fuzz;

/// <summary>The longest case of a run; one over the limit fails the case (the "terminates" property, with a bound).</summary>
internal sealed class SlowestCase(TimeSpan limit)
{
    private long _longestTicks;

    public TimeSpan Longest => TimeSpan.FromTicks(Interlocked.Read(ref _longestTicks));

    public void Record(TimeSpan elapsed)
    {
        if (elapsed > limit)
        {
            throw new InvalidOperationException($"one case took {elapsed.TotalSeconds:F1} s (limit {limit.TotalSeconds} s)");
        }

        var ticks = elapsed.Ticks;
        for (var seen = Interlocked.Read(ref _longestTicks); ticks > seen; seen = Interlocked.Read(ref _longestTicks))
        {
            if (Interlocked.CompareExchange(ref _longestTicks, ticks, seen) == seen)
            {
                return;
            }
        }
    }
}
