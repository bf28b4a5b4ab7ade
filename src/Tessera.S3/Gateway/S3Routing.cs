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
    /// The handler of each operation. DocsTests checks that every <see cref="S3Operation"/> has one, and that
    /// docs/reference/s3-compatibility.md marks exactly these as supported.
    /// </summary>
    internal static readonly IReadOnlyDictionary<S3Operation, Func<S3Request, Task>> Handlers = new Dictionary<S3Operation, Func<S3Request, Task>>
    {
        [S3Operation.ListBuckets] = ListBuckets.HandleAsync,
        [S3Operation.CreateBucket] = CreateBucket.HandleAsync,
        [S3Operation.HeadBucket] = HeadBucket.HandleAsync,
        [S3Operation.DeleteBucket] = DeleteBucket.HandleAsync,
        [S3Operation.GetBucketLocation] = GetBucketLocation.HandleAsync,
        [S3Operation.GetBucketVersioning] = BucketVersioning.GetAsync,
        [S3Operation.PutBucketVersioning] = BucketVersioning.PutAsync,
        [S3Operation.ListObjectVersions] = ListObjectVersions.HandleAsync,
        [S3Operation.CreateMultipartUpload] = CreateMultipartUpload.HandleAsync,
        [S3Operation.UploadPart] = UploadPart.HandleAsync,
        [S3Operation.UploadPartCopy] = UploadPartCopy.HandleAsync,
        [S3Operation.CompleteMultipartUpload] = CompleteMultipartUpload.HandleAsync,
        [S3Operation.AbortMultipartUpload] = AbortMultipartUpload.HandleAsync,
        [S3Operation.ListParts] = ListParts.HandleAsync,
        [S3Operation.ListMultipartUploads] = ListMultipartUploads.HandleAsync,
        [S3Operation.ListObjects] = ListObjects.HandleAsync,
        [S3Operation.ListObjectsV2] = ListObjectsV2.HandleAsync,
        [S3Operation.DeleteObjects] = DeleteObjects.HandleAsync,
        [S3Operation.PutObject] = PutObject.HandleAsync,
        [S3Operation.PostObject] = PostObject.HandleAsync,
        [S3Operation.GetObject] = GetObject.HandleAsync,
        [S3Operation.HeadObject] = GetObject.HandleAsync,
        [S3Operation.GetObjectAttributes] = GetObjectAttributes.HandleAsync,
        [S3Operation.DeleteObject] = DeleteObject.HandleAsync,
        [S3Operation.CopyObject] = CopyObject.HandleAsync,
        [S3Operation.GetObjectTagging] = ObjectTagging.GetAsync,
        [S3Operation.PutObjectTagging] = ObjectTagging.PutAsync,
        [S3Operation.DeleteObjectTagging] = ObjectTagging.DeleteAsync,
        [S3Operation.GetBucketAcl] = static r => BucketConfiguration.GetAsync(r, "acl"),
        [S3Operation.PutBucketAcl] = BucketConfiguration.PutAclAsync,
        [S3Operation.GetObjectAcl] = BucketConfiguration.GetObjectAclAsync,
        [S3Operation.PutObjectAcl] = BucketConfiguration.PutAclAsync,
        [S3Operation.GetBucketCors] = static r => BucketConfiguration.GetAsync(r, "cors"),
        [S3Operation.GetBucketPolicy] = static r => BucketConfiguration.GetAsync(r, "policy"),
        [S3Operation.GetBucketLifecycleConfiguration] = BucketLifecycle.GetAsync,
        [S3Operation.PutBucketLifecycleConfiguration] = BucketLifecycle.PutAsync,
        [S3Operation.DeleteBucketLifecycle] = BucketLifecycle.DeleteAsync,
        [S3Operation.RestoreObject] = RestoreObject.HandleAsync,
        [S3Operation.GetBucketEncryption] = static r => BucketConfiguration.GetAsync(r, "encryption"),
        [S3Operation.GetBucketWebsite] = static r => BucketConfiguration.GetAsync(r, "website"),
        [S3Operation.GetObjectLockConfiguration] = static r => BucketConfiguration.GetAsync(r, "object-lock"),
        [S3Operation.GetBucketReplication] = static r => BucketConfiguration.GetAsync(r, "replication"),
        [S3Operation.GetPublicAccessBlock] = static r => BucketConfiguration.GetAsync(r, "publicAccessBlock"),
        [S3Operation.GetBucketOwnershipControls] = static r => BucketConfiguration.GetAsync(r, "ownershipControls"),
        [S3Operation.GetBucketTagging] = static r => BucketConfiguration.GetAsync(r, "tagging"),
        [S3Operation.GetBucketLogging] = static r => BucketConfiguration.GetAsync(r, "logging"),
        [S3Operation.GetBucketNotificationConfiguration] = static r => BucketConfiguration.GetAsync(r, "notification"),
        [S3Operation.GetBucketAccelerateConfiguration] = static r => BucketConfiguration.GetAsync(r, "accelerate"),
        [S3Operation.GetBucketRequestPayment] = static r => BucketConfiguration.GetAsync(r, "requestPayment"),
    };

    /// <summary>The bucket GET sub-resources answered with their never-configured state, and their operations.</summary>
    private static readonly Dictionary<string, S3Operation> BucketGets = new(StringComparer.Ordinal)
    {
        ["acl"] = S3Operation.GetBucketAcl,
        ["cors"] = S3Operation.GetBucketCors,
        ["policy"] = S3Operation.GetBucketPolicy,
        ["lifecycle"] = S3Operation.GetBucketLifecycleConfiguration,
        ["encryption"] = S3Operation.GetBucketEncryption,
        ["website"] = S3Operation.GetBucketWebsite,
        ["object-lock"] = S3Operation.GetObjectLockConfiguration,
        ["replication"] = S3Operation.GetBucketReplication,
        ["publicAccessBlock"] = S3Operation.GetPublicAccessBlock,
        ["ownershipControls"] = S3Operation.GetBucketOwnershipControls,
        ["tagging"] = S3Operation.GetBucketTagging,
        ["logging"] = S3Operation.GetBucketLogging,
        ["notification"] = S3Operation.GetBucketNotificationConfiguration,
        ["accelerate"] = S3Operation.GetBucketAccelerateConfiguration,
        ["requestPayment"] = S3Operation.GetBucketRequestPayment,
    };

    /// <summary>Sets <see cref="S3Request.RequestedBucket"/> and <see cref="S3Request.RequestedKey"/> from the raw request target and Host.</summary>
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
            request.RequestedBucket = hostBucket;
            request.IsVirtualHosted = true;
            request.RequestedKey = path.Length > 1 ? path[1..] : null;
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
            request.RequestedBucket = rest.ToString();
            return;
        }

        request.RequestedBucket = rest[..slash].ToString();
        var key = rest[(slash + 1)..];
        request.RequestedKey = key.IsEmpty ? null : key.ToString();
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

    /// <summary>
    /// The operation a request asks for, from its method, bucket, key and sub-resource (bucket and key checked
    /// first). A sub-resource Tessera does not serve is 501 NotImplemented, a method an address does not take 405
    /// MethodNotAllowed: never a wrong operation.
    /// </summary>
    public static S3Operation Resolve(S3Request r)
    {
        var method = r.Request.Method;
        if (r.RequestedBucket is null)
        {
            return HttpMethods.IsGet(method) ? S3Operation.ListBuckets : throw new S3Exception(S3Errors.MethodNotAllowed);
        }

        CheckBucketName(r);
        var hasKey = r.RequestedKey is not null;
        if (hasKey)
        {
            CheckKey(r);
        }

        if (hasKey && r.HasQuery("uploadId"))
        {
            return method switch
            {
                _ when HttpMethods.IsPut(method) => r.Header("x-amz-copy-source") is null ? S3Operation.UploadPart : S3Operation.UploadPartCopy,
                _ when HttpMethods.IsPost(method) => S3Operation.CompleteMultipartUpload,
                _ when HttpMethods.IsDelete(method) => S3Operation.AbortMultipartUpload,
                _ when HttpMethods.IsGet(method) => S3Operation.ListParts,
                _ => throw new S3Exception(S3Errors.MethodNotAllowed),
            };
        }

        var sub = SubResource(r);
        return (hasKey, sub) switch
        {
            (false, null) when HttpMethods.IsPut(method) => S3Operation.CreateBucket,
            (false, null) when HttpMethods.IsHead(method) => S3Operation.HeadBucket,
            (false, null) when HttpMethods.IsDelete(method) => S3Operation.DeleteBucket,
            (false, null) when HttpMethods.IsGet(method) => r.Query("list-type") == "2" ? S3Operation.ListObjectsV2 : S3Operation.ListObjects,
            (false, "location") when HttpMethods.IsGet(method) => S3Operation.GetBucketLocation,
            (false, "versioning") when HttpMethods.IsGet(method) => S3Operation.GetBucketVersioning,
            (false, "versioning") when HttpMethods.IsPut(method) => S3Operation.PutBucketVersioning,
            (false, "versions") when HttpMethods.IsGet(method) => S3Operation.ListObjectVersions,
            (false, "uploads") when HttpMethods.IsGet(method) => S3Operation.ListMultipartUploads,
            (true, "uploads") when HttpMethods.IsPost(method) => S3Operation.CreateMultipartUpload,
            (false, "delete") when HttpMethods.IsPost(method) => S3Operation.DeleteObjects,
            (true, null) when HttpMethods.IsPut(method) => r.Header("x-amz-copy-source") is null ? S3Operation.PutObject : S3Operation.CopyObject,
            (true, null or "partNumber") when HttpMethods.IsGet(method) => S3Operation.GetObject,
            (true, null or "partNumber") when HttpMethods.IsHead(method) => S3Operation.HeadObject,
            (true, null) when HttpMethods.IsDelete(method) => S3Operation.DeleteObject,
            (true, "attributes") when HttpMethods.IsGet(method) => S3Operation.GetObjectAttributes,
            (true, "restore") when HttpMethods.IsPost(method) => S3Operation.RestoreObject,
            (true, "tagging") when HttpMethods.IsGet(method) => S3Operation.GetObjectTagging,
            (true, "tagging") when HttpMethods.IsPut(method) => S3Operation.PutObjectTagging,
            (true, "tagging") when HttpMethods.IsDelete(method) => S3Operation.DeleteObjectTagging,
            (true, "acl") when HttpMethods.IsGet(method) => S3Operation.GetObjectAcl,
            (true, "acl") when HttpMethods.IsPut(method) => S3Operation.PutObjectAcl,
            (false, "acl") when HttpMethods.IsPut(method) => S3Operation.PutBucketAcl,
            (false, "lifecycle") when HttpMethods.IsPut(method) => S3Operation.PutBucketLifecycleConfiguration,
            (false, "lifecycle") when HttpMethods.IsDelete(method) => S3Operation.DeleteBucketLifecycle,
            (false, not null) when HttpMethods.IsGet(method) && BucketGets.TryGetValue(sub, out var get) => get,
            _ when sub is not null => throw new S3Exception(S3Errors.NotImplemented, $"The '{sub}' sub-resource is not implemented for {method}."),
            _ => throw new S3Exception(S3Errors.MethodNotAllowed),
        };
    }

    /// <summary>Runs the handler of <paramref name="operation"/>.</summary>
    public static Task DispatchAsync(S3Request r, S3Operation operation) => Handlers[operation](r);

    /// <summary>
    /// InvalidBucketName for a name no bucket can have (empty, longer than 255, or a character outside S3's legacy
    /// set of letters, digits, dots, hyphens and underscores), before it reaches the index.
    /// </summary>
    internal static void CheckBucketName(S3Request r)
    {
        if (!BucketNames.IsAddressable(r.Bucket))
        {
            throw r.Error(S3Errors.InvalidBucketName);
        }
    }

    /// <summary>KeyTooLongError past 1,024 UTF-8 bytes; InvalidArgument for a NUL.</summary>
    internal static void CheckKey(S3Request r)
    {
        var key = r.Key;
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
