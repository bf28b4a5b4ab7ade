using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>Output: text lines on stdout, and one JSON object a line in <c>TESSERA_BENCH_RESULTS</c> when set.</summary>
internal static class Report
{
    private static readonly string? ResultsPath = Environment.GetEnvironmentVariable("TESSERA_BENCH_RESULTS");

    public static void Line(string text) => Console.WriteLine(text);

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>Cores, CPU model, load.</summary>
    public static string Machine()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        return $"{Environment.ProcessorCount} cores, {model}, load {Load()}";
    }

    public static void Json(string kind, JsonObject fields)
    {
        if (ResultsPath is null)
        {
            return;
        }

        fields["kind"] = kind;
        File.AppendAllText(ResultsPath, fields.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n");
    }

    /// <summary>The <paramref name="p"/> quantile (0..1) of <paramref name="sorted"/> (ascending), nearest rank.</summary>
    public static double Quantile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
