using System.Diagnostics;
using System.Globalization;

namespace Tessera.Benchmarks.Erasure;

/// <summary>
/// The codec against ISA-L measured in alternation: for each configuration, round after round, one timed batch of
/// Tessera's path and then one of ISA-L, each on its own <see cref="ErasureBenchmarks"/> instance (same tables and
/// calls as the BenchmarkDotNet run) over the same shard buffers, so that where the pages landed in the caches
/// cannot favour one side (separate buffers made RS(8,4) at 1 MiB swing from 0.64 to 1.13); the best batch of each
/// is kept. BenchmarkDotNet measures one case
/// after another, each in its own process, so on a shared VM whose speed drifts over minutes its ratios carry that
/// drift; here both sides of a ratio see the same seconds of the machine.
/// Each path is set against ISA-L's kernel of the same vector width (<see cref="IsaL.SameWidthAs"/>: Shuffle128
/// against SSE, Scalar against ISA-L's C code); TESSERA_BENCH_BASELINE=IsaL (or another variant) overrides it.
/// Usage: <c>bench/run-erasure.sh --paired [PATH [CODES [SHARD_SIZES]]]</c>, e.g. <c>--paired Shuffle256 8+4 1048576</c>.
/// </summary>
internal static class PairedErasureRun
{
    private const int Rounds = 11;

    /// <summary>Runs the comparison and prints one table row per configuration and operation.</summary>
    public static int Run(string[] args)
    {
        if (!IsaL.IsAvailable())
        {
            Console.Error.WriteLine("ISA-L (libisal.so.2) is not installed: bench/run-erasure.sh installs it.");
            return 1;
        }

        var path = args.Length > 0 ? args[0] : Tessera.Erasure.CodecPaths.Best.ToString();
        var codes = args.Length > 1 ? args[1].Split(',') : [.. ErasureBenchmarks.Codes];
        var sizes = args.Length > 2 ? args[2].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [64 * 1024, 1024 * 1024];
        var baseline = Environment.GetEnvironmentVariable("TESSERA_BENCH_BASELINE") is { Length: > 0 } b ? b : IsaL.SameWidthAs(path);
        Console.WriteLine($"paired run: {path} against {baseline}, best of {Rounds} alternating batches; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"| operation | code | shard | Tessera MB/s | {baseline} MB/s | ratio |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var code in codes)
        {
            foreach (var size in sizes)
            {
                var ours = new ErasureBenchmarks { Code = code, ShardSize = size, Impl = path };
                var isal = new ErasureBenchmarks { Code = code, ShardSize = size, Impl = baseline };
                ours.Setup();
                isal.Shards = ours.Shards;
                isal.Setup();
                try
                {
                    var k = int.Parse(code.Split('+')[0], CultureInfo.InvariantCulture);
                    var bytes = (double)k * size;
                    Row("encode", code, size, bytes, ours.Encode, isal.Encode);
                    Row("reconstruct", code, size, bytes, ours.Reconstruct, isal.Reconstruct);
                }
                finally
                {
                    isal.Cleanup();
                    ours.Cleanup();
                }
            }
        }

        return 0;
    }

    private static void Row(string operation, string code, int size, double bytes, Action ours, Action isal)
    {
        // About 50 ms a batch at 20 GB/s; at least 4 calls.
        var calls = (int)Math.Max(4, 1e9 / bytes);
        ours();
        isal();
        double bestOurs = double.MaxValue, bestIsal = double.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            bestOurs = Math.Min(bestOurs, Time(ours, calls));
            bestIsal = Math.Min(bestIsal, Time(isal, calls));
        }

        double oursMb = bytes / bestOurs / 1e6, isalMb = bytes / bestIsal / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {operation} | RS({code.Replace('+', ',')}) | {(size >= 1 << 20 ? $"{size >> 20} MiB" : $"{size >> 10} KiB")} | {oursMb:N0} | {isalMb:N0} | {oursMb / isalMb:F2} |"));
    }

    /// <summary>Seconds per call over one batch.</summary>
    private static double Time(Action action, int calls)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }
}
