using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Tessera.Core.Errors;

namespace Tessera.S3.Auth;

/// <summary>
/// Verifies AWS Signature Version 4 on S3 requests: the <c>Authorization: AWS4-HMAC-SHA256 ...</c> header and
/// presigned URLs (<c>X-Amz-*</c> query parameters). The canonical request is built from the raw request target
/// as sent on the wire (S3 does not double-encode the path), so it sees exactly what the client signed. Requests
/// signed with Signature Version 2 go to <see cref="SigV2Verifier"/>. Thread-safe.
/// </summary>
/// <remarks>
/// The body is not read here: for <see cref="PayloadMode.Sha256"/> the caller checks the declared hash (e.g. with
/// <see cref="PayloadHashVerifier"/>); for the streaming modes it reads the body through <see cref="AwsChunkedStream"/>.
/// </remarks>
public sealed partial class SigV4Verifier
{
    /// <summary>The only algorithm accepted.</summary>
    internal const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The largest presigned URL lifetime S3 allows: a week.</summary>
    internal const int MaxPresignedExpirySeconds = 604800;

    /// <summary>The largest difference between the request time and the server clock.</summary>
    internal static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly ICredentialProvider _credentials;
    private readonly TimeProvider _time;
    private readonly string _region;
    private readonly SigningKeyCache _keys;
    private readonly SigV2Verifier _v2;

