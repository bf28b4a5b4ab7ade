namespace Tessera.Cluster.Control;

/// <summary>
/// An S3 user's record at <c>/tessera/users/&lt;accessKey&gt;</c> (JSON, camelCase). The secret is stored as it is:
/// SigV4 needs it to compute signatures, so a hash would not do (docs/design/cluster.md).
/// </summary>
public sealed record UserRecord
{
    /// <summary>Access key id (also the last segment of the key).</summary>
    public required string AccessKey { get; init; }

    /// <summary>Secret access key.</summary>
    public required string SecretKey { get; init; }

    /// <summary>Canonical user id, or null for the one derived from the access key.</summary>
    public string? CanonicalId { get; init; }

    /// <summary>Display name, or null for the access key.</summary>
    public string? DisplayName { get; init; }
}
