using System.Security.Cryptography;
using System.Text;

namespace Tessera.Tests;

/// <summary>
/// A deliberately plain SigV4 signer (strings and StringBuilder, straight from the AWS documentation), independent of
/// the production code, to sign requests the tests then feed to the verifier.
/// </summary>
public static class ReferenceSigner
{
    public static string UriEncode(string value, bool encodeSlash)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else if (c == '/' && !encodeSlash)
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2"));
            }
        }

        return builder.ToString();
    }

    /// <summary>The canonical request from decoded parts.</summary>
    public static string CanonicalRequest(
        string method,
        string decodedPath,
        IEnumerable<(string Name, string Value)> decodedQuery,
        IEnumerable<(string Name, string Value)> headers,
        string payloadHash)
    {
        var query = decodedQuery
            .Select(p => (Name: UriEncode(p.Name, true), Value: UriEncode(p.Value, true)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value);
        var sortedHeaders = headers
            .GroupBy(h => h.Name.ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var canonicalHeaders = string.Concat(sortedHeaders.Select(g => g.Key + ":" + string.Join(",", g.Select(h => Collapse(h.Value))) + "\n"));
        var signedHeaders = string.Join(";", sortedHeaders.Select(g => g.Key));
        return string.Join(
            "\n",
            method,
            UriEncode(decodedPath, false),
            string.Join("&", query),
            canonicalHeaders,
            signedHeaders,
            payloadHash);
    }

    public static string SignedHeaders(IEnumerable<(string Name, string Value)> headers)
        => string.Join(";", headers.Select(h => h.Name.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));

    public static byte[] SigningKey(string secret, string date, string region)
    {
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        key = Hmac(key, region);
        key = Hmac(key, "s3");
        return Hmac(key, "aws4_request");
    }

    public static string Scope(string amzDate, string region) => $"{amzDate[..8]}/{region}/s3/aws4_request";

    public static string Signature(string canonicalRequest, string amzDate, string secret, string region)
    {
        var stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + Scope(amzDate, region) + "\n" + Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest));
        return Convert.ToHexStringLower(Hmac(SigningKey(secret, amzDate[..8], region), stringToSign));
    }

    public static string ChunkSignature(string previous, byte[] data, string amzDate, string secret, string region)
    {
        var stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + Scope(amzDate, region) + "\n" + previous + "\n" + Sha256Hex([]) + "\n" + Sha256Hex(data);
        return Convert.ToHexStringLower(Hmac(SigningKey(secret, amzDate[..8], region), stringToSign));
    }

    public static string TrailerSignature(string previous, string trailerLines, string amzDate, string secret, string region)
    {
        var stringToSign = "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + Scope(amzDate, region) + "\n" + previous + "\n" + Sha256Hex(Encoding.UTF8.GetBytes(trailerLines));
        return Convert.ToHexStringLower(Hmac(SigningKey(secret, amzDate[..8], region), stringToSign));
    }

    public static string Authorization(string accessKey, string amzDate, string region, string signedHeaders, string signature)
        => $"AWS4-HMAC-SHA256 Credential={accessKey}/{Scope(amzDate, region)}, SignedHeaders={signedHeaders}, Signature={signature}";

    public static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

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
