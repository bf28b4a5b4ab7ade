namespace Tessera.Server;

/// <summary>A user as written in the users file and the generated root credentials file.</summary>
public sealed class UserEntry
{
    /// <summary>Access key id.</summary>
    public string AccessKey { get; set; } = "";

    /// <summary>Secret access key.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>Canonical user id (64 hex digits when generated).</summary>
    public string? CanonicalId { get; set; }

    /// <summary>Display name.</summary>
    public string? DisplayName { get; set; }
}
