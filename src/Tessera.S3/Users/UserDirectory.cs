using System.Diagnostics.CodeAnalysis;
using Tessera.S3.Auth;

namespace Tessera.S3.Users;

/// <summary>
/// The users of a store: the root user plus those of the users file (and, in a cluster, those in etcd). Each set of
/// users is an immutable dictionary behind one reference that <see cref="Replace"/> swaps whole, so a request reads
/// one consistent set without a lock (one volatile read and a lookup).
/// </summary>
public sealed class UserDirectory : ICredentialProvider
{
    private volatile Dictionary<string, S3User> _users;

    /// <summary>Creates the directory; access keys must be unique.</summary>
    /// <exception cref="ArgumentException">An access key is defined twice.</exception>
    public UserDirectory(IEnumerable<S3User> users)
    {
        _users = Build(users);
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

    /// <summary>
    /// Replaces every user at once: a request sees either the old set or the new one, never a mix. The dictionary is
    /// built first and never changed after it is published.
    /// </summary>
    /// <exception cref="ArgumentException">An access key is defined twice (the directory is left as it was).</exception>
    public void Replace(IEnumerable<S3User> users) => _users = Build(users);

    private static Dictionary<string, S3User> Build(IEnumerable<S3User> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var built = new Dictionary<string, S3User>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (!built.TryAdd(user.AccessKey, user))
            {
                throw new ArgumentException($"Access key '{user.AccessKey}' is defined twice.", nameof(users));
            }
        }

        return built;
    }
}
