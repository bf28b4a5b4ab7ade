using System.Globalization;

namespace Tessera.Tests.Fuzz;

/// <summary>The largest allocation seen at one call site, and the steepest per input unit among inputs of 1,000 units or more.</summary>
internal readonly record struct Extremes(long Most, long MostLength, double Steepest, long SteepestLength)
{
    /// <summary>Inputs at least this long count towards the per-unit figure (shorter ones are all fixed cost).</summary>
    private const long LongInput = 1_000;

    public static Extremes Of(long allocated, long length) => new Extremes(0, 0, 0, 0).With(allocated, length);

    public Extremes With(long allocated, long length)
    {
        var next = allocated > Most ? this with { Most = allocated, MostLength = length } : this;
        var perUnit = (double)allocated / Math.Max(1, length);
        return length >= LongInput && perUnit > next.Steepest ? next with { Steepest = perUnit, SteepestLength = length } : next;
    }

    public string Describe(string target) => string.Create(
        CultureInfo.InvariantCulture,
        $"{target} at most {Most:N0} B (input {MostLength:N0}), steepest {Steepest:F1} B/unit (input {SteepestLength:N0})");
}
