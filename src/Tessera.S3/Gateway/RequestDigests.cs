using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.S3.Auth;

namespace Tessera.S3.Gateway;

/// <summary>
/// The digests a request declares for its body: Content-MD5, at most one <c>x-amz-checksum-*</c> (its value in a
/// header, or in the aws-chunked trailer, or only its algorithm), and the SHA-256 the signature covers
/// (<c>x-amz-content-sha256</c>). Parsed once from the headers (malformed values are refused before any byte of the
/// body is read); <see cref="Verify"/> checks them all against what was received. Every request body goes through
/// one: object data and XML documents alike, so a signature over a body hash or a Content-MD5 binds that body.
/// </summary>
internal sealed class RequestDigests
{
    private RequestDigests(byte[]? md5, ChecksumAlgorithm algorithm, string? checksum, string? sha256Hex)
    {
        Md5 = md5;
        Algorithm = algorithm;
        ExpectedChecksum = checksum;
        PayloadSha256Hex = sha256Hex;
    }

    /// <summary>The Content-MD5 digest the client sent, or null.</summary>
    public byte[]? Md5 { get; }

    /// <summary>The additional checksum to compute and, where a value comes, to check.</summary>
    public ChecksumAlgorithm Algorithm { get; }

    /// <summary>The additional checksum's value from a header (base64), or null (none, or it comes in the trailer).</summary>
    public string? ExpectedChecksum { get; }

    /// <summary>The signed payload SHA-256 (lower-case hex) in <see cref="PayloadMode.Sha256"/>, else null.</summary>
    public string? PayloadSha256Hex { get; }

    /// <summary>Whether the client sent a value that binds the body: Content-MD5, a checksum value or trailer, or a signed SHA-256.</summary>
    public bool BindsBody(S3Request r) =>
        Md5 is not null || ExpectedChecksum is not null || PayloadSha256Hex is not null
        || (Algorithm != ChecksumAlgorithm.None && Checksums.TryParseHeader(r.Header("x-amz-trailer"), out _));

    /// <summary>Reads the declared digests from <paramref name="r"/>'s headers (InvalidDigest, InvalidRequest on malformed values).</summary>
    /// <param name="r">The request.</param>
    /// <param name="defaultAlgorithm">The checksum to compute when the request names none (a multipart upload's).</param>
    public static RequestDigests FromRequest(S3Request r, ChecksumAlgorithm defaultAlgorithm = ChecksumAlgorithm.None)
    {
        var md5 = ParseContentMd5(r.Header("Content-MD5"));
        var (algorithm, expected) = ExpectedChecksumOf(r);
        if (algorithm == ChecksumAlgorithm.None)
        {
            algorithm = defaultAlgorithm;
        }

        return new RequestDigests(md5, algorithm, expected, r.Auth.Mode == PayloadMode.Sha256 ? r.Auth.PayloadSha256Hex : null);
    }

    /// <summary>A hasher computing everything <see cref="Verify"/> needs.</summary>
    public ObjectHasher CreateHasher() => new(Algorithm, payloadSha256: PayloadSha256Hex is not null);

    /// <summary>
    /// Checks the finished <paramref name="hasher"/> against every declared digest: BadDigest for Content-MD5 or a
    /// checksum, XAmzContentSHA256Mismatch for the signed hash. <paramref name="chunked"/>, read to its end, supplies
    /// a checksum sent as a trailer. Returns the computed additional checksum (algorithm name, base64), if any.
    /// </summary>
    public KeyValuePair<string, string>? Verify(ObjectHasher hasher, AwsChunkedStream? chunked)
    {
        // The signed hash first: a body that is not the one signed is that, whatever else it fails.
        var sha256 = hasher.GetSha256();
        if (PayloadSha256Hex is not null && !string.Equals(Convert.ToHexStringLower(sha256!), PayloadSha256Hex, StringComparison.OrdinalIgnoreCase))
        {
            throw new S3Exception(S3Errors.XAmzContentSHA256Mismatch);
        }

        if (Md5 is not null && !hasher.GetMd5().AsSpan().SequenceEqual(Md5))
        {
            throw new S3Exception(S3Errors.BadDigest);
        }

        if (Algorithm == ChecksumAlgorithm.None)
        {
            return null;
        }

        var expected = ExpectedChecksum;
        if (expected is null && chunked is not null && chunked.Trailers.TryGetValue(Checksums.HeaderName(Algorithm), out var trailer))
        {
            expected = trailer;
        }

        var actual = Convert.ToBase64String(hasher.GetChecksum(sha256)!);
        if (expected is not null && expected != actual)
        {
            throw new S3Exception(S3Errors.BadDigest, $"The {Checksums.Name(Algorithm)} you specified did not match the calculated checksum.");
        }

        return new(Checksums.Name(Algorithm), actual);
    }

    private static byte[]? ParseContentMd5(string? header)
    {
        if (header is null)
        {
            return null;
        }

        var md5 = new byte[16];
        return Convert.TryFromBase64String(header.Trim(), md5, out var written) && written == 16
            ? md5
            : throw new S3Exception(S3Errors.InvalidDigest);
    }

    /// <summary>The checksum the client declared: a value header, a trailer to come, or just an algorithm.</summary>
    private static (ChecksumAlgorithm Algorithm, string? Expected) ExpectedChecksumOf(S3Request r)
    {
        var algorithm = ChecksumAlgorithm.None;
        string? expected = null;
        foreach (var (name, value) in r.Request.Headers)
        {
            if (Checksums.TryParseHeader(name, out var a))
            {
                if (algorithm != ChecksumAlgorithm.None)
                {
                    throw new S3Exception(S3Errors.InvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
                }

                algorithm = a;
                expected = value.ToString();
                if (!IsBase64OfLength(expected, Checksums.DigestLength(a)))
                {
                    throw new S3Exception(S3Errors.InvalidRequest, $"Value for x-amz-checksum-{Checksums.Name(a).ToLowerInvariant()} header is invalid.");
                }
            }
        }

        if (algorithm == ChecksumAlgorithm.None && Checksums.TryParseHeader(r.Header("x-amz-trailer"), out var trailer))
        {
            algorithm = trailer;
        }

        if (algorithm == ChecksumAlgorithm.None)
        {
            var declared = r.Header("x-amz-sdk-checksum-algorithm") ?? r.Header("x-amz-checksum-algorithm");
            if (declared is not null && !Checksums.TryParse(declared, out algorithm))
            {
                throw new S3Exception(S3Errors.InvalidRequest, "Value for x-amz-checksum-algorithm header is invalid.");
            }
        }

        return (algorithm, expected);
    }

    private static bool IsBase64OfLength(string value, int length)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(value, buffer, out var written) && written == length;
    }
}
