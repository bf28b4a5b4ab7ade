using BenchmarkDotNet.Running;

namespace Tessera.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/Tessera.Benchmarks -- --filter '*'</c>; with <c>paired</c>
/// first, the alternating codec-against-ISA-L run of <see cref="Erasure.PairedErasureRun"/>; with
/// <c>sharded-index</c> first, the index-on-etcd measurements of <see cref="ShardedIndex.ShardedIndexRun"/>; with
/// <c>lifecycle</c> first, the lifecycle worker's scan rate against PUT (<see cref="Lifecycle.LifecycleScanRun"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["paired", .. var rest])
        {
            return Erasure.PairedErasureRun.Run(rest);
        }

        if (args is ["lifecycle", .. var size])
        {
            return Lifecycle.LifecycleScanRun.Run(size);
        }

        if (args is ["sharded-index", .. var measurement])
        {
            return ShardedIndex.ShardedIndexRun.Run(measurement);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
