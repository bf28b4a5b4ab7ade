using Tessera.Core.Errors;
using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>DeleteObject: <c>DELETE /bucket/key</c>. 204 whether or not the key existed, as in S3.</summary>
internal static class DeleteObject
{
    public static Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var versionId = r.VersionIdQuery();
        var result = r.Store.Index.DeleteObject(r.Bucket, r.Key, versionId);
        if (result.NoSuchBucket)
        {
            throw r.Error(S3Errors.NoSuchBucket);
        }

        if (versionId is not null)
        {
            // Deleting one version: echo its id, and say so when that version was a delete marker.
            r.Response.Headers["x-amz-version-id"] = versionId;
            if (result.Removed is { IsDeleteMarker: true })
            {
                r.Response.Headers["x-amz-delete-marker"] = "true";
            }
        }
        else if (result.DeleteMarker is { } marker)
        {
            r.Response.Headers["x-amz-delete-marker"] = "true";
            r.SetVersionHeader(bucket, marker.VersionId);
        }

        r.Response.StatusCode = 204;
        return Task.CompletedTask;
    }
}
