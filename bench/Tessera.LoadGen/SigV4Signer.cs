using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace Tessera.LoadGen;

/// <summary>
/// The smallest SigV4 header signer the load needs: no query, signed headers <c>host;x-amz-content-sha256;x-amz-date</c>,
/// and a payload hash given by the caller (<c>UNSIGNED-PAYLOAD</c> here). The day's signing key is cached; the canonical
/// request and string to sign are formatted into stack buffers, so a signature costs two SHA-256 passes and about
/// three small strings. Thread-safe.
/// </summary>
public sealed class SigV4Signer
{
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    private const string SignedHeaders = "host;x-amz-content-sha256;x-amz-date";

    private readonly string _accessKey;
    private readonly string _secretKey;
    private readonly string _region;
    private Tuple<string, byte[]> _signingKey = Tuple.Create("", Array.Empty<byte>());

    public SigV4Signer(string accessKey, string secretKey, string region)
    {
        _accessKey = accessKey;
        _secretKey = secretKey;
        _region = region;
    }

    /// <summary>
    /// Returns the <c>x-amz-date</c> value and <c>Authorization</c> header for a request with no query string.
    /// <paramref name="canonicalPath"/> must already be URI-encoded (see <see cref="EncodePath"/>); it is also what goes on the wire.
    /// </summary>
    public (string AmzDate, string Authorization) Sign(string method, string host, string canonicalPath, string payloadHash, DateTime utcNow)
    {
        var amzDate = utcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var key = SigningKey(date);

        Span<byte> buffer = stackalloc byte[2048];
        if (!Utf8.TryWrite(buffer, $"{method}\n{canonicalPath}\n\nhost:{host}\nx-amz-content-sha256:{payloadHash}\nx-amz-date:{amzDate}\n\n{SignedHeaders}\n{payloadHash}", out var length))
        {
            throw new ArgumentException("request too long to sign", nameof(canonicalPath));
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer[..length], hash);
        Span<char> hashHex = stackalloc char[64];
        Convert.TryToHexStringLower(hash, hashHex, out _);

        if (!Utf8.TryWrite(buffer, $"AWS4-HMAC-SHA256\n{amzDate}\n{date}/{_region}/s3/aws4_request\n{hashHex}", out length))
        {
            throw new ArgumentException("region too long", nameof(method));
        }

        HMACSHA256.HashData(key, buffer[..length], hash);
        var signature = Convert.ToHexStringLower(hash);
        var authorization = $"AWS4-HMAC-SHA256 Credential={_accessKey}/{date}/{_region}/s3/aws4_request, SignedHeaders={SignedHeaders}, Signature={signature}";
        return (amzDate, authorization);
    }

    /// <summary>URI-encodes an S3 path as SigV4 wants it: unreserved characters and '/' kept, everything else %XX of UTF-8.</summary>
    public static string EncodePath(string path)
    {
        var builder = new StringBuilder(path.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            var c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~' or '/')
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

    private byte[] SigningKey(string date)
    {
        // One reference read and one reference write: racing workers at midnight at worst derive the key twice.
        var cached = _signingKey;
        if (cached.Item1 == date)
        {
            return cached.Item2;
        }

        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + _secretKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(_region));
        key = HMACSHA256.HashData(key, "s3"u8);
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        _signingKey = Tuple.Create(date, key);
        return key;
    }
}
