using Tessera.Core.Errors;
using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>DeleteObject: <c>DELETE /bucket/key</c>. 204 whether or not the key existed, as in S3.</summary>
internal static class DeleteObject
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var result = r.Services.Index.DeleteObject(r.Bucket!, r.Key!, r.Query("versionId"));
        if (result.NoSuchBucket)
        {
            throw r.Error(S3Errors.NoSuchBucket);
        }

        if (result.DeleteMarker is { } marker)
        {
            r.Response.Headers["x-amz-delete-marker"] = "true";
            r.Response.Headers["x-amz-version-id"] = marker.VersionId;
        }
        else if (result.Removed is { VersionId: not "null" } removed)
        {
            r.Response.Headers["x-amz-version-id"] = removed.VersionId;
        }

        r.Response.StatusCode = 204;
        return Task.CompletedTask;
    }
}
