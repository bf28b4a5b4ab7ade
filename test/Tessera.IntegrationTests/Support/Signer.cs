using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.IntegrationTests;

/// <summary>
/// A SigV4 and SigV2 signer written from the AWS documentation, independent of the server's verifier, for requests
/// the SDK will not build: a chosen set of signed headers, a declared payload hash, presigned URLs with extra
/// headers sent beside them. Paths and query strings are passed already percent-encoded, as they go on the wire.
/// </summary>
public sealed class Signer(Uri endpoint, string accessKey, string secretKey, string region = "us-east-1")
{
    /// <summary>SHA-256 of nothing, as hex.</summary>
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The server the signed requests go to.</summary>
    public Uri Endpoint => endpoint;

    /// <summary>The Host header value the signature covers.</summary>
    public string Host => endpoint.Authority;

    /// <summary>
    /// Headers for a header-signed request: the given ones plus host (implicit), x-amz-date, x-amz-content-sha256 and
    /// Authorization. <paramref name="unsigned"/> headers are sent but left out of SignedHeaders.
    /// </summary>
    public List<(string Name, string Value)> Sign(
        string method, string rawPath, string rawQuery, IEnumerable<(string Name, string Value)> headers, string payloadHash,
        IEnumerable<(string Name, string Value)>? unsigned = null, DateTime? now = null, string? secret = null)
    {
        var amzDate = (now ?? DateTime.UtcNow).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var signed = headers.Append(("x-amz-date", amzDate)).Append(("x-amz-content-sha256", payloadHash)).ToList();
        var canonicalHeaders = signed.Append(("host", Host))
            .Select(h => (Name: h.Item1.ToLowerInvariant(), Value: h.Item2.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        var signedNames = string.Join(';', canonicalHeaders.Select(h => h.Name));
        var canonical = $"{method}\n{rawPath}\n{CanonicalQuery(rawQuery)}\n{string.Concat(canonicalHeaders.Select(h => $"{h.Name}:{h.Value}\n"))}\n{signedNames}\n{payloadHash}";
        var signature = Signature(canonical, amzDate, secret ?? secretKey);
        var result = signed.ToList();
        result.Add(("Authorization", $"AWS4-HMAC-SHA256 Credential={accessKey}/{Scope(amzDate)}, SignedHeaders={signedNames}, Signature={signature}"));
        result.AddRange(unsigned ?? []);
        return result;
    }

    /// <summary>A SigV4 presigned request target (path and query) signing host only, valid for <paramref name="expires"/> seconds.</summary>
    public string Presign(string method, string rawPath, int expires = 3600, DateTime? now = null, string extraQuery = "")
    {
        var amzDate = (now ?? DateTime.UtcNow).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var credential = Uri.EscapeDataString($"{accessKey}/{Scope(amzDate)}");
        var query = $"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={credential}&X-Amz-Date={amzDate}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
            + (extraQuery.Length > 0 ? "&" + extraQuery : "");
        var canonical = $"{method}\n{rawPath}\n{CanonicalQuery(query)}\nhost:{Host}\n\nhost\nUNSIGNED-PAYLOAD";
        return $"{rawPath}?{query}&X-Amz-Signature={Signature(canonical, amzDate, secretKey)}";
    }

    /// <summary>A SigV2 presigned request target with the given Unix expiry time.</summary>
    public string PresignV2(string method, string rawPath, long expires)
    {
        var toSign = $"{method}\n\n\n{expires}\n{rawPath}";
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(toSign)));
        return $"{rawPath}?AWSAccessKeyId={accessKey}&Expires={expires}&Signature={Uri.EscapeDataString(signature)}";
    }

    /// <summary>Hex SHA-256 of <paramref name="data"/>.</summary>
    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Base64 MD5 of <paramref name="data"/> (Content-MD5).</summary>
    public static string Md5(byte[] data) => Convert.ToBase64String(MD5.HashData(data));

    /// <summary>The date/region/s3/aws4_request scope of a request at <paramref name="amzDate"/>.</summary>
    public string Scope(string amzDate) => $"{amzDate[..8]}/{region}/s3/aws4_request";

    /// <summary>The signing key of <paramref name="amzDate"/>'s day.</summary>
    public byte[] SigningKey(string amzDate, string? secret = null)
    {
        var key = Encoding.UTF8.GetBytes("AWS4" + (secret ?? secretKey));
        foreach (var part in new[] { amzDate[..8], region, "s3", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return key;
    }

    private string Signature(string canonical, string amzDate, string secret)
    {
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{Scope(amzDate)}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        return Convert.ToHexStringLower(HMACSHA256.HashData(SigningKey(amzDate, secret), Encoding.UTF8.GetBytes(toSign)));
    }

    /// <summary>The canonical query: parameters sorted by name, each already encoded; a bare name gets "=".</summary>
    private static string CanonicalQuery(string rawQuery) =>
        string.Join('&', rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Contains('=', StringComparison.Ordinal) ? p : p + "=")
            .Order(StringComparer.Ordinal));
}
