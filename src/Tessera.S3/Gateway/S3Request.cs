using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Auth;
using Tessera.S3.Users;
using Tessera.Store;

namespace Tessera.S3.Gateway;

/// <summary>One S3 request as the handlers see it: addressing resolved, caller authenticated.</summary>
internal sealed class S3Request
{
    public S3Request(HttpContext http, S3Services services, string requestId)
    {
        Http = http;
        Services = services;
        RequestId = requestId;
    }

    /// <summary>The HTTP exchange.</summary>
    public HttpContext Http { get; }

    /// <summary>The S3 services.</summary>
    public S3Services Services { get; }

    /// <summary>The storage engine.</summary>
    public StoreServices Store => Services.Store;

    /// <summary>x-amz-request-id of this request.</summary>
    public string RequestId { get; }

    /// <summary>The bucket addressed (path-style or virtual-hosted-style), or null for service operations.</summary>
    public string? RequestedBucket { get; set; }

    /// <summary>Whether the Host header named <see cref="RequestedBucket"/> (virtual-hosted-style) rather than the path.</summary>
    public bool IsVirtualHosted { get; set; }

    /// <summary>The object key (decoded), or null for bucket and service operations.</summary>
    public string? RequestedKey { get; set; }

    /// <summary>The bucket of a bucket or object operation (the router has checked its name).</summary>
    /// <exception cref="InvalidOperationException">The request names no bucket (a routing bug).</exception>
    public string Bucket => RequestedBucket ?? throw new InvalidOperationException("This operation has no bucket.");

    /// <summary>The key of an object operation (the router has checked it).</summary>
    /// <exception cref="InvalidOperationException">The request names no key (a routing bug).</exception>
    public string Key => RequestedKey ?? throw new InvalidOperationException("This operation has no key.");

    /// <summary>The operation, once routed.</summary>
    public S3Operation? Operation { get; set; }

    /// <summary>The authenticated caller.</summary>
    public S3User User { get; set; } = null!;

    /// <summary>How the caller signed the payload.</summary>
    public AuthResult Auth { get; set; } = null!;

    /// <summary>The request.</summary>
    public HttpRequest Request => Http.Request;

    /// <summary>The response.</summary>
    public HttpResponse Response => Http.Response;

    /// <summary>Cancelled when the client goes away.</summary>
    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>The request target as sent (percent-encoded path and query).</summary>
    public string RawTarget => Http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (Request.Path + Request.QueryString);

    /// <summary>The value of a query parameter, or null.</summary>
    public string? Query(string name) => Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>
    /// The <c>versionId</c> query parameter, or null. S3 answers a value that cannot be a version id with
    /// InvalidArgument "Invalid version id specified"; here that is an empty one or one with a control character
    /// (ids are 32 hex digits or <c>null</c>, the index takes no U+0000, and DeleteObject echoes the id in a header,
    /// where no control character, DEL included, may go).
    /// </summary>
    public string? VersionIdQuery()
    {
        var versionId = Query("versionId");
        if (versionId is not null && (versionId.Length is 0 or > 1024 || versionId.AsSpan().ContainsAnyInRange('\0', '\x1f') || versionId.Contains('\x7f', StringComparison.Ordinal)))
        {
            throw new S3Exception(S3Errors.InvalidArgument, versionId.Length == 0 ? "Version id cannot be the empty string" : "Invalid version id specified") { Details = [new("ArgumentName", "versionId"), new("ArgumentValue", versionId)] };
        }

        return versionId;
    }

    /// <summary>
    /// The <c>uploadId</c> query parameter. One that cannot name an upload (empty, too long, or with a control
    /// character, which the index does not take) is NoSuchUpload, as S3 answers any unknown id.
    /// </summary>
    public string UploadIdQuery()
    {
        var uploadId = Query("uploadId") ?? "";
        if (uploadId.Length is 0 or > 1024 || uploadId.AsSpan().ContainsAnyInRange('\0', '\x1f'))
        {
            throw new S3Exception(S3Errors.NoSuchUpload) { Details = [new("UploadId", uploadId)] };
        }

        return uploadId;
    }

    /// <summary>True when the query has the parameter (with or without a value).</summary>
    public bool HasQuery(string name) => Request.Query.ContainsKey(name);

    /// <summary>The value of a request header, or null when absent.</summary>
    public string? Header(string name) => Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>The bucket, which must exist and belong to the caller (NoSuchBucket, AccessDenied).</summary>
    public BucketInfo RequireOwnedBucket()
    {
        var bucket = Store.Index.GetBucket(Bucket) ?? throw Error(S3Errors.NoSuchBucket);
        if (bucket.Owner != User.AccessKey)
        {
            throw Error(S3Errors.AccessDenied);
        }

        return bucket;
    }

    /// <summary>
    /// The object (or, with <c>?versionId</c>, the version) the request names, in a bucket the caller owns:
    /// NoSuchKey or NoSuchVersion when there is none (a delete marker counts as none).
    /// </summary>
    public ObjectManifest RequireObject()
    {
        RequireOwnedBucket();
        var versionId = VersionIdQuery();
        return Store.Index.GetObject(Bucket, Key, versionId)
            ?? throw (versionId is null ? Error(S3Errors.NoSuchKey) : Error(S3Errors.NoSuchVersion));
    }

    /// <summary>The version id a new write to <paramref name="bucket"/> gets: a fresh one when versioning is enabled, else <c>null</c>.</summary>
    public string NewVersionId(BucketInfo bucket) =>
        bucket.Versioning == VersioningState.Enabled ? Operations.VersionIds.New(Store.Time.GetUtcNow()) : "null";

    /// <summary>Sets x-amz-version-id when the bucket has ever been versioned (S3 omits it for unversioned buckets).</summary>
    public void SetVersionHeader(BucketInfo bucket, string versionId)
    {
        if (bucket.Versioning != VersioningState.Unversioned)
        {
            Response.Headers["x-amz-version-id"] = versionId;
        }
    }

    /// <summary>An S3 error about this request's bucket and key.</summary>
    public S3Exception Error(S3Error error, string? message = null)
    {
        var details = new List<KeyValuePair<string, string>>();
        if (RequestedBucket is not null && error.Names.HasFlag(S3ErrorNames.BucketName))
        {
            details.Add(new("BucketName", RequestedBucket));
        }

        if (RequestedKey is not null && error.Names.HasFlag(S3ErrorNames.Key))
        {
            details.Add(new("Key", RequestedKey));
        }

        return new S3Exception(error, message ?? error.Message) { Details = details };
    }
}
