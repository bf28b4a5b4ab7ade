using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.Storage;
using Tessera.Store;

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
        var digests = RequestDigests.FromRequest(r, defaultAlgorithm);
        var (body, declaredLength, chunked) = RequestBody.Open(r);
        using var decoder = chunked;
        if (declaredLength is not { } length)
        {
            throw new S3Exception(S3Errors.MissingContentLength);
        }

        if (length > r.Services.Options.MaxObjectSize)
        {
            throw new S3Exception(S3Errors.EntityTooLarge);
        }

        using var hasher = digests.CreateHasher();
        SegmentManifest segment;
        try
        {
            segment = await SegmentWriter.WriteAsync(
                r.Store.Storage, r.Store.Buffers, r.Store.Storage.PolicyFor(storageClass, length), body, length, hasher, owner, s => trailer(s, Computed(hasher)), r.Aborted).ConfigureAwait(false);
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
            }

            return new Result(segment, digests.Verify(hasher, chunked));
        }
        catch
        {
            SegmentCleanup.Delete(r.Store.Storage, segment);
            throw;
        }
    }

    /// <summary>The additional checksum as computed (algorithm name, base64), or null; the hasher must be finished.</summary>
    internal static KeyValuePair<string, string>? Computed(ObjectHasher hasher) =>
        hasher.Checksum == ChecksumAlgorithm.None ? null : new(Checksums.Name(hasher.Checksum), Convert.ToBase64String(hasher.GetChecksum(hasher.GetSha256())!));
}
