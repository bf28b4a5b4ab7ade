using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>DeleteBucket: <c>DELETE /bucket</c>; only an empty bucket goes (BucketNotEmpty).</summary>
internal static class DeleteBucket
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        switch (r.Store.Index.DeleteBucket(r.Bucket))
        {
            case BucketDeleteResult.NoSuchBucket:
                throw r.Error(S3Errors.NoSuchBucket);
            case BucketDeleteResult.NotEmpty:
                throw r.Error(S3Errors.BucketNotEmpty);
        }

        r.Response.StatusCode = 204;
        return Task.CompletedTask;
    }
}
