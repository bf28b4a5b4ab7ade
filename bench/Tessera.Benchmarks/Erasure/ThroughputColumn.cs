using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Tessera.Benchmarks.Erasure;

/// <summary>MB/s (10^6 bytes) of data shards processed per operation: k × ShardSize / mean time.</summary>
internal sealed class ThroughputColumn : IColumn
{
    public string Id => "MBps";

    public string ColumnName => "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Data bytes (k x shard size) per second, in 10^6 bytes";

    internal static double? MegabytesPerSecond(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        var mean = report?.ResultStatistics?.Mean;
        if (mean is null or <= 0)
        {
            return null;
        }

        var code = (string)benchmarkCase.Parameters["Code"];
        var k = int.Parse(code.Split('+')[0], CultureInfo.InvariantCulture);
        var shard = (int)benchmarkCase.Parameters["ShardSize"];
        return k * (double)shard / (mean.Value / 1e9) / 1e6;
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        MegabytesPerSecond(summary, benchmarkCase)?.ToString("N0", CultureInfo.InvariantCulture) ?? "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
