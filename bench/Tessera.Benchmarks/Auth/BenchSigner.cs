using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.Benchmarks.Auth;

/// <summary>
/// A plain SigV4 signer (strings, straight from the AWS documentation; a trimmed copy of the tests' ReferenceSigner)
/// that signs the benchmark inputs once in setup, with the AWS example credentials and time.
/// </summary>
internal static class BenchSigner
{
    public const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string AmzDate = "20130524T000000Z";

    public static readonly DateTimeOffset Time = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);

    public static string Scope => $"{AmzDate[..8]}/{Region}/s3/aws4_request";

    public static string UriEncode(string value, bool encodeSlash)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~' || (c == '/' && !encodeSlash))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>The Authorization header for a request with these decoded parts; headers must include host and x-amz-date.</summary>
    public static string Authorization(string method, string decodedPath, (string Name, string Value)[] query, (string Name, string Value)[] headers, string payloadHash)
    {
        var canonicalQuery = string.Join("&", query
            .Select(p => (Name: UriEncode(p.Name, true), Value: UriEncode(p.Value, true)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));
        var sorted = headers.OrderBy(h => h.Name, StringComparer.Ordinal).ToArray();
        var signedHeaders = string.Join(";", sorted.Select(h => h.Name));
        var canonical = string.Join(
            "\n",
            method,
            UriEncode(decodedPath, false),
            canonicalQuery,
            string.Concat(sorted.Select(h => h.Name + ":" + h.Value.Trim() + "\n")),
            signedHeaders,
            payloadHash);
        var stringToSign = $"AWS4-HMAC-SHA256\n{AmzDate}\n{Scope}\n{Sha256Hex(Encoding.UTF8.GetBytes(canonical))}";
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(SigningKey(), Encoding.UTF8.GetBytes(stringToSign)));
        return $"AWS4-HMAC-SHA256 Credential={AccessKey}/{Scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    public static byte[] SigningKey()
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + SecretKey), Encoding.UTF8.GetBytes(AmzDate[..8]));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Region));
        key = HMACSHA256.HashData(key, "s3"u8);
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string ChunkSignature(string previous, ReadOnlySpan<byte> data)
    {
        var stringToSign = $"AWS4-HMAC-SHA256-PAYLOAD\n{AmzDate}\n{Scope}\n{previous}\n{Sha256Hex([])}\n{Sha256Hex(data)}";
        return Convert.ToHexStringLower(HMACSHA256.HashData(SigningKey(), Encoding.UTF8.GetBytes(stringToSign)));
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
