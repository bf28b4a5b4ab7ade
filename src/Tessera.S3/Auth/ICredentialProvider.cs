using System.Diagnostics.CodeAnalysis;

namespace Tessera.S3.Auth;

/// <summary>Looks up the secret key that belongs to an access key; the only thing SigV4 needs from the user store.</summary>
public interface ICredentialProvider
{
    /// <summary>Finds the secret key of <paramref name="accessKey"/>.</summary>
    /// <param name="accessKey">The access key id from the request's credential scope.</param>
    /// <param name="secretKey">The secret key, when the access key is known.</param>
    /// <returns><see langword="true"/> when the access key exists.</returns>
    bool TryGetSecretKey(string accessKey, [NotNullWhen(true)] out string? secretKey);
}
