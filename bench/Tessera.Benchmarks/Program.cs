using BenchmarkDotNet.Running;

namespace Tessera.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/Tessera.Benchmarks -- --filter '*'</c>; with <c>paired</c>
/// first, the alternating codec-against-ISA-L run of <see cref="Erasure.PairedErasureRun"/>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["paired", .. var rest])
        {
            return Erasure.PairedErasureRun.Run(rest);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