    /// <summary>Creates a verifier for one region.</summary>
    /// <param name="credentials">Where secret keys come from.</param>
    /// <param name="time">The clock for skew and expiry checks.</param>
    /// <param name="region">The region this server answers for (e.g. <c>us-east-1</c>); credential scopes must name it.</param>
    public SigV4Verifier(ICredentialProvider credentials, TimeProvider time, string region)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(region);
        _credentials = credentials;
        _time = time;
        _region = region;
        _keys = new SigningKeyCache(region);
        _v2 = new SigV2Verifier(credentials, time);
    }

    /// <summary>The region credential scopes must name.</summary>
    public string Region => _region;

    /// <summary>The signing key cache (exposed for tests).</summary>
    internal SigningKeyCache SigningKeys => _keys;

    /// <summary>Authenticates <paramref name="request"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="virtualHostBucket">
    /// The bucket named by the Host header (virtual-hosted-style), or null: SigV2 signs it as part of the resource.
    /// </param>
    /// <returns>Who signed the request and how its body is protected.</returns>
    /// <exception cref="S3Exception">The request is anonymous, malformed, expired, skewed or wrongly signed.</exception>
    public AuthResult Verify(HttpRequest request, string? virtualHostBucket = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        SplitTarget(GetRawTarget(request), out var rawPath, out var rawQuery);
        using var query = CanonicalQuery.Parse(rawQuery);
        var authorization = request.Headers.Authorization;
        var hasHeader = !StringValues.IsNullOrEmpty(authorization);
        var presigned = query.Contains("X-Amz-Signature"u8) || query.Contains("X-Amz-Algorithm"u8) || query.Contains("X-Amz-Credential"u8);
        var presignedV2 = query.Contains("Signature"u8) || query.Contains("AWSAccessKeyId"u8);
        if (hasHeader && (presigned || presignedV2))
        {
            AuthErrors.Throw(S3Errors.InvalidArgument, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
        }

        if (hasHeader)
        {
            var header = authorization.ToString();
            return SigV2Verifier.IsHeader(header)
                ? _v2.VerifyHeader(request, header, rawPath, rawQuery, virtualHostBucket)
                : VerifyHeader(request, header, rawPath, query);
        }

        if (presigned)
        {
            return VerifyPresigned(request, rawPath, query);
        }

        if (presignedV2)
        {
            return _v2.VerifyPresigned(request, query, rawPath, rawQuery, virtualHostBucket);
        }

        throw new S3Exception(S3Errors.AccessDenied, "Anonymous access is not allowed; sign the request with AWS Signature Version 4 or 2.");
    }

    /// <summary>
    /// Authenticates a browser-based upload (POST Object) by its form: <c>x-amz-signature</c> is the hex
    /// HMAC-SHA256 of the base64 <c>policy</c> field under the signing key of <c>x-amz-credential</c>; a form with
    /// <c>AWSAccessKeyId</c> and <c>signature</c> is SigV2 (<see cref="SigV2Verifier.VerifyPostPolicy"/>). The policy's
    /// own conditions are checked by the caller (<see cref="PostPolicy"/>).
    /// </summary>
    /// <param name="fields">The form fields before the file, by name (case-insensitive).</param>
    public AuthResult VerifyPostPolicy(IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (!fields.TryGetValue("x-amz-signature", out var signature))
        {
            if (fields.ContainsKey("signature") || fields.ContainsKey("AWSAccessKeyId"))
            {
                return _v2.VerifyPostPolicy(fields);
            }

            throw new S3Exception(S3Errors.AccessDenied, "Anonymous uploads are not allowed; sign the POST policy.");
        }

        var policy = RequireField(fields, "policy");
        if (RequireField(fields, "x-amz-algorithm") != Algorithm)
        {
            AuthErrors.Throw(S3Errors.InvalidArgument, "POST form x-amz-algorithm only supports \"AWS4-HMAC-SHA256\"");
        }

        ParseCredential(RequireField(fields, "x-amz-credential"), presigned: true, out var accessKey, out var scope, out var date, out var dateNumber);
        var amzDate = RequireField(fields, "x-amz-date");
        if (!TryParseAmzDate(amzDate, out var requestTime) || !amzDate.AsSpan(0, 8).SequenceEqual(date))
        {
            AuthErrors.Throw(S3Errors.InvalidArgument, "POST form x-amz-date must be the credential's date in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }

        var accessKeyId = accessKey.ToString();
        Span<byte> provided = stackalloc byte[32];
        var signingKey = SigningKeyFor(accessKeyId, signature, date, dateNumber, provided);
        Span<byte> computed = stackalloc byte[32];
        HMACSHA256.HashData(signingKey, System.Text.Encoding.ASCII.GetBytes(policy), computed);
        if (!CryptographicOperations.FixedTimeEquals(computed, provided))
        {
            AuthErrors.ThrowSignatureDoesNotMatch();
        }

        return new AuthResult
        {
            AccessKey = accessKeyId,
            Mode = PayloadMode.Unsigned,
            SeedSignature = Convert.ToHexStringLower(computed),
            SigningKey = signingKey,
            Scope = scope.ToString(),
            AmzDate = amzDate,
            RequestTime = requestTime,
        };
    }

    /// <summary>
    /// The checks every SigV4 form shares before the signature is computed: the access key is known (else
    /// InvalidAccessKeyId) and the signature is 64 hex digits, parsed into <paramref name="provided"/> (else
    /// SignatureDoesNotMatch). Returns the signing key of the credential's date.
    /// </summary>
    private byte[] SigningKeyFor(string accessKeyId, ReadOnlySpan<char> signature, ReadOnlySpan<char> date, int dateNumber, Span<byte> provided)
    {
        if (!_credentials.TryGetSecretKey(accessKeyId, out var secret))
        {
            AuthErrors.Throw(S3Errors.InvalidAccessKeyId);
        }

        if (!SigV4Encoding.TryParseHex(signature, provided))
        {
            AuthErrors.ThrowSignatureDoesNotMatch();
        }

        return _keys.Get(secret, date, dateNumber);
    }

    /// <summary>A form field a signed POST must carry (InvalidArgument, as S3 words it, when missing).</summary>
    internal static string RequireField(IReadOnlyDictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new S3Exception(S3Errors.InvalidArgument, $"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields.");

    private AuthResult VerifyHeader(HttpRequest request, string authorization, ReadOnlySpan<char> rawPath, in CanonicalQuery query)
    {
        ParseAuthorization(authorization, out var credential, out var signedHeaders, out var signature);
        ParseCredential(credential, presigned: false, out var accessKey, out var scope, out var date, out var dateNumber);

        string amzDate;
        DateTimeOffset requestTime;
        var amzDateHeader = request.Headers["x-amz-date"];
        if (!StringValues.IsNullOrEmpty(amzDateHeader))
        {
            amzDate = amzDateHeader.ToString().Trim();
            if (!TryParseAmzDate(amzDate, out requestTime))
            {
                AuthErrors.Throw(S3Errors.AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
            }
        }
        else if (DateTimeOffset.TryParseExact(request.Headers.Date.ToString().Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out requestTime))
        {
            amzDate = requestTime.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            throw new S3Exception(S3Errors.AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
        }

        if (!amzDate.AsSpan(0, 8).SequenceEqual(date))
        {
            AuthErrors.ThrowCredential(presigned: false, "Invalid credential date. Date is not the same as X-Amz-Date.");
        }

        var now = _time.GetUtcNow();
        if ((requestTime - now).Duration() > MaxClockSkew)
        {
            ThrowSkewed(requestTime, now);
        }

        var contentSha256 = request.Headers["x-amz-content-sha256"];
        if (StringValues.IsNullOrEmpty(contentSha256))
        {
            AuthErrors.Throw(S3Errors.InvalidRequest, "Missing required header for this request: x-amz-content-sha256");
        }

        var payloadHash = contentSha256.ToString();
        var mode = ParsePayloadMode(payloadHash);
        RequireSignedHeaders(request, signedHeaders, hostOnly: true);
        return Finish(request, rawPath, query, presigned: false, accessKey, scope, date, dateNumber, signedHeaders, signature, payloadHash, mode, amzDate, requestTime);
    }

    private AuthResult VerifyPresigned(HttpRequest request, ReadOnlySpan<char> rawPath, in CanonicalQuery query)
    {
        var algorithm = RequireParameter(query, "X-Amz-Algorithm"u8);
        var credential = RequireParameter(query, "X-Amz-Credential"u8);
        var amzDate = RequireParameter(query, "X-Amz-Date"u8);
        var expires = RequireParameter(query, "X-Amz-Expires"u8);
        var signedHeaders = RequireParameter(query, "X-Amz-SignedHeaders"u8);
        var signature = RequireParameter(query, "X-Amz-Signature"u8);
        if (algorithm != Algorithm)
        {
            AuthErrors.Throw(S3Errors.AuthorizationQueryParametersError, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
        }

        ParseCredential(credential, presigned: true, out var accessKey, out var scope, out var date, out var dateNumber);
        if (!TryParseAmzDate(amzDate, out var requestTime))
        {
            AuthErrors.Throw(S3Errors.AuthorizationQueryParametersError, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }

        if (!int.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expirySeconds))
        {
            AuthErrors.Throw(S3Errors.AuthorizationQueryParametersError, "X-Amz-Expires should be a number");
        }

        if (expirySeconds < 1)
        {
            AuthErrors.Throw(S3Errors.AuthorizationQueryParametersError, "X-Amz-Expires must be a positive number of seconds");
        }

        if (expirySeconds > MaxPresignedExpirySeconds)
        {
            AuthErrors.Throw(S3Errors.AuthorizationQueryParametersError, "X-Amz-Expires must be less than a week (in seconds) that is; 604800");
        }

        if (!amzDate.AsSpan(0, 8).SequenceEqual(date))
        {
            AuthErrors.ThrowCredential(presigned: true, $"Invalid credential date \"{date}\". This date is not the same as X-Amz-Date: \"{amzDate.AsSpan(0, 8)}\".");
        }

        var now = _time.GetUtcNow();
        if (requestTime - now > MaxClockSkew)
        {
            ThrowSkewed(requestTime, now);
        }

        var expiresAt = requestTime.AddSeconds(expirySeconds);
        if (now > expiresAt)
        {
            throw new S3Exception(S3Errors.AccessDenied, "Request has expired")
            {
                Details =
                [
                    new("X-Amz-Expires", expires),
                    new("Expires", expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                    new("ServerTime", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                ],
            };
        }

        RequireSignedHeaders(request, signedHeaders, hostOnly: true);
        var contentSha256 = request.Headers["x-amz-content-sha256"];
        var payloadHash = StringValues.IsNullOrEmpty(contentSha256) ? PayloadHash.Unsigned : contentSha256.ToString();
        var mode = ParsePayloadMode(payloadHash);
        return Finish(request, rawPath, query, presigned: true, accessKey, scope, date, dateNumber, signedHeaders, signature, payloadHash, mode, amzDate, requestTime);
    }

    /// <summary>The checks both forms share once the time is known: the secret, the signature, the result.</summary>
    private AuthResult Finish(
        HttpRequest request,
        ReadOnlySpan<char> rawPath,
        in CanonicalQuery query,
        bool presigned,
        ReadOnlySpan<char> accessKey,
        ReadOnlySpan<char> scope,
        ReadOnlySpan<char> date,
        int dateNumber,
        ReadOnlySpan<char> signedHeaders,
        ReadOnlySpan<char> signature,
        string payloadHash,
        PayloadMode mode,
        string amzDate,
        DateTimeOffset requestTime)
    {
        var accessKeyId = accessKey.ToString();
        Span<byte> provided = stackalloc byte[32];
        var signingKey = SigningKeyFor(accessKeyId, signature, date, dateNumber, provided);
        Span<byte> computed = stackalloc byte[32];
        ComputeSignature(request, rawPath, query, presigned, signedHeaders, payloadHash, amzDate, scope, signingKey, computed);
        if (!CryptographicOperations.FixedTimeEquals(computed, provided))
        {
            AuthErrors.ThrowSignatureDoesNotMatch();
        }

        // A signature authorises only what it covers: the headers that change what a request does must be among them.
        RequireSignedHeaders(request, signedHeaders, hostOnly: false);
        return new AuthResult
        {
            AccessKey = accessKeyId,
            Mode = mode,
            PayloadSha256Hex = mode == PayloadMode.Sha256 ? payloadHash.ToLowerInvariant() : null,
            SeedSignature = Convert.ToHexStringLower(computed),
            SigningKey = signingKey,
            Scope = scope.ToString(),
            AmzDate = amzDate,
            RequestTime = requestTime,
            IsPresigned = presigned,
        };
    }

    /// <summary>Splits <c>AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...</c> into its parts.</summary>
    private static void ParseAuthorization(ReadOnlySpan<char> header, out ReadOnlySpan<char> credential, out ReadOnlySpan<char> signedHeaders, out ReadOnlySpan<char> signature)
    {
        if (!header.StartsWith(Algorithm, StringComparison.Ordinal) || header.Length == Algorithm.Length || !char.IsWhiteSpace(header[Algorithm.Length]))
        {
            if (header.StartsWith("AWS4-", StringComparison.Ordinal))
            {
                AuthErrors.Throw(S3Errors.InvalidRequest, AuthErrors.UnsupportedMechanism);
            }

            AuthErrors.Throw(S3Errors.InvalidArgument, "Unsupported Authorization Type");
        }

        credential = default;
        signedHeaders = default;
        signature = default;
        var seen = 0;
        var rest = header[(Algorithm.Length + 1)..];
        foreach (var range in rest.Split(','))
        {
            var part = rest[range].Trim();
            if (part.IsEmpty)
            {
                continue;
            }

            if (part.StartsWith("Credential=", StringComparison.Ordinal) && (seen & 1) == 0)
            {
                credential = part["Credential=".Length..];
                seen |= 1;
            }
            else if (part.StartsWith("SignedHeaders=", StringComparison.Ordinal) && (seen & 2) == 0)
            {
                signedHeaders = part["SignedHeaders=".Length..];
                seen |= 2;
            }
            else if (part.StartsWith("Signature=", StringComparison.Ordinal) && (seen & 4) == 0)
            {
                signature = part["Signature=".Length..];
                seen |= 4;
            }
            else
            {
                AuthErrors.ThrowCredential(presigned: false, $"the authorization component \"{part}\" is malformed.");
            }
        }

        if (seen != 7)
        {
            AuthErrors.ThrowCredential(presigned: false, "the authorization header requires three components: Credential, SignedHeaders, and Signature.");
        }
    }

    /// <summary>Splits <c>AK/yyyyMMdd/region/s3/aws4_request</c> and checks the scope against this server.</summary>
    private void ParseCredential(ReadOnlySpan<char> credential, bool presigned, out ReadOnlySpan<char> accessKey, out ReadOnlySpan<char> scope, out ReadOnlySpan<char> date, out int dateNumber)
    {
        dateNumber = 0;
        const string Malformed = "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
        var slash = credential.IndexOf('/');
        if (slash <= 0)
        {
            AuthErrors.ThrowCredential(presigned, Malformed);
        }

        accessKey = credential[..slash];
        scope = credential[(slash + 1)..];
        Span<Range> parts = stackalloc Range[5];
        if (scope.Split(parts, '/') != 4)
        {
            AuthErrors.ThrowCredential(presigned, Malformed);
        }

        date = scope[parts[0]];
        var region = scope[parts[1]];
        var service = scope[parts[2]];
        var terminal = scope[parts[3]];
        if (date.Length != 8 || !int.TryParse(date, NumberStyles.None, CultureInfo.InvariantCulture, out dateNumber))
        {
            AuthErrors.ThrowCredential(presigned, $"incorrect date format \"{date}\". This date in the credential must be in the format \"yyyyMMdd\".");
        }

        if (!region.SequenceEqual(_region))
        {
            AuthErrors.ThrowCredential(presigned, $"the region '{region}' is wrong; expecting '{_region}'");
        }

        if (!service.SequenceEqual("s3"))
        {
            AuthErrors.ThrowCredential(presigned, $"incorrect service \"{service}\". This endpoint belongs to \"s3\".");
        }

        if (!terminal.SequenceEqual("aws4_request"))
        {
            AuthErrors.ThrowCredential(presigned, $"incorrect terminal \"{terminal}\". This endpoint uses \"aws4_request\".");
        }
    }

    private static string RequireParameter(in CanonicalQuery query, ReadOnlySpan<byte> name)
    {
        if (query.TryGetValue(name, out var value) != 1 || value is null)
        {
            throw new S3Exception(S3Errors.AuthorizationQueryParametersError, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
        }

        return value;
    }

    private static PayloadMode ParsePayloadMode(string payloadHash)
    {
        if (!PayloadHash.TryParseMode(payloadHash, out var mode))
        {
            AuthErrors.Throw(S3Errors.InvalidArgument, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
        }

        return mode;
    }

    /// <summary>
    /// Refuses a request that carries headers its signature does not cover (AccessDenied with <c>HeadersNotSigned</c>,
    /// as S3 answers): <c>host</c> always; with <paramref name="hostOnly"/> false also every <c>x-amz-*</c> header and
    /// Content-MD5. Otherwise the holder of a presigned PUT could add <c>x-amz-copy-source</c> and turn it into a copy
    /// of any object the signer can read, or set metadata, tags and storage class the signer never chose. Exempt is
    /// <c>x-amz-content-sha256</c>, whose value is the canonical request's payload hash and so is covered anyway.
    /// Headers outside <c>x-amz-*</c> (<c>x-amzn-trace-id</c>, <c>user-agent</c>, <c>expect</c>) are left to the client.
    /// </summary>
    private static void RequireSignedHeaders(HttpRequest request, ReadOnlySpan<char> signedHeaders, bool hostOnly)
    {
        if (hostOnly)
        {
            if (!IsSigned(signedHeaders, "host"))
            {
                ThrowHeadersNotSigned("host");
            }

            return;
        }

        List<string>? unsigned = null;
        foreach (var (name, _) in request.Headers)
        {
            if ((name.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) && !name.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase))
                || name.Equals("content-md5", StringComparison.OrdinalIgnoreCase))
            {
                if (!IsSigned(signedHeaders, name))
                {
                    (unsigned ??= []).Add(name.ToLowerInvariant());
                }
            }
        }

        if (unsigned is not null)
        {
            unsigned.Sort(StringComparer.Ordinal);
            ThrowHeadersNotSigned(string.Join(", ", unsigned));
        }
    }

    private static bool IsSigned(ReadOnlySpan<char> signedHeaders, ReadOnlySpan<char> name)
    {
        foreach (var range in signedHeaders.Split(';'))
        {
            if (signedHeaders[range].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowHeadersNotSigned(string names) =>
        throw new S3Exception(S3Errors.AccessDenied, "There were headers present in the request which were not signed")
        {
            Details = [new("HeadersNotSigned", names)],
        };

    private static bool TryParseAmzDate(ReadOnlySpan<char> value, out DateTimeOffset time)
        => DateTimeOffset.TryParseExact(value, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>Throws <c>RequestTimeTooSkewed</c> with S3's details.</summary>
    internal static void ThrowSkewed(DateTimeOffset requestTime, DateTimeOffset now)
    {
        throw new S3Exception(S3Errors.RequestTimeTooSkewed)
        {
            Details =
            [
                new("RequestTime", requestTime.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture)),
                new("ServerTime", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                new("MaxAllowedSkewMilliseconds", "900000"),
            ],
        };
    }

    /// <summary>The request target as sent (path and query, still percent-encoded).</summary>
    private static string GetRawTarget(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw))
        {
            return raw;
        }

        // No raw target (a host that does not set it): rebuild an encoded one from the decoded parts.
        return request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
    }

    private static void SplitTarget(ReadOnlySpan<char> target, out ReadOnlySpan<char> path, out ReadOnlySpan<char> query)
    {
        if (!target.IsEmpty && target[0] != '/')
        {
            // Absolute form (proxies): http://host/path?query.
            var scheme = target.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                var authority = target[(scheme + 3)..];
                var end = authority.IndexOfAny('/', '?');
                target = end < 0 ? [] : authority[end..];
            }
        }

        var question = target.IndexOf('?');
        path = question < 0 ? target : target[..question];
        query = question < 0 ? [] : target[(question + 1)..];
    }
}
