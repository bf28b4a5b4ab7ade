using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.S3.Operations;

namespace Tessera.S3.Gateway;

/// <summary>
/// Maps a request to its AWS operation: bucket and key from the path (path-style) or the Host header
/// (virtual-hosted-style), then method and sub-resource. Sub-resources Tessera does not serve yet answer
/// 501 NotImplemented, never a wrong operation.
/// </summary>
internal static class S3Routing
{
    /// <summary>Query parameters that select a sub-resource (an operation other than the plain one).</summary>
    private static readonly string[] SubResources =
    [
        "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering",
        "inventory", "legal-hold", "lifecycle", "location", "logging", "metadataTable", "metrics", "notification",
        "object-lock", "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock", "replication",
        "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent", "uploadId", "uploads",
        "versioning", "versions", "website",
    ];

    /// <summary>
    /// The AWS operations <see cref="DispatchAsync"/> serves, with the handler type of each. DocsTests checks that
    /// docs/reference/s3-compatibility.md marks exactly these as supported and that every handler exists.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> Operations = new Dictionary<string, string>
    {
        ["ListBuckets"] = nameof(ListBuckets),
        ["CreateBucket"] = nameof(CreateBucket),
        ["HeadBucket"] = nameof(HeadBucket),
        ["DeleteBucket"] = nameof(DeleteBucket),
        ["GetBucketLocation"] = nameof(GetBucketLocation),
        ["GetBucketVersioning"] = nameof(BucketVersioning),
        ["PutBucketVersioning"] = nameof(BucketVersioning),
        ["ListObjectVersions"] = nameof(ListObjectVersions),
        ["CreateMultipartUpload"] = nameof(CreateMultipartUpload),
        ["UploadPart"] = nameof(UploadPart),
        ["UploadPartCopy"] = nameof(UploadPartCopy),
        ["CompleteMultipartUpload"] = nameof(CompleteMultipartUpload),
        ["AbortMultipartUpload"] = nameof(AbortMultipartUpload),
        ["ListParts"] = nameof(ListParts),
        ["ListMultipartUploads"] = nameof(ListMultipartUploads),
        ["ListObjects"] = nameof(ListObjects),
        ["ListObjectsV2"] = nameof(ListObjectsV2),
        ["DeleteObjects"] = nameof(DeleteObjects),
        ["PutObject"] = nameof(PutObject),
        ["PostObject"] = nameof(PostObject),
        ["GetObject"] = nameof(GetObject),
        ["HeadObject"] = nameof(GetObject),
        ["DeleteObject"] = nameof(DeleteObject),
        ["CopyObject"] = nameof(CopyObject),
        ["GetObjectTagging"] = nameof(ObjectTagging),
        ["PutObjectTagging"] = nameof(ObjectTagging),
        ["DeleteObjectTagging"] = nameof(ObjectTagging),
        ["GetBucketAcl"] = nameof(BucketConfiguration),
        ["PutBucketAcl"] = nameof(BucketConfiguration),
        ["GetObjectAcl"] = nameof(BucketConfiguration),
        ["PutObjectAcl"] = nameof(BucketConfiguration),
        ["GetBucketCors"] = nameof(BucketConfiguration),
        ["GetBucketPolicy"] = nameof(BucketConfiguration),
        ["GetBucketLifecycleConfiguration"] = nameof(BucketConfiguration),
        ["GetBucketEncryption"] = nameof(BucketConfiguration),
        ["GetBucketWebsite"] = nameof(BucketConfiguration),
        ["GetObjectLockConfiguration"] = nameof(BucketConfiguration),
        ["GetBucketReplication"] = nameof(BucketConfiguration),
        ["GetPublicAccessBlock"] = nameof(BucketConfiguration),
        ["GetBucketOwnershipControls"] = nameof(BucketConfiguration),
        ["GetBucketTagging"] = nameof(BucketConfiguration),
        ["GetBucketLogging"] = nameof(BucketConfiguration),
        ["GetBucketNotificationConfiguration"] = nameof(BucketConfiguration),
        ["GetBucketAccelerateConfiguration"] = nameof(BucketConfiguration),
        ["GetBucketRequestPayment"] = nameof(BucketConfiguration),
    };

    /// <summary>Sets <see cref="S3Request.Bucket"/> and <see cref="S3Request.Key"/> from the raw request target and Host.</summary>
    public static void ResolveAddress(S3Request request)
    {
        var raw = request.RawTarget;
        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var rawPath = q < 0 ? raw : raw[..q];
        if (!UriPath.TryDecode(rawPath, out var path) || !path.StartsWith('/'))
        {
            throw new S3Exception(S3Errors.InvalidURI);
        }

        var hostBucket = VirtualHostBucket(request.Request.Host.Host, request.Services.Options.Domains);
        if (hostBucket is not null)
        {
            request.Bucket = hostBucket;
            request.IsVirtualHosted = true;
            request.Key = path.Length > 1 ? path[1..] : null;
            return;
        }

        var rest = path.AsSpan(1);
        if (rest.IsEmpty)
        {
            return;
        }

        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            request.Bucket = rest.ToString();
            return;
        }

