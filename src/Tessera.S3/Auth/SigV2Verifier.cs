using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Tessera.Core.Errors;

namespace Tessera.S3.Auth;

/// <summary>
/// Verifies AWS Signature Version 2 (HMAC-SHA1): the <c>Authorization: AWS AccessKeyId:Signature</c> header and
/// presigned URLs with <c>AWSAccessKeyId</c>, <c>Expires</c> and <c>Signature</c> query parameters, as the Amazon S3
/// API reference ("Signing and authenticating REST requests") defines them. Amazon S3 still answers SigV2 in its
/// older regions and MinIO always does; boto3 at its default settings presigns URLs with it (seen with Debian's
/// 1.26, an endpoint URL and us-east-1), so a store that refuses it breaks <c>generate_presigned_url</c>. Thread-safe.
/// </summary>
/// <remarks>
/// The string to sign is <c>Verb \n Content-MD5 \n Content-Type \n Date \n CanonicalizedAmzHeaders
/// CanonicalizedResource</c>. Date is the Date header (empty when x-amz-date is sent), or the Expires parameter of a
/// presigned URL. The resource is the raw path as sent, after <c>/bucket</c> for virtual-hosted-style requests, and
/// the sub-resources of the query (<c>?uploads</c>, <c>versionId=...</c>, <c>response-*</c> overrides) sorted by
/// name with their values decoded. The body is not signed: its hash is checked only when the client sends
/// x-amz-content-sha256 or Content-MD5 (which the signature covers).
/// </remarks>
internal sealed class SigV2Verifier
{
    /// <summary>Query parameters that belong to the resource: the union of Amazon's, botocore's and MinIO's lists.</summary>
    private static readonly string[] SubResources =
    [
        "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "encryption", "inventory", "legal-hold",
        "lifecycle", "location", "logging", "metrics", "notification", "object-lock", "partNumber", "policy",
        "replication", "requestPayment", "response-cache-control", "response-content-disposition",
        "response-content-encoding", "response-content-language", "response-content-type", "response-expires",
        "restore", "retention", "select", "select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
        "versionId", "versioning", "versions", "website",
    ];

    private readonly ICredentialProvider _credentials;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier over <paramref name="credentials"/>, checking times against <paramref name="time"/>.</summary>
    public SigV2Verifier(ICredentialProvider credentials, TimeProvider time)
    {
        _credentials = credentials;
        _time = time;
    }

    /// <summary>Whether <paramref name="authorization"/> is a SigV2 header (<c>AWS AccessKeyId:Signature</c>).</summary>
    public static bool IsHeader(ReadOnlySpan<char> authorization) => authorization.StartsWith("AWS ", StringComparison.Ordinal);

