using System.Diagnostics.CodeAnalysis;
using Tessera.S3.Auth;

namespace Tessera.S3.Users;

/// <summary>The users of a store: the root user plus those of the users file. Immutable once built.</summary>
public sealed class UserDirectory : ICredentialProvider
{
    private readonly Dictionary<string, S3User> _users;

    /// <summary>Creates the directory; access keys must be unique.</summary>
    public UserDirectory(IEnumerable<S3User> users)
    {
        _users = new Dictionary<string, S3User>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (!_users.TryAdd(user.AccessKey, user))
            {
                throw new ArgumentException($"Access key '{user.AccessKey}' is defined twice.", nameof(users));
            }
        }
    }

    /// <summary>Every user.</summary>
    public IReadOnlyCollection<S3User> All => _users.Values;

    /// <summary>The user with that access key.</summary>
    public bool TryGetUser(string accessKey, [NotNullWhen(true)] out S3User? user) => _users.TryGetValue(accessKey, out user);

    /// <inheritdoc/>
    public bool TryGetSecretKey(string accessKey, [NotNullWhen(true)] out string? secretKey)
    {
        secretKey = _users.TryGetValue(accessKey, out var user) ? user.SecretKey : null;
        return secretKey is not null;
    }
}
