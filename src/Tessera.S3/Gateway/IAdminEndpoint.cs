using Microsoft.AspNetCore.Http;

namespace Tessera.S3.Gateway;

/// <summary>
/// An API the gateway serves beside S3 under <c>/_tessera/</c> (an underscore cannot start a bucket name, so the path
/// never shadows a bucket), after authenticating the request exactly as an S3 request. The gateway knows nothing of
/// what it serves: the host implements it (the admin API of <c>tessera server</c>).
/// </summary>
public interface IAdminEndpoint
{
    /// <summary>Serves an authenticated request; <see cref="Core.Errors.S3Exception"/>s are rendered as S3 errors.</summary>
    /// <param name="http">The exchange.</param>
    /// <param name="accessKey">The verified caller.</param>
    /// <param name="path">The decoded path after <c>/_tessera/</c>.</param>
    Task HandleAsync(HttpContext http, string accessKey, string path);
}
