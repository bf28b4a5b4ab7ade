using System.Globalization;
using System.Text;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Signs requests as they go on the wire, whatever their raw target holds. <see cref="ReferenceSigner"/> signs decoded
/// parts, which cannot express a raw path such as <c>/b/%FF</c> (not UTF-8); SigV4 canonicalises bytes, so this
/// decodes the raw target to bytes (<c>%XX</c> escapes, other characters as UTF-8) and URI-encodes those, then has
/// <see cref="ReferenceSigner"/> do the hashing and HMACs. Literal slashes stay in the path; an escaped <c>%2F</c>
/// stays escaped; in the query a literal <c>+</c> is a space, as ASP.NET reads it.
/// </summary>
internal static class WireSigner
{
    /// <summary>The credential scope of every signature here.</summary>
    public static string Credential => $"{AccessKey}/{ReferenceSigner.Scope(AmzDate, Region)}";

    /// <summary>The canonical URI of a raw path.</summary>
    public static string CanonicalUri(string rawPath)
    {
        var encoded = Encode(Decode(rawPath, plusIsSpace: false), keepSlash: true);
        return rawPath.StartsWith('/') ? encoded : "/" + encoded;
    }

    /// <summary>The canonical query of a raw query (without '?'), leaving out parameters named <paramref name="exclude"/>.</summary>
    public static string CanonicalQuery(string rawQuery, string? exclude = null) =>
        string.Join('&', rawQuery.Split('&')
            .Where(segment => segment.Length > 0)
            .Select(segment =>
            {
                var equals = segment.IndexOf('=', StringComparison.Ordinal);
                return (Name: Encode(Decode(equals < 0 ? segment : segment[..equals], true), false), Value: Encode(Decode(equals < 0 ? "" : segment[(equals + 1)..], true), false));
            })
            .Where(p => p.Name != exclude)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));

    /// <summary>The canonical request of a raw request whose headers are all signed.</summary>
    public static string CanonicalRequest(string method, string rawTarget, IReadOnlyList<(string Name, string Value)> signed, string payloadHash, string? excludeFromQuery = null)
    {
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? rawTarget : rawTarget[..question];
        var rawQuery = question < 0 ? "" : rawTarget[(question + 1)..];
        var groups = signed.GroupBy(h => h.Name.ToLowerInvariant()).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        return string.Join(
            '\n',
            method,
            CanonicalUri(rawPath),
            CanonicalQuery(rawQuery, excludeFromQuery),
            string.Concat(groups.Select(g => g.Key + ":" + string.Join(',', g.Select(h => Collapse(h.Value))) + "\n")),
            string.Join(';', groups.Select(g => g.Key)),
            payloadHash);
    }

    /// <summary>The Authorization header value and the signature for a request that signs every one of <paramref name="headers"/>.</summary>
    public static (string Authorization, string Signature) Sign(string method, string rawTarget, IReadOnlyList<(string Name, string Value)> headers, string payloadHash)
    {
        var signature = ReferenceSigner.Signature(CanonicalRequest(method, rawTarget, headers, payloadHash), AmzDate, SecretKey, Region);
        return (ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(headers), signature), signature);
    }

    /// <summary>Presigns <paramref name="rawTarget"/> (SigV4 query parameters, signing <paramref name="headers"/>) and returns the target to send.</summary>
    public static string Presign(string method, string rawTarget, IReadOnlyList<(string Name, string Value)> headers, int expires = 3600)
    {
        var separator = rawTarget.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var target = rawTarget + separator + string.Join(
            '&',
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=" + ReferenceSigner.UriEncode(Credential, encodeSlash: true),
            "X-Amz-Date=" + AmzDate,
            "X-Amz-Expires=" + expires.ToString(CultureInfo.InvariantCulture),
            "X-Amz-SignedHeaders=" + ReferenceSigner.UriEncode(ReferenceSigner.SignedHeaders(headers), encodeSlash: true));
        var signature = ReferenceSigner.Signature(CanonicalRequest(method, target, headers, "UNSIGNED-PAYLOAD"), AmzDate, SecretKey, Region);
        return target + "&X-Amz-Signature=" + signature;
    }

    /// <summary>A raw URI component as bytes: each with whether it arrived escaped.</summary>
    private static List<(byte Value, bool Escaped)> Decode(string raw, bool plusIsSpace)
    {
        var bytes = new List<(byte, bool)>();
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%' && i + 2 < raw.Length && Uri.IsHexDigit(raw[i + 1]) && Uri.IsHexDigit(raw[i + 2]))
            {
                bytes.Add((byte.Parse(raw.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture), true));
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                bytes.Add(((byte)' ', true));
            }
            else if (c < 0x80)
            {
                bytes.Add(((byte)c, false));
            }
            else
            {
                var rune = Rune.DecodeFromUtf16(raw.AsSpan(i), out var r, out var consumed) == System.Buffers.OperationStatus.Done ? r : Rune.ReplacementChar;
                if (rune == Rune.ReplacementChar && consumed == 0)
                {
                    consumed = 1;
                }

                Span<byte> utf8 = stackalloc byte[4];
                var length = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..length])
                {
                    bytes.Add((b, true));
                }

                i += Math.Max(consumed, 1) - 1;
            }
        }

        return bytes;
    }

    private static string Encode(List<(byte Value, bool Escaped)> bytes, bool keepSlash)
    {
        var text = new StringBuilder();
        foreach (var (b, escaped) in bytes)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~'
                || (b == '/' && keepSlash && !escaped))
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    private static string Collapse(string value)
    {
        var trimmed = value.Trim();
        while (trimmed.Contains("  ", StringComparison.Ordinal))
        {
            trimmed = trimmed.Replace("  ", " ", StringComparison.Ordinal);
        }

        return trimmed;
    }
}
