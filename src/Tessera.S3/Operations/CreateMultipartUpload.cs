using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// CreateMultipartUpload: <c>POST /bucket/key?uploads</c>. Records the upload with the object's attributes (content
/// headers, metadata, tags, storage class, checksum algorithm) as a template manifest; parts follow.
/// </summary>
internal static class CreateMultipartUpload
{
    public static async Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var template = ObjectHeaders.WithRequestAttributes(new ObjectManifest { Key = r.Key, VersionId = "null" }, r);
        var algorithm = ChecksumAlgorithm.None;
        if (r.Header("x-amz-checksum-algorithm") is { } declared && !Checksums.TryParse(declared, out algorithm))
        {
            throw new S3Exception(S3Errors.InvalidRequest, "Value for x-amz-checksum-algorithm header is invalid.");
        }

        // The template records the algorithm and the checksum type the completion will compute.
        var type = ChecksumTypes.Resolve(algorithm, r.Header("x-amz-checksum-type"));
        template = template with
        {
            Tags = ObjectHeaders.ParseTaggingHeader(r.Header("x-amz-tagging")),
            Owner = r.User.AccessKey,
            Checksums = algorithm == ChecksumAlgorithm.None ? [] : [new(Checksums.Name(algorithm), type!)],
        };
        RequireUploadCapacity(r);
        var uploadId = VersionIds.New(r.Store.Time.GetUtcNow());
        var upload = new MultipartUpload(bucket.Name, r.Key, uploadId, r.Store.Time.GetUtcNow(), r.User.AccessKey, template);
        if (!r.Store.Index.CreateUpload(upload))
        {
            throw r.Error(S3Errors.NoSuchBucket);
        }

        if (algorithm != ChecksumAlgorithm.None)
        {
            r.Response.Headers["x-amz-checksum-algorithm"] = Checksums.Name(algorithm);
            r.Response.Headers["x-amz-checksum-type"] = type;
        }

        await S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("InitiateMultipartUploadResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", bucket.Name);
            w.WriteElementString("Key", r.Key);
            w.WriteElementString("UploadId", uploadId);
            w.WriteEndElement();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// SlowDown when the caller already has <see cref="S3Options.MaxMultipartUploadsPerUser"/> uploads in progress
    /// (in the buckets they own, where their uploads live): each holds index entries and, once parts arrive,
    /// fragments, until it is completed or aborted. Counted from the index, stopping at the cap, so the count holds
    /// across restarts.
    /// </summary>
    private static void RequireUploadCapacity(S3Request r)
    {
        var cap = r.Services.Options.MaxMultipartUploadsPerUser;
        if (cap <= 0)
        {
            return;
        }

        var count = 0;
        foreach (var owned in r.Store.Index.ListBuckets().Where(b => b.Owner == r.User.AccessKey))
        {
            string? keyMarker = null, uploadIdMarker = null;
            do
            {
                var page = r.Store.Index.ListUploads(owned.Name, new ListUploadsQuery("", null, keyMarker, uploadIdMarker, Math.Min(1000, cap - count)));
                count += page.Uploads.Count(u => u.Owner == r.User.AccessKey);
                if (count >= cap)
                {
                    throw new S3Exception(S3Errors.SlowDown, $"You have {cap} multipart uploads in progress, the most allowed; complete or abort some first.");
                }

                if (!page.IsTruncated)
                {
                    break;
                }

                (keyMarker, uploadIdMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
            }
            while (true);
        }
    }
}
