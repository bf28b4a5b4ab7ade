using System.Globalization;

namespace Tessera.Server;

/// <summary>
/// One setting of <c>tessera server</c>, declared once: its configuration-file key, flag, environment variable,
/// default, description and parser. The command line, the layering (flag &gt; environment &gt; file &gt; default),
/// validation and docs/reference/configuration.md are all made from <see cref="Settings.All"/>; DocsTests keeps the
/// reference equal to it.
/// </summary>
internal sealed class Setting
{
    /// <summary>The configuration-file key (camelCase), e.g. <c>scrubRate</c>.</summary>
    public required string Key { get; init; }

    /// <summary>The flag, e.g. <c>--scrub-rate</c>; null when the setting has none (secrets, the positional disks).</summary>
    public string? Flag { get; init; }

    /// <summary>The environment variable, e.g. <c>TESSERA_SCRUB_RATE</c>.</summary>
    public required string Env { get; init; }

    /// <summary>The reference heading's names when they say more than <c>`--flag`, `ENV`</c> (a repeatable flag, a list syntax).</summary>
    public string? Heading { get; init; }

    /// <summary>The one-line help of the flag (the default included).</summary>
    public required string Help { get; init; }

    /// <summary>The reference's paragraph (Markdown).</summary>
    public required string Description { get; init; }

    /// <summary>The flag takes no value (<c>--quiet</c>).</summary>
    public bool IsSwitch { get; init; }

    /// <summary>The flag repeats, the variable holds a comma-separated list, the file an array or object.</summary>
    public bool IsList { get; init; }

    /// <summary>A secret: the variable may also name a file that holds it (<c>TESSERA_ROOT_PASSWORD_FILE</c>).</summary>
    public bool IsSecret { get; init; }

    /// <summary>Sets the value on the options; throws <see cref="ArgumentException"/> for one it cannot take.</summary>
    public required Action<ServerOptions, IReadOnlyList<string>> Apply { get; init; }

    /// <summary>The only value of setting <paramref name="key"/>, which takes one.</summary>
    public static string Single(string key, IReadOnlyList<string> values) =>
        values.Count == 1 ? values[0] : throw new ArgumentException($"{key} takes one value, not {values.Count}.");

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static long Integer(string key, IReadOnlyList<string> values, long min, long max = long.MaxValue)
    {
        var text = Single(key, values);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new ArgumentException($"{key} must be a whole number, not '{text}'.");
        }

        return value >= min && value <= max ? value : throw new ArgumentException($"{key} must be from {min} to {max}, not {value}.");
    }

    /// <summary>true or false (also 1 and 0).</summary>
    public static bool Boolean(string key, IReadOnlyList<string> values) => Single(key, values) switch
    {
        "1" or "true" or "TRUE" or "True" => true,
        "0" or "false" or "FALSE" or "False" => false,
        var value => throw new ArgumentException($"{key} must be true or false, not '{value}'."),
    };
}
