using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>HeadBucket: <c>HEAD /bucket</c>. 200 with the region, or the error status without a body.</summary>
internal static class HeadBucket
{
    public static Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        r.Response.StatusCode = 200;
        r.Response.Headers["x-amz-bucket-region"] = bucket.Region;
        r.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
