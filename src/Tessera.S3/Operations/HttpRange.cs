using System.Globalization;

namespace Tessera.S3.Operations;

/// <summary>
/// A single byte range from a <c>Range</c> header, as S3 reads it: <c>bytes=a-b</c>, <c>bytes=a-</c> or
/// <c>bytes=-n</c>. Headers S3 would ignore (other units, several ranges, bad syntax) parse as "no range".
/// </summary>
internal static class HttpRange
{
    /// <summary>Outcome of resolving a header against an object size.</summary>
    public enum Kind
    {
        /// <summary>No usable range: serve the whole object.</summary>
        None,

        /// <summary>A satisfiable range.</summary>
        Range,

        /// <summary>A well-formed range that lies outside the object: 416 InvalidRange.</summary>
        Unsatisfiable,
    }

    /// <summary>Resolves <paramref name="header"/> against <paramref name="size"/> into [start, end] inclusive.</summary>
    public static Kind Resolve(string? header, long size, out long start, out long end)
    {
        start = 0;
        end = size - 1;
        if (header is null || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return Kind.None;
        }

        var spec = header.AsSpan(6).Trim();
        if (spec.Contains(','))
        {
            return Kind.None;
        }

        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return Kind.None;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            // Suffix range: the last n bytes.
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return Kind.None;
            }

            if (n == 0 || size == 0)
            {
                return Kind.Unsatisfiable;
            }

            start = Math.Max(0, size - n);
            return Kind.Range;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            return Kind.None;
        }

        if (!last.IsEmpty)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                start = 0;
                end = size - 1;
                return Kind.None;
            }

            end = Math.Min(end, size - 1);
        }

        return start >= size ? Kind.Unsatisfiable : Kind.Range;
    }
}
