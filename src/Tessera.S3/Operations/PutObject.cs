using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.DataPath;
using Tessera.S3.Gateway;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// PutObject: <c>PUT /bucket/key</c>. The body goes through the store's one write path (<see cref="ObjectWriter"/>):
/// fragments, digests, durable fragments, then one atomic, synced index write that makes the version visible and
/// decides If-None-Match: * and If-Match.
/// </summary>
internal static class PutObject
{
    public static async Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var condition = Conditions(r);
        var template = ObjectHeaders.WithRequestAttributes(new ObjectManifest { Key = r.Key, VersionId = r.NewVersionId(bucket) }, r) with
        {
            Owner = r.User.AccessKey,
            Tags = ObjectHeaders.ParseTaggingHeader(r.Header("x-amz-tagging")),
        };
        var written = await ObjectUpload.WriteAsync(r, template.StorageClass, new VersionTarget(bucket.Name, template, condition)).ConfigureAwait(false);
        var stored = written.Version!;
        r.Response.StatusCode = 200;
        r.Response.Headers.ETag = "\"" + stored.ETag + "\"";
        if (written.Checksum is { } checksum)
        {
            r.Response.Headers["x-amz-checksum-" + checksum.Key.ToLowerInvariant()] = checksum.Value;
        }

        r.SetVersionHeader(bucket, stored.VersionId);
        BucketLifecycle.ExpirationHeader(r, bucket, stored);
        r.Response.ContentLength = 0;
    }

    /// <summary>If-None-Match: * and If-Match, decided by the index with the commit.</summary>
    internal static WriteCondition Conditions(S3Request r)
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
