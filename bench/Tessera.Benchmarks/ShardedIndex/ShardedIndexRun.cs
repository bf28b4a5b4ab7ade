namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// The sharded index's measurements on real etcd (docs/design/sharded-index.md, "Measured"), run by
/// <c>bench/run-sharded-index.sh</c>, which starts and stops the etcd members:
/// <c>sharded-index capacity|list|prefix [--name value ...]</c> (<see cref="CapacityRun"/>, <see cref="ListRun"/>,
/// <see cref="PrefixRun"/>).
/// </summary>
internal static class ShardedIndexRun
{
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: sharded-index capacity|list|prefix [--name value ...]");
            return 2;
        }

        var options = new RunArguments(args.Skip(1));
        return args[0] switch
        {
            "capacity" => CapacityRun.Run(options),
            "list" => ListRun.Run(options),
            "prefix" => PrefixRun.Run(options),
            _ => throw new ArgumentException($"Unknown measurement '{args[0]}': capacity, list or prefix."),
        };
    }
}
