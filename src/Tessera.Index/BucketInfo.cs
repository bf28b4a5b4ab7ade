namespace Tessera.Index;

/// <summary>A bucket record.</summary>
/// <param name="Name">Bucket name (already validated against S3's naming rules).</param>
/// <param name="Owner">Access key of the owning user.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Region">The region (location constraint) it was created in.</param>
/// <param name="Versioning">Versioning state.</param>
public sealed record BucketInfo(string Name, string Owner, DateTimeOffset Created, string Region, VersioningState Versioning);
