using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.DataPath;
using Tessera.Store;
using Tessera.S3.Gateway;
using Tessera.Storage;

namespace Tessera.S3.Operations;

/// <summary>
/// PutObject: <c>PUT /bucket/key</c>. Fragments are written and made durable first; only then does one atomic,
/// synced index write make the version visible. If-None-Match: * and If-Match are decided by that same write.
/// </summary>
internal static class PutObject
{
    public static async Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var condition = Conditions(r);
        var tags = ObjectHeaders.ParseTaggingHeader(r.Header("x-amz-tagging"));
        var versionId = r.NewVersionId(bucket);
        var template = ObjectHeaders.WithRequestAttributes(new ObjectManifest { Key = r.Key!, VersionId = versionId }, r);
        ObjectManifest? recorded = null;
        var upload = await ObjectUpload.ReceiveAsync(r, new SegmentOwner(bucket.Name, r.Key!, versionId, 0), template.StorageClass, (segment, checksum) =>
        {
            // The fragments carry exactly the manifest that is committed (but its disks): same time, same checksum.
            recorded = template with
            {
                Size = segment.Size,
                ETag = segment.ETag,
                LastModified = r.Store.Time.GetUtcNow(),
                Owner = r.User.AccessKey,
                Tags = tags,
                Checksums = checksum is { } c ? [c] : [],
                Segments = [segment],
            };
            return RecoveryRecord.ForVersion(bucket.Name, recorded).ToBytes();
        }).ConfigureAwait(false);
        var manifest = recorded! with { Segments = [upload.Segment] };
        var stored = Commit(r, manifest, condition, upload.Segment);
        r.Response.StatusCode = 200;
        r.Response.Headers.ETag = "\"" + stored.ETag + "\"";
        if (upload.Checksum is { } checksum)
        {
            r.Response.Headers["x-amz-checksum-" + checksum.Key.ToLowerInvariant()] = checksum.Value;
        }

        r.SetVersionHeader(bucket, stored.VersionId);
        r.Response.ContentLength = 0;
    }

    /// <summary>Commits a written version, removing its fragments again when the index refuses it.</summary>
    public static ObjectManifest Commit(S3Request r, ObjectManifest manifest, WriteCondition condition, SegmentManifest segment)
    {
        var result = r.Store.Index.PutObject(r.Bucket!, manifest, condition);
        if (result.Status == PutObjectStatus.Committed)
        {
            return result.Stored ?? manifest;
        }

        SegmentCleanup.Delete(r.Store.Storage, segment);
        throw result.Status == PutObjectStatus.NoSuchBucket ? r.Error(S3Errors.NoSuchBucket) : new S3Exception(S3Errors.PreconditionFailed);
    }

    private static WriteCondition Conditions(S3Request r)
    {
        var ifNoneMatch = r.Header("If-None-Match");
        if (ifNoneMatch is not null && ifNoneMatch.Trim() != "*")
        {
            throw new S3Exception(S3Errors.NotImplemented, "If-None-Match on PutObject supports only '*'.");
        }

        var ifMatch = r.Header("If-Match");
        return new WriteCondition(ifNoneMatch is not null, ifMatch?.Trim().Trim('"'));
    }
}
