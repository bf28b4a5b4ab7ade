using System.Globalization;

namespace Tessera.LoadGen;

/// <summary>The figures of one run, as printed (text) and written (<c>--json</c>).</summary>
public sealed record RunResult
{
    public required string Op { get; init; }

    public required long Size { get; init; }

    public required int Concurrency { get; init; }

    /// <summary>Successful requests.</summary>
    public required long Ops { get; init; }

    public required double Seconds { get; init; }

    public required double OpsPerSecond { get; init; }

    /// <summary>Payload MiB (2^20 bytes) per second of successful requests.</summary>
    public required double MibPerSecond { get; init; }

    public required double P50Ms { get; init; }

    public required double P99Ms { get; init; }

    public required double MaxMs { get; init; }

    public required long Errors { get; init; }

    public string? FirstError { get; init; }

    public required string LoadStart { get; init; }

    public required string LoadEnd { get; init; }

    /// <summary>One line: op, size, concurrency, ops, seconds, ops/s, MiB/s, p50/p99/max latency, errors, load averages.</summary>
    public string ToText() => string.Create(
        CultureInfo.InvariantCulture,
        $"op={Op} size={FormatSize(Size)} concurrency={Concurrency} ops={Ops} seconds={Seconds:F2} ops/s={OpsPerSecond:F1} MiB/s={MibPerSecond:F2} p50={P50Ms:F2}ms p99={P99Ms:F2}ms max={MaxMs:F2}ms errors={Errors} load-start={LoadStart.Replace(' ', '/')} load-end={LoadEnd.Replace(' ', '/')}");

    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1 << 30 when bytes % (1 << 30) == 0 => $"{bytes >> 30}GiB",
        >= 1 << 20 when bytes % (1 << 20) == 0 => $"{bytes >> 20}MiB",
        >= 1 << 10 when bytes % (1 << 10) == 0 => $"{bytes >> 10}KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
