using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Tessera.S3.Auth;

/// <summary>
/// Derived SigV4 signing keys by (secret, scope date) for one region, so a request costs one HMAC for the signature
/// instead of five. A key is valid for a whole day, so the working set is one entry per active secret; the cache is
/// simply cleared when it reaches <see cref="MaxEntries"/> (stale dates and rotated secrets go with it).
/// </summary>
internal sealed class SigningKeyCache
{
    /// <summary>The most keys kept before the cache is cleared.</summary>
    public const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<(string Secret, int Date), byte[]> _keys = new();
    private readonly string _region;

    /// <summary>Creates the cache for <paramref name="region"/>.</summary>
    public SigningKeyCache(string region) => _region = region;

    /// <summary>The number of cached keys.</summary>
    public int Count => _keys.Count;

    /// <summary>Returns the signing key for <paramref name="secret"/> on <paramref name="date"/> (yyyyMMdd).</summary>
    /// <param name="secret">The secret access key.</param>
    /// <param name="date">The scope date as sent, eight digits.</param>
    /// <param name="dateNumber">The same date as a number: the cache key, so no string is allocated for it.</param>
    public byte[] Get(string secret, ReadOnlySpan<char> date, int dateNumber)
    {
        if (_keys.TryGetValue((secret, dateNumber), out var key))
        {
            return key;
        }

        key = Derive(secret, date, _region);
        if (_keys.Count >= MaxEntries)
        {
            _keys.Clear();
        }

        _keys[(secret, dateNumber)] = key;
        return key;
    }

    /// <summary>HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"), "aws4_request").</summary>
    public static byte[] Derive(string secret, ReadOnlySpan<char> date, string region)
    {
        var builder = new ByteBuilder(stackalloc byte[128]);
        Span<byte> first = stackalloc byte[32];
        Span<byte> second = stackalloc byte[32];
        try
        {
            builder.Append("AWS4"u8);
            builder.AppendUtf8(secret);
            Span<byte> dateBytes = stackalloc byte[8];
            for (var i = 0; i < dateBytes.Length; i++)
            {
                dateBytes[i] = (byte)date[i];
            }

            HMACSHA256.HashData(builder.Written, dateBytes, first);
            builder.ZeroWritten();
            builder.AppendUtf8(region);
            HMACSHA256.HashData(first, builder.Written, second);
            HMACSHA256.HashData(second, "s3"u8, first);
            var result = new byte[32];
            HMACSHA256.HashData(first, "aws4_request"u8, result);
            return result;
        }
        finally
        {
            builder.ZeroWritten();
            CryptographicOperations.ZeroMemory(first);
            CryptographicOperations.ZeroMemory(second);
            builder.Dispose();
        }
    }
}
