using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Tessera.S3.Auth;

/// <summary>A fixed set of access key / secret key pairs, e.g. the root credentials given on the command line.</summary>
public sealed class InMemoryCredentialProvider : ICredentialProvider
{
    private readonly FrozenDictionary<string, string> _secrets;

    /// <summary>Creates the provider from access key → secret key pairs (access keys compare ordinally).</summary>
    public InMemoryCredentialProvider(IEnumerable<KeyValuePair<string, string>> credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _secrets = credentials.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public bool TryGetSecretKey(string accessKey, [NotNullWhen(true)] out string? secretKey)
        => _secrets.TryGetValue(accessKey, out secretKey);
}
