
namespace Tessera.Server;

/// <summary>
/// Liveness and readiness probes: unauthenticated GET or HEAD of <c>/health/live</c>, <c>/health/ready</c> and the
/// MinIO aliases <c>/minio/health/live|ready</c>. A signed request to the same path is S3 (bucket "health").
/// </summary>
internal static class Health
{
    public static bool TryHandle(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || request.Headers.ContainsKey("Authorization")
            || request.Query.ContainsKey("X-Amz-Signature"))
        {
            return false;
        }

        var path = request.Path.Value;
        if (path is "/health/live" or "/health/ready" or "/minio/health/live" or "/minio/health/ready")
        {
            context.Response.StatusCode = 200;
            context.Response.ContentLength = 0;
            return true;
        }

        return false;
    }
}
