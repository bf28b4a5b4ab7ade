using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Tessera.Benchmarks.Erasure;

/// <summary>Throughput divided by ISA-L's for the same method, code and shard size, measured in the same run.</summary>
internal sealed class BaselineRatioColumn : IColumn
{
    public string Id => "VsIsaL";

    public string ColumnName => "vs ISA-L";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Throughput / ISA-L throughput (same method, code, shard size, same run)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var baseline = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == benchmarkCase.Descriptor.WorkloadMethod.Name
            && (string)c.Parameters["Impl"] == "IsaL"
            && (string)c.Parameters["Code"] == (string)benchmarkCase.Parameters["Code"]
            && (int)c.Parameters["ShardSize"] == (int)benchmarkCase.Parameters["ShardSize"]);
        if (baseline is null)
        {
            return "-";
        }

        var mine = ThroughputColumn.MegabytesPerSecond(summary, benchmarkCase);
        var theirs = ThroughputColumn.MegabytesPerSecond(summary, baseline);
        return mine is null || theirs is null ? "-" : (mine.Value / theirs.Value).ToString("0.00", CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
