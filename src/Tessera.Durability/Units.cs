using System.Globalization;

namespace Tessera.Durability;

/// <summary>Parses the human units of the <c>tessera durability</c> command: sizes, bandwidths, durations, codes.</summary>
public static class Units
{
    private static readonly (string Suffix, double Factor)[] SizeSuffixes =
    [
        ("KIB", 1024.0), ("MIB", 1024.0 * 1024), ("GIB", 1024.0 * 1024 * 1024), ("TIB", 1024.0 * 1024 * 1024 * 1024), ("PIB", 1024.0 * 1024 * 1024 * 1024 * 1024),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("PB", 1e15),
        ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("B", 1),
    ];

    private static readonly (string Suffix, double Hours)[] DurationSuffixes =
    [
        ("MS", 1.0 / 3_600_000), ("MIN", 1.0 / 60), ("S", 1.0 / 3600), ("M", 1.0 / 60), ("H", 1), ("D", 24), ("W", 168), ("Y", DurabilityInputs.HoursPerYear),
    ];

    /// <summary>A size in bytes: "20TB" (10^12), "18TiB" (2^40), "512GB", "4MiB", or a plain number of bytes.</summary>
    public static double ParseSize(string text)
    {
        var s = text.Trim().ToUpperInvariant();
        foreach (var (suffix, factor) in SizeSuffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                return Number(s[..^suffix.Length], text) * factor;
            }
        }

        return Number(s, text);
    }

    /// <summary>A bandwidth in bytes per second: "100MB/s", "1GiB/s", "100MBps", or a size (per second).</summary>
    public static double ParseBandwidth(string text)
    {
        var s = text.Trim();
        foreach (var suffix in (string[])["/s", "ps"])
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return ParseSize(s[..^suffix.Length]);
            }
        }

        return ParseSize(s);
    }

    /// <summary>A duration: "90s", "30m" or "30min", "1h", "6.5d", "2w", "1y" (8766 h), or a sum such as "1h30m".</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var s = text.Trim().ToUpperInvariant();
        if (s.Length == 0)
        {
            throw new FormatException($"'{text}' is not a duration.");
        }

        var hours = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            if (start == unitStart || unitStart == i)
            {
                throw new FormatException($"'{text}' is not a duration (use s, m, h, d, w, y).");
            }

            var unit = s[unitStart..i];
            var match = Array.FindIndex(DurationSuffixes, u => u.Suffix == unit);
            if (match < 0)
            {
                throw new FormatException($"'{text}': unknown time unit '{unit}'.");
            }

            hours += Number(s[start..unitStart], text) * DurationSuffixes[match].Hours;
        }

        return TimeSpan.FromHours(hours);
    }

    /// <summary>An erasure code "k+m", e.g. "8+4".</summary>
    public static (int DataShards, int ParityShards) ParseCode(string text)
    {
        var parts = text.Split('+');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || k < 1)
        {
            throw new FormatException($"'{text}' is not an erasure code k+m.");
        }

        return (k, m);
    }

    /// <summary>Formats bytes with a decimal unit.</summary>
    public static string FormatSize(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
        var u = 0;
        while (bytes >= 1000 && u < units.Length - 1)
        {
            bytes /= 1000;
            u++;
        }

        return bytes.ToString(bytes >= 100 || u == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + units[u];
    }

    /// <summary>Formats a duration in hours as the largest fitting unit (hours, days, years).</summary>
    public static string FormatHours(double hours) => hours switch
    {
        < 1 => (hours * 60).ToString("0.#", CultureInfo.InvariantCulture) + " min",
        < 48 => hours.ToString("0.##", CultureInfo.InvariantCulture) + " h",
        < DurabilityInputs.HoursPerYear => (hours / 24).ToString("0.##", CultureInfo.InvariantCulture) + " d",
        _ => (hours / DurabilityInputs.HoursPerYear).ToString("0.###e+0", CultureInfo.InvariantCulture) + " years",
    };

    private static double Number(string s, string original)
    {
        if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || !double.IsFinite(value))
        {
            throw new FormatException($"'{original}' is not a size.");
        }

        return value;
    }
}
