using System.Globalization;
using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.Auth;
using Tessera.S3.Gateway;
using Tessera.Storage;

namespace Tessera.S3.DataPath;

/// <summary>
/// Receives a request body as a new segment: picks the body decoder (plain, or aws-chunked with or without chunk
/// signatures and trailers), streams it through the hashes into <see cref="SegmentWriter"/>, then checks every
/// digest the client sent (Content-MD5, x-amz-checksum-*, x-amz-content-sha256). A body that fails a check has
/// its fragments deleted before the error goes out; nothing is committed to the index here.
/// </summary>
internal static class ObjectUpload
{
    /// <summary>The segment written and the verified additional checksum (algorithm name, base64), if any.</summary>
    public sealed record Result(SegmentManifest Segment, KeyValuePair<string, string>? Checksum);

    /// <param name="r">The request whose body to receive.</param>
    /// <param name="owner">The object version (or upload part) the segment belongs to.</param>
    /// <param name="storageClass">The object's storage class, which picks the erasure policy.</param>
    /// <param name="trailer">
    /// Builds the fragments' trailer (the recovery record) from the segment without disks and the computed additional
    /// checksum, once the whole body is hashed and before the fragments commit.
    /// </param>
    /// <param name="defaultAlgorithm">The checksum to compute when the request names none (a multipart upload's).</param>
    public static async Task<Result> ReceiveAsync(
        S3Request r, SegmentOwner owner, string storageClass, Func<SegmentManifest, KeyValuePair<string, string>?, byte[]> trailer, ChecksumAlgorithm defaultAlgorithm = ChecksumAlgorithm.None)
    {
        var (body, length, chunked) = OpenBody(r);
        if (length > r.Services.Options.MaxObjectSize)
        {
            throw new S3Exception(S3Errors.EntityTooLarge);
        }

        var expectedMd5 = ParseContentMd5(r.Header("Content-MD5"));
        var (algorithm, expectedChecksum) = ExpectedChecksum(r);
        if (algorithm == ChecksumAlgorithm.None)
        {
            algorithm = defaultAlgorithm;
        }
        using var hasher = new ObjectHasher(algorithm, payloadSha256: r.Auth.Mode == PayloadMode.Sha256);
        SegmentManifest segment;
        try
        {
            segment = await SegmentWriter.WriteAsync(
                r.Services.Storage, r.Services.Storage.PolicyFor(storageClass, length), body, length, hasher, owner, s => trailer(s, Computed(hasher)), r.Aborted).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new S3Exception(S3Errors.IncompleteBody);
        }

        try
        {
            if (chunked is not null)
            {
                // Drive the decoder through the final chunk so the trailer (and its signature) is read and checked.
                var probe = new byte[1];
                if (await chunked.ReadAsync(probe, r.Aborted).ConfigureAwait(false) != 0)
                {
                    throw new S3Exception(S3Errors.IncompleteBody, "The request body is longer than x-amz-decoded-content-length.");
                }

                if (algorithm != ChecksumAlgorithm.None && expectedChecksum is null
                    && chunked.Trailers.TryGetValue(Checksums.HeaderName(algorithm), out var trailerValue))
                {
                    expectedChecksum = trailerValue;
                }
            }

            var md5 = Convert.FromHexString(segment.ETag);
            if (expectedMd5 is not null && !md5.AsSpan().SequenceEqual(expectedMd5))
            {
                throw new S3Exception(S3Errors.BadDigest);
            }

            var sha256 = hasher.GetSha256();
            if (r.Auth.Mode == PayloadMode.Sha256 && !string.Equals(Convert.ToHexStringLower(sha256!), r.Auth.PayloadSha256Hex, StringComparison.OrdinalIgnoreCase))
            {
                throw new S3Exception(S3Errors.XAmzContentSHA256Mismatch);
            }

            KeyValuePair<string, string>? checksum = null;
            if (algorithm != ChecksumAlgorithm.None)
            {
                var actual = Convert.ToBase64String(hasher.GetChecksum(sha256)!);
                if (expectedChecksum is not null && expectedChecksum != actual)
                {
                    throw new S3Exception(S3Errors.BadDigest, $"The {Checksums.Name(algorithm)} you specified did not match the calculated checksum.");
                }

                checksum = new(Checksums.Name(algorithm), actual);
            }

            return new Result(segment, checksum);
        }
        catch
        {
            SegmentCleanup.Delete(r.Services.Storage, segment);
            throw;
        }
    }

    /// <summary>The additional checksum as computed (algorithm name, base64), or null; the hasher must be finished.</summary>
    internal static KeyValuePair<string, string>? Computed(ObjectHasher hasher) =>
        hasher.Checksum == ChecksumAlgorithm.None ? null : new(Checksums.Name(hasher.Checksum), Convert.ToBase64String(hasher.GetChecksum(hasher.GetSha256())!));

    private static (Stream Body, long Length, AwsChunkedStream? Chunked) OpenBody(S3Request r)
    {
        if (r.Auth.Mode is PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer or PayloadMode.StreamingUnsignedTrailer)
        {
            var decoded = r.Header("x-amz-decoded-content-length");
            if (decoded is null)
            {
                throw new S3Exception(S3Errors.MissingContentLength);
            }

            if (!long.TryParse(decoded, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw new S3Exception(S3Errors.InvalidArgument, "x-amz-decoded-content-length is not a number.");
            }

            var chunked = new AwsChunkedStream(r.Request.Body, r.Auth, r.Header("x-amz-trailer"), length);
            return (chunked, length, chunked);
        }

        if (r.Request.ContentLength is not { } contentLength)
        {
            throw new S3Exception(S3Errors.MissingContentLength);
        }

        return (r.Request.Body, contentLength, null);
    }

    private static byte[]? ParseContentMd5(string? header)
    {
        if (header is null)
        {
            return null;
        }

        try
        {
            var md5 = Convert.FromBase64String(header);
            return md5.Length == 16 ? md5 : throw new S3Exception(S3Errors.InvalidDigest);
        }
        catch (FormatException)
        {
            throw new S3Exception(S3Errors.InvalidDigest);
        }
    }

    /// <summary>The checksum the client declared: a value header, a trailer to come, or just an algorithm.</summary>
    private static (ChecksumAlgorithm Algorithm, string? Expected) ExpectedChecksum(S3Request r)
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
                var length = Checksums.DigestLength(a);
                if (!IsBase64OfLength(expected, length))
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
