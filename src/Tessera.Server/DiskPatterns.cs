using System.Globalization;
using System.Text.RegularExpressions;

namespace Tessera.Server;

/// <summary>MinIO's ellipsis notation: <c>/mnt/disk{1...6}</c> is six paths; several ranges multiply.</summary>
public static partial class DiskPatterns
{
    [GeneratedRegex(@"\{(\d+)\.\.\.(\d+)\}")]
    private static partial Regex Range();

    /// <summary>Expands every <c>{a...b}</c> range of <paramref name="pattern"/>; a path without one is returned as is.</summary>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        var match = Range().Match(pattern);
        if (!match.Success)
        {
            return [pattern];
        }

        var first = match.Groups[1].Value;
        var from = int.Parse(first, CultureInfo.InvariantCulture);
        var to = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        if (to < from)
        {
            throw new ArgumentException($"Bad range in '{pattern}': {from} > {to}.");
        }

        var width = first.StartsWith('0') ? first.Length : 0;
        var result = new List<string>();
        for (var i = from; i <= to; i++)
        {
            var number = i.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            var expanded = pattern[..match.Index] + number + pattern[(match.Index + match.Length)..];
            result.AddRange(Expand(expanded));
        }

        return result;
    }

    /// <summary>True when the argument uses the ellipsis notation.</summary>
    public static bool IsPattern(string path) => Range().IsMatch(path);
}
