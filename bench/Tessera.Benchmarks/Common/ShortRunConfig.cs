using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using Perfolizer.Horology;

namespace Tessera.Benchmarks.Common;

/// <summary>
/// The short job the hot-path benchmarks share (as the erasure benchmarks: 3 warmups, 8 iterations of 200 ms, one
/// launch), with allocations, operations per second and, when bytes per operation are given, MB/s.
/// </summary>
public class ShortRunConfig : ManualConfig
{
    public ShortRunConfig(long bytesPerOperation = 0)
    {
        AddJob(Job.Default
            .WithWarmupCount(3)
            .WithIterationCount(8)
            .WithIterationTime(TimeInterval.FromMilliseconds(200))
            .WithLaunchCount(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
        if (bytesPerOperation > 0)
        {
            AddColumn(new MegabytesPerSecondColumn(bytesPerOperation));
        }

        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
    }
}
