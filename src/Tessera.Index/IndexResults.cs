namespace Tessera.Index;

/// <summary>Outcome of <see cref="IIndexStore.CreateBucket"/>.</summary>
public enum BucketCreateResult
{
    /// <summary>The bucket was created.</summary>
    Created,

    /// <summary>A bucket of that name exists (compare its owner to tell BucketAlreadyOwnedByYou from BucketAlreadyExists).</summary>
    Exists,
}

/// <summary>Outcome of <see cref="IIndexStore.DeleteBucket"/>.</summary>
public enum BucketDeleteResult
{
    /// <summary>Deleted.</summary>
    Deleted,

    /// <summary>No such bucket.</summary>
    NoSuchBucket,

    /// <summary>The bucket still holds objects (or versions, or uploads).</summary>
    NotEmpty,
}

/// <summary>A compare-and-set condition on the current version of a key, decided atomically by the index.</summary>
/// <param name="IfNoneMatchAny">Only write when the key has no current version (<c>If-None-Match: *</c>).</param>
/// <param name="IfMatchETag">Only write when the current version's ETag equals this (<c>If-Match</c>).</param>
public readonly record struct WriteCondition(bool IfNoneMatchAny = false, string? IfMatchETag = null)
{
    /// <summary>
    /// Whether the condition holds over <paramref name="latest"/>, the key's latest version (null: none): If-None-Match: *
    /// fails when a current, non-delete-marker version exists; If-Match fails when there is no current object or its
    /// ETag differs.
    /// </summary>
    internal bool HoldsFor(ObjectManifest? latest)
    {
        var current = latest is { IsDeleteMarker: false } ? latest : null;
        if (IfNoneMatchAny && current is not null)
        {
            return false;
        }

        return IfMatchETag is null || (current is not null && string.Equals(current.ETag, IfMatchETag, StringComparison.Ordinal));
    }
}

/// <summary>Outcome of <see cref="IIndexStore.PutObject"/>.</summary>
public enum PutObjectStatus
{
    /// <summary>Committed.</summary>
    Committed,

    /// <summary>The bucket does not exist.</summary>
    NoSuchBucket,

    /// <summary>The <see cref="WriteCondition"/> did not hold; nothing was written.</summary>
    PreconditionFailed,
}

/// <summary>Result of <see cref="IIndexStore.PutObject"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Replaced">The version this write replaced and dropped (the old <c>null</c> version), if any.</param>
/// <param name="Stored">When committed: the manifest as stored, with the sequence and version id the index assigned.</param>
public readonly record struct PutObjectResult(PutObjectStatus Status, ObjectManifest? Replaced = null, ObjectManifest? Stored = null);

/// <summary>Result of <see cref="IIndexStore.DeleteObject"/>.</summary>
/// <param name="NoSuchBucket">The bucket does not exist.</param>
/// <param name="Removed">The version removed, if any.</param>
/// <param name="DeleteMarker">The delete marker written (versioned buckets), if any.</param>
/// <param name="PreconditionFailed">
/// <see cref="IIndexStore.DeleteObjectIfLatest"/> only: the key's latest version was no longer the expected one, and
/// nothing was written.
/// </param>
public readonly record struct DeleteObjectResult(bool NoSuchBucket, ObjectManifest? Removed = null, ObjectManifest? DeleteMarker = null, bool PreconditionFailed = false);

/// <summary>A ListObjects(V2) request, already validated.</summary>
/// <param name="Prefix">Only keys starting with this.</param>
/// <param name="Delimiter">Roll keys up to the first delimiter after the prefix into common prefixes; null for none.</param>
/// <param name="StartAfter">Exclusive lower bound (start-after, marker, or the decoded continuation token).</param>
/// <param name="MaxKeys">Maximum number of keys plus common prefixes (0..1000).</param>
public readonly record struct ListObjectsQuery(string Prefix, string? Delimiter, string? StartAfter, int MaxKeys);

/// <summary>One page of a listing.</summary>
/// <param name="Objects">Current versions, in key order.</param>
/// <param name="CommonPrefixes">Rolled-up prefixes, in order.</param>
/// <param name="IsTruncated">More entries follow.</param>
/// <param name="NextMarker">When truncated: the last key or common prefix returned (the next request starts after it).</param>
public sealed record ObjectListing(
    IReadOnlyList<ObjectManifest> Objects,
    IReadOnlyList<string> CommonPrefixes,
    bool IsTruncated,
    string? NextMarker);

/// <summary>A segment no longer referenced by any manifest, waiting for its fragments to be deleted.</summary>
/// <param name="Queued">When it was queued.</param>
/// <param name="Sequence">Unique id of the entry.</param>
/// <param name="Segment">The segment whose fragments to delete (with its disks).</param>
public sealed record GarbageEntry(DateTimeOffset Queued, ulong Sequence, SegmentManifest Segment);
