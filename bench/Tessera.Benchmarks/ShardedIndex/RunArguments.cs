using System.Globalization;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary><c>--name value</c> pairs; every option has a default.</summary>
internal sealed class RunArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public RunArguments(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[2..];
                _values[name] = "true";
            }
            else if (name is not null)
            {
                _values[name] = arg;
                name = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}': options are --name value.");
            }
        }
    }

    public string String(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long Long(string name, long fallback) => _values.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long[] Longs(string name, long[] fallback) =>
        _values.TryGetValue(name, out var v) ? [.. v.Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture))] : fallback;
}