        request.Bucket = rest[..slash].ToString();
        var key = rest[(slash + 1)..];
        request.Key = key.IsEmpty ? null : key.ToString();
    }

    private static string? VirtualHostBucket(string host, IReadOnlyList<string> domains)
    {
        foreach (var domain in domains)
        {
            if (host.Length > domain.Length + 1
                && host.EndsWith(domain, StringComparison.OrdinalIgnoreCase)
                && host[host.Length - domain.Length - 1] == '.')
            {
                return host[..(host.Length - domain.Length - 1)];
            }
        }

        return null;
    }

    /// <summary>Runs the handler of the request's operation.</summary>
    public static Task DispatchAsync(S3Request r)
    {
        var method = r.Request.Method;
        if (r.Bucket is null)
        {
            return HttpMethods.IsGet(method) ? ListBuckets.HandleAsync(r) : throw new S3Exception(S3Errors.MethodNotAllowed);
        }

        CheckBucketName(r);
        if (r.Key is not null)
        {
            CheckKey(r);
        }

        if (r.Key is not null && r.HasQuery("uploadId"))
        {
            return method switch
            {
                _ when HttpMethods.IsPut(method) => r.Header("x-amz-copy-source") is null ? UploadPart.HandleAsync(r) : UploadPartCopy.HandleAsync(r),
                _ when HttpMethods.IsPost(method) => CompleteMultipartUpload.HandleAsync(r),
                _ when HttpMethods.IsDelete(method) => AbortMultipartUpload.HandleAsync(r),
                _ when HttpMethods.IsGet(method) => ListParts.HandleAsync(r),
                _ => throw new S3Exception(S3Errors.MethodNotAllowed),
            };
        }

        var sub = SubResource(r);
        return (r.Key, sub) switch
        {
            (null, null) when HttpMethods.IsPut(method) => CreateBucket.HandleAsync(r),
            (null, null) when HttpMethods.IsHead(method) => HeadBucket.HandleAsync(r),
            (null, null) when HttpMethods.IsDelete(method) => DeleteBucket.HandleAsync(r),
            (null, null) when HttpMethods.IsGet(method) => r.Query("list-type") == "2" ? ListObjectsV2.HandleAsync(r) : ListObjects.HandleAsync(r),
            (null, "location") when HttpMethods.IsGet(method) => GetBucketLocation.HandleAsync(r),
            (null, "versioning") when HttpMethods.IsGet(method) => BucketVersioning.GetAsync(r),
            (null, "versioning") when HttpMethods.IsPut(method) => BucketVersioning.PutAsync(r),
            (null, "versions") when HttpMethods.IsGet(method) => ListObjectVersions.HandleAsync(r),
            (null, "uploads") when HttpMethods.IsGet(method) => ListMultipartUploads.HandleAsync(r),
            (not null, "uploads") when HttpMethods.IsPost(method) => CreateMultipartUpload.HandleAsync(r),
            (null, "delete") when HttpMethods.IsPost(method) => DeleteObjects.HandleAsync(r),
            (not null, null) when HttpMethods.IsPut(method) =>
                r.Header("x-amz-copy-source") is null ? PutObject.HandleAsync(r) : CopyObject.HandleAsync(r),
            (not null, null or "partNumber") when HttpMethods.IsGet(method) || HttpMethods.IsHead(method) => GetObject.HandleAsync(r),
            (not null, null) when HttpMethods.IsDelete(method) => DeleteObject.HandleAsync(r),
            (not null, "tagging") when HttpMethods.IsGet(method) => ObjectTagging.GetAsync(r),
            (not null, "tagging") when HttpMethods.IsPut(method) => ObjectTagging.PutAsync(r),
            (not null, "tagging") when HttpMethods.IsDelete(method) => ObjectTagging.DeleteAsync(r),
            (not null, "acl") when HttpMethods.IsGet(method) => BucketConfiguration.GetObjectAclAsync(r),
            (_, "acl") when HttpMethods.IsPut(method) => BucketConfiguration.PutAclAsync(r),
            (null, not null) when HttpMethods.IsGet(method) && BucketConfiguration.Serves(sub) => BucketConfiguration.GetAsync(r, sub),
            _ when sub is not null => throw new S3Exception(S3Errors.NotImplemented, $"The '{sub}' sub-resource is not implemented for {method}."),
            _ => throw new S3Exception(S3Errors.MethodNotAllowed),
        };
    }

    /// <summary>
    /// InvalidBucketName for a name no bucket can have (empty, longer than 255, or a character outside S3's legacy
    /// set of letters, digits, dots, hyphens and underscores), before it reaches the index.
    /// </summary>
    internal static void CheckBucketName(S3Request r)
    {
        if (!BucketNames.IsAddressable(r.Bucket!))
        {
            throw r.Error(S3Errors.InvalidBucketName);
        }
    }

    /// <summary>KeyTooLongError past 1,024 UTF-8 bytes; InvalidArgument for a NUL.</summary>
    internal static void CheckKey(S3Request r)
    {
        var key = r.Key!;
        if (Encoding.UTF8.GetByteCount(key) > 1024)
        {
            throw r.Error(S3Errors.KeyTooLongError);
        }

        if (key.Contains('\0', StringComparison.Ordinal))
        {
            throw r.Error(S3Errors.InvalidArgument, "Object keys cannot contain the NUL character.");
        }
    }

    private static string? SubResource(S3Request r)
    {
        foreach (var name in SubResources)
        {
            if (r.HasQuery(name))
            {
                return name;
            }
        }

        return null;
    }
}
