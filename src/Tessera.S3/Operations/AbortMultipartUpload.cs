using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>AbortMultipartUpload: <c>DELETE /bucket/key?uploadId=X</c>. Its parts' segments go to the garbage queue.</summary>
internal static class AbortMultipartUpload
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var uploadId = r.UploadIdQuery();
        if (r.Store.Index.AbortUpload(r.Bucket, r.Key, uploadId) != Tessera.Index.AbortResult.Aborted)
        {
            throw MultipartRequest.NoSuchUpload(uploadId);
        }

        r.Response.StatusCode = 204;
        return Task.CompletedTask;
    }
}
