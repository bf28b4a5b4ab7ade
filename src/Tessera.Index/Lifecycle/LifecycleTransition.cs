namespace Tessera.Index.Lifecycle;

/// <summary>
/// A <c>Transition</c> (of current versions: <see cref="Days"/> or <see cref="Date"/>) or a
/// <c>NoncurrentVersionTransition</c> (<see cref="Days"/> is NoncurrentDays, with an optional
/// <see cref="NewerNoncurrentVersions"/>) to <see cref="StorageClass"/>.
/// </summary>
public sealed record LifecycleTransition
{
    /// <summary>Days (NoncurrentDays for a noncurrent transition), zero or more; or null.</summary>
    public int? Days { get; init; }

    /// <summary>A midnight UTC date (current-version transitions only); or null.</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>The target storage class.</summary>
    public required string StorageClass { get; init; }

    /// <summary>Noncurrent transitions: how many newer noncurrent versions are kept in their class; or null.</summary>
    public int? NewerNoncurrentVersions { get; init; }
}
