using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.S3.Gateway;
using Tessera.S3.Operations;
using Tessera.Store;

namespace Tessera.S3.DataPath;

/// <summary>
/// A request body written through the store's one write path (<see cref="ObjectWriter"/>): opens the body (plain, or
/// aws-chunked with or without chunk signatures and trailers), hands it over with the digests it must match, and turns
/// a refusal into S3's error. The handlers only say what the bytes become (<see cref="WriteTarget"/>).
/// </summary>
internal static class ObjectUpload
{
    /// <summary>Writes the request's body to <paramref name="target"/>; throws S3's error for anything but a commit.</summary>
    /// <param name="r">The request whose body to write.</param>
    /// <param name="storageClass">The object's storage class, which picks the erasure policy.</param>
    /// <param name="target">What the bytes become.</param>
    /// <param name="defaultAlgorithm">The checksum to compute when the request names none (a multipart upload's).</param>
    public static async Task<WriteResult> WriteAsync(S3Request r, string storageClass, WriteTarget target, ChecksumAlgorithm defaultAlgorithm = ChecksumAlgorithm.None)
    {
        var digests = RequestDigests.FromRequest(r, defaultAlgorithm);
        var (body, declaredLength, chunked) = RequestBody.Open(r);
        using var decoder = chunked;
        if (declaredLength is not { } length)
        {
            if (r.Request.Headers.TransferEncoding.Count == 0)
            {
                throw new S3Exception(S3Errors.MissingContentLength);
            }

            // Transfer-Encoding: chunked without a length (HTTP libraries, proxies): spooled, then written as any PUT.
            await using var spool = BodySpool.Create();
            await BodySpool.FillAsync(body, spool, r.Services.Options.MaxObjectSize, r.Store.Buffers, null, r.Aborted).ConfigureAwait(false);
            return await CommitAsync(r, spool, spool.Length, storageClass, new RequestBodyCheck(digests, chunked), target).ConfigureAwait(false);
        }

        if (length > r.Services.Options.MaxObjectSize)
        {
            throw new S3Exception(S3Errors.EntityTooLarge);
        }

        return await CommitAsync(r, body, length, storageClass, new RequestBodyCheck(digests, chunked), target).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="length"/> bytes of <paramref name="source"/>; throws S3's error for anything but a commit.</summary>
    public static async Task<WriteResult> CommitAsync(S3Request r, Stream source, long length, string storageClass, IBodyCheck check, WriteTarget target)
    {
        WriteResult result;
        try
        {
            result = await r.Services.Writer.WriteAsync(source, length, storageClass, check, target, r.Aborted).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new S3Exception(S3Errors.IncompleteBody);
        }

        return result.Outcome switch
        {
            WriteOutcome.Committed => result,
            WriteOutcome.NoSuchBucket => throw r.Error(S3Errors.NoSuchBucket),
            WriteOutcome.NoSuchUpload => throw MultipartRequest.NoSuchUpload(((PartTarget)target).UploadId),
            _ => throw ConditionFailed(r, ((VersionTarget)target).Condition),
        };
    }

    /// <summary>
    /// The error of a write whose condition failed: If-Match on a key that has no current version is 404 NoSuchKey, as
    /// S3 answers; anything else 412 PreconditionFailed.
    /// </summary>
    public static S3Exception ConditionFailed(S3Request r, Tessera.Index.WriteCondition condition) =>
        condition.IfMatchETag is not null && r.Store.Index.GetObject(r.Bucket, r.Key, null) is null
            ? r.Error(S3Errors.NoSuchKey)
            : new S3Exception(S3Errors.PreconditionFailed);
}
