using System.Net;

namespace Tessera.S3.Operations;

/// <summary>Amazon S3's general-purpose bucket naming rules.</summary>
internal static class BucketNames
{
    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    /// <summary>
    /// True when <paramref name="name"/> could name an existing bucket: 1–255 characters of letters, digits, dots,
    /// hyphens and underscores (S3's legacy us-east-1 rules, a superset of <see cref="IsValid"/>). Requests that name
    /// anything else are InvalidBucketName before any lookup.
    /// </summary>
    public static bool IsAddressable(string name)
    {
        if (name.Length is 0 or > 255)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="name"/> is 3–63 characters of lower-case letters, digits, dots and hyphens, starts
    /// and ends with a letter or digit, has no two adjacent dots, is not an IPv4 address, and avoids the reserved
    /// prefixes and suffixes.
    /// </summary>
    public static bool IsValid(string name)
    {
        if (name.Length is < 3 or > 63)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-'))
            {
                return false;
            }
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            return false;
        }

        if (name.Contains("..", StringComparison.Ordinal) || name.Contains(".-", StringComparison.Ordinal) || name.Contains("-.", StringComparison.Ordinal))
        {
            return false;
        }

        if (IPAddress.TryParse(name, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && name.Count(c => c == '.') == 3)
        {
            return false;
        }

        return !ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
            && !ReservedSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));
    }
}