    /// <summary>Verifies a request signed in its Authorization header.</summary>
    public AuthResult VerifyHeader(HttpRequest request, ReadOnlySpan<char> authorization, ReadOnlySpan<char> rawPath, ReadOnlySpan<char> rawQuery, string? hostBucket)
    {
        var credential = authorization["AWS ".Length..].Trim();
        var colon = credential.LastIndexOf(':');
        if (colon <= 0 || colon == credential.Length - 1)
        {
            AuthErrors.Throw(S3Errors.InvalidArgument, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
        }

        var amzDate = request.Headers["x-amz-date"];
        var hasAmzDate = !StringValues.IsNullOrEmpty(amzDate);
        var dateText = hasAmzDate ? amzDate.ToString().Trim() : request.Headers.Date.ToString().Trim();
        if (!TryParseDate(dateText, out var requestTime))
        {
            AuthErrors.Throw(S3Errors.AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
        }

        var now = _time.GetUtcNow();
        if ((requestTime - now).Duration() > SigV4Verifier.MaxClockSkew)
        {
            SigV4Verifier.ThrowSkewed(requestTime, now);
        }

        // With x-amz-date the Date position is empty (it is signed among the x-amz-* headers instead).
        return Check(request, credential[..colon], credential[(colon + 1)..], hasAmzDate ? "" : dateText, rawPath, rawQuery, hostBucket, requestTime, presigned: false);
    }

    /// <summary>Verifies a presigned URL (<c>AWSAccessKeyId</c>, <c>Expires</c>, <c>Signature</c>).</summary>
    public AuthResult VerifyPresigned(HttpRequest request, in CanonicalQuery query, ReadOnlySpan<char> rawPath, ReadOnlySpan<char> rawQuery, string? hostBucket)
    {
        if (query.TryGetValue("AWSAccessKeyId"u8, out var accessKey) != 1 || query.TryGetValue("Signature"u8, out var signature) != 1
            || query.TryGetValue("Expires"u8, out var expires) != 1 || string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(signature))
        {
            throw new S3Exception(S3Errors.AccessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
        }

        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expirySeconds) || expirySeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new S3Exception(S3Errors.AccessDenied, $"Invalid date (should be seconds since epoch): {expires}");
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expirySeconds);
        var now = _time.GetUtcNow();
        if (expiresAt - now > TimeSpan.FromSeconds(SigV4Verifier.MaxPresignedExpirySeconds))
        {
            // SigV2 itself sets no limit; a URL valid for years is a leaked key in all but name, so it gets SigV4's week.
            throw new S3Exception(S3Errors.AuthorizationQueryParametersError, "Expires must be less than a week (in seconds) that is; 604800 seconds from now");
        }
        if (now > expiresAt)
        {
            throw new S3Exception(S3Errors.AccessDenied, "Request has expired")
            {
                Details =
                [
                    new("Expires", expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                    new("ServerTime", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                ],
            };
        }

        return Check(request, accessKey, signature, expires, rawPath, rawQuery, hostBucket, now, presigned: true);
    }

    /// <summary>A POST Object form signed with SigV2: <c>signature</c> is the base64 HMAC-SHA1 of the <c>policy</c> field.</summary>
    public AuthResult VerifyPostPolicy(IReadOnlyDictionary<string, string> fields)
    {
        var accessKey = SigV4Verifier.RequireField(fields, "AWSAccessKeyId");
        var signature = SigV4Verifier.RequireField(fields, "signature");
        var policy = SigV4Verifier.RequireField(fields, "policy");
        var computed = Compare(Secret(accessKey), Encoding.ASCII.GetBytes(policy), signature);
        return Result(accessKey, computed, PayloadMode.Unsigned, null, _time.GetUtcNow(), presigned: false);
    }

    /// <summary>The string to sign for a request (exposed for tests).</summary>
    internal static string StringToSign(HttpRequest request, ReadOnlySpan<char> date, ReadOnlySpan<char> rawPath, ReadOnlySpan<char> rawQuery, string? hostBucket)
    {
        var text = new StringBuilder(256);
        text.Append(request.Method).Append('\n');
        text.Append(request.Headers["Content-MD5"].ToString().Trim()).Append('\n');
        text.Append(request.Headers.ContentType.ToString().Trim()).Append('\n');
        text.Append(date).Append('\n');
        AppendAmzHeaders(text, request.Headers);
        if (hostBucket is not null)
        {
            text.Append('/').Append(hostBucket);
        }

        if (rawPath.IsEmpty || rawPath[0] != '/')
        {
            text.Append('/');
        }

        text.Append(rawPath);
        AppendSubResources(text, rawQuery);
        return text.ToString();
    }

    private AuthResult Check(
        HttpRequest request,
        ReadOnlySpan<char> accessKey,
        ReadOnlySpan<char> signature,
        ReadOnlySpan<char> date,
        ReadOnlySpan<char> rawPath,
        ReadOnlySpan<char> rawQuery,
        string? hostBucket,
        DateTimeOffset requestTime,
        bool presigned)
    {
        var accessKeyId = accessKey.ToString();
        var computed = Compare(Secret(accessKeyId), Encoding.UTF8.GetBytes(StringToSign(request, date, rawPath, rawQuery, hostBucket)), signature);
        var mode = PayloadMode.Unsigned;
        string? sha256 = null;
        var contentSha256 = request.Headers["x-amz-content-sha256"];
        if (!StringValues.IsNullOrEmpty(contentSha256))
        {
            // Not signed here, but a client that declares the body's hash gets it checked.
            if (!PayloadHash.TryParseMode(contentSha256.ToString(), out mode) || mode is PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer)
            {
                AuthErrors.Throw(S3Errors.InvalidRequest, "Signed aws-chunked bodies require AWS Signature Version 4.");
            }

            sha256 = mode == PayloadMode.Sha256 ? contentSha256.ToString().ToLowerInvariant() : null;
        }

        return Result(accessKeyId, computed, mode, sha256, requestTime, presigned);
    }

    /// <summary>The secret of <paramref name="accessKey"/> (InvalidAccessKeyId when it has none).</summary>
    private string Secret(string accessKey)
    {
        if (!_credentials.TryGetSecretKey(accessKey, out var secret))
        {
            AuthErrors.Throw(S3Errors.InvalidAccessKeyId);
        }

        return secret;
    }

    /// <summary>A verified SigV2 request: no signing key or scope (those are SigV4's), the MAC as the seed.</summary>
    private static AuthResult Result(string accessKey, byte[] computed, PayloadMode mode, string? sha256, DateTimeOffset time, bool presigned) => new()
    {
        AccessKey = accessKey,
        Mode = mode,
        PayloadSha256Hex = sha256,
        SeedSignature = Convert.ToHexStringLower(computed),
        SigningKey = ReadOnlyMemory<byte>.Empty,
        Scope = "",
        AmzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
        RequestTime = time,
        IsPresigned = presigned,
    };

    /// <summary>
    /// HMAC-SHA1 of <paramref name="toSign"/> under <paramref name="secret"/>, compared with <paramref name="signature"/>
    /// as base64 text (as S3 does: a signature whose unused low bits differ is not the same one); returns the MAC.
    /// </summary>
    private static byte[] Compare(string secret, byte[] toSign, ReadOnlySpan<char> signature)
    {
        var computed = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), toSign);
        Span<char> expected = stackalloc char[28];
        Convert.TryToBase64Chars(computed, expected, out _);
        if (!CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected), MemoryMarshal.AsBytes(signature)))
        {
            AuthErrors.ThrowSignatureDoesNotMatch();
        }

