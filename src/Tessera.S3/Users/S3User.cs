namespace Tessera.S3.Users;

/// <summary>A user that can sign requests.</summary>
/// <param name="AccessKey">Access key id.</param>
/// <param name="SecretKey">Secret access key.</param>
/// <param name="CanonicalId">Canonical user id shown as the owner of its buckets and objects.</param>
/// <param name="DisplayName">Display name shown with the canonical id.</param>
public sealed record S3User(string AccessKey, string SecretKey, string CanonicalId, string DisplayName);
