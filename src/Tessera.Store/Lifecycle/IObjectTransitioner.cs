namespace Tessera.Store;

/// <summary>
/// Moves one object version to another storage class as a pointer move: its segments are re-encoded into the target
/// class's erasure policy (or copied to the class's remote tier) in the background, then the version's manifest swaps
/// its segment references in one index transaction if the version is still the one read; the old fragments go to the
/// garbage queue. The version's ETag, checksums, version id, metadata and last-modified time never change.
/// </summary>
/// <remarks>The seam between the lifecycle worker (which decides what is due) and the data path (which moves bytes).</remarks>
public interface IObjectTransitioner
{
    /// <summary>
    /// Transitions version <paramref name="versionId"/> of <paramref name="key"/> to <paramref name="storageClass"/>.
    /// Idempotent: a version already in that class is <see cref="TransitionOutcome.AlreadyThere"/>.
    /// </summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The key.</param>
    /// <param name="versionId">The version evaluated by the rule (the index's version id, "null" for an unversioned write).</param>
    /// <param name="storageClass">The target S3 storage class name (STANDARD_IA, GLACIER, a tier's class, ...).</param>
    /// <param name="cancellationToken">Cancels the move; nothing half-moved stays visible.</param>
    Task<TransitionOutcome> TransitionAsync(string bucket, string key, string versionId, string storageClass, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IObjectTransitioner.TransitionAsync"/> did.</summary>
public enum TransitionOutcome
{
    /// <summary>The version now lives in the target class.</summary>
    Moved,

    /// <summary>The version was already in the target class: nothing to do.</summary>
    AlreadyThere,

    /// <summary>The version is gone or changed under the move (deleted, overwritten in place): nothing was swapped.</summary>
    Changed,

    /// <summary>The target class cannot take it now (its tier is down, its disks too few): try again later.</summary>
    Unavailable,
}