        return computed;
    }

    /// <summary>Every x-amz-* header as <c>name:value\n</c>: names lower-cased and sorted, repeated values joined by commas.</summary>
    private static void AppendAmzHeaders(StringBuilder text, IHeaderDictionary headers)
    {
        List<(string Lower, string Key)>? names = null;
        foreach (var header in headers)
        {
            if (header.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
            {
                (names ??= []).Add((header.Key.ToLowerInvariant(), header.Key));
            }
        }

        if (names is null)
        {
            return;
        }

        // Lower-case first, then sort ordinally: '_' sorts after the lower-case letters' upper-case forms.
        names.Sort((a, b) => string.CompareOrdinal(a.Lower, b.Lower));
        foreach (var (lower, key) in names)
        {
            text.Append(lower).Append(':');
            var values = headers[key];
            for (var v = 0; v < values.Count; v++)
            {
                if (v > 0)
                {
                    text.Append(',');
                }

                text.Append(values[v].AsSpan().Trim());
            }

            text.Append('\n');
        }
    }

    /// <summary><c>?name[=value]&amp;...</c> for the sub-resources in the query, sorted by name, values decoded.</summary>
    private static void AppendSubResources(StringBuilder text, ReadOnlySpan<char> rawQuery)
    {
        List<(string Name, string Value)>? found = null;
        foreach (var range in rawQuery.Split('&'))
        {
            var segment = rawQuery[range];
            var equals = segment.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? segment : segment[..equals]);
            if (Array.IndexOf(SubResources, name) >= 0)
            {
                (found ??= []).Add((name, equals < 0 ? "" : Uri.UnescapeDataString(segment[(equals + 1)..])));
            }
        }

        if (found is null)
        {
            return;
        }

        // A stable sort by name, as botocore and MinIO do.
        var sorted = found.OrderBy(p => p.Name, StringComparer.Ordinal);
        var separator = '?';
        foreach (var (name, value) in sorted)
        {
            text.Append(separator).Append(name);
            if (value.Length > 0)
            {
                text.Append('=').Append(value);
            }

            separator = '&';
        }
    }

    /// <summary>An HTTP date (RFC 1123, also with a numeric zone such as <c>+0000</c>) or an ISO 8601 basic time.</summary>
    private static bool TryParseDate(string text, out DateTimeOffset time)
    {
        const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        return DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, Styles, out time)
            || DateTimeOffset.TryParseExact(text, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, Styles, out time)
            || (text.Length > 0 && char.IsLetter(text[0]) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out time));
    }
}
