namespace Tessera.Index.Lifecycle;

/// <summary>
/// S3's <c>NoncurrentVersionExpiration</c>: a version is deleted <see cref="NoncurrentDays"/> days after it became
/// noncurrent, unless it is one of the <see cref="NewerNoncurrentVersions"/> newest noncurrent versions.
/// </summary>
public sealed record NoncurrentVersionExpiration
{
    /// <summary>Days after the version became noncurrent, positive.</summary>
    public required int NoncurrentDays { get; init; }

    /// <summary>How many of the newest noncurrent versions are kept whatever their age (1 to 100), or null.</summary>
    public int? NewerNoncurrentVersions { get; init; }
}
