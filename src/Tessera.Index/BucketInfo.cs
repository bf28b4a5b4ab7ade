namespace Tessera.Index;

/// <summary>A bucket record.</summary>
/// <param name="Name">Bucket name (already validated against S3's naming rules).</param>
/// <param name="Owner">Access key of the owning user.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Region">The region (location constraint) it was created in.</param>
/// <param name="Versioning">Versioning state.</param>
/// <param name="Lifecycle">
/// The lifecycle configuration in its stored form (<see cref="Lifecycle.LifecycleXml.ToStored"/>: the canonical XML,
/// validated and bounded by <see cref="Lifecycle.LifecycleXml.MaxStoredBytes"/>), or null when the bucket has none.
/// </param>
public sealed record BucketInfo(string Name, string Owner, DateTimeOffset Created, string Region, VersioningState Versioning, string? Lifecycle = null);
