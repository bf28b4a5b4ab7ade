using RocksDbSharp;

namespace Tessera.Index;

/// <content>Object reads and writes: each write is one synced batch under the key's striped lock.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Without <paramref name="versionId"/> this is one point read of the latest pointer; with one, a scan of the
    /// key's versions. A delete marker (current or named) is returned only when <paramref name="includeDeleteMarker"/>.
    /// </remarks>
    public ObjectManifest? GetObject(string bucket, string key, string? versionId = null, bool includeDeleteMarker = false)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        var manifest = versionId is null ? ReadLatest(bucket, key) : FindVersion(bucket, key, versionId);
        return manifest is { IsDeleteMarker: true } && !includeDeleteMarker ? null : manifest;
    }

    /// <inheritdoc/>
    public PutObjectResult PutObject(string bucket, ObjectManifest manifest, WriteCondition condition = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(manifest.Key);
        if (manifest.IsDeleteMarker)
        {
            throw new ArgumentException("Delete markers are written by DeleteObject.", nameof(manifest));
        }

        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            if (ReadBucket(bucket) is not { } info)
            {
                return new PutObjectResult(PutObjectStatus.NoSuchBucket);
            }

            return CommitVersion(bucket, info, manifest, condition, ownSegments: null, alsoStage: null);
        }
        finally
        {
            bucketLock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The stored version keeps its sequence, so its place in the version order and the latest pointer are
    /// unchanged; the stored segments and class are kept (no garbage is queued and none is dropped).
    /// </remarks>
    public bool ReplaceManifest(string bucket, ObjectManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(manifest.Key);
        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            lock (ObjectLock(bucket, manifest.Key))
            {
                var existing = FindVersion(bucket, manifest.Key, manifest.VersionId);
                if (existing is null || existing.IsDeleteMarker)
                {
                    return false;
                }

                // The stored segments and class stay whatever the caller read: a transition may have moved them since.
                var stored = manifest with { Sequence = existing.Sequence, Segments = existing.Segments, StorageClass = existing.StorageClass, Restore = existing.Restore };
                var latest = ReadLatest(bucket, manifest.Key);
                using var batch = new WriteBatch();
                PutVersion(batch, bucket, stored, latest: latest is not null && latest.Sequence == existing.Sequence);
                _db.Write(batch, _syncWrite);
                return true;
            }
        }
        finally
        {
            bucketLock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Without <paramref name="versionId"/>: unversioned buckets remove the null version; enabled buckets add a delete
    /// marker with a generated version id (<c>v</c> + 16 hex digits of its sequence); suspended buckets add a delete
    /// marker with version id <c>null</c> that replaces the null version. With <paramref name="versionId"/>: removes
    /// exactly that version (a missing one is a success with nothing removed); when it was the latest, the next
    /// newest version becomes the latest.
    /// </remarks>
    public DeleteObjectResult DeleteObject(string bucket, string key, string? versionId = null) => Delete(bucket, key, versionId, null);

    /// <inheritdoc/>
    /// <remarks>The check reads the latest pointer under the key's lock, so it is atomic with the write.</remarks>
    public DeleteObjectResult DeleteObjectIfLatest(string bucket, string key, string? versionId, ulong latestSequence) =>
        Delete(bucket, key, versionId, latestSequence);

    private DeleteObjectResult Delete(string bucket, string key, string? versionId, ulong? latestSequence)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            if (ReadBucket(bucket) is not { } info)
            {
                return new DeleteObjectResult(NoSuchBucket: true);
            }

            lock (ObjectLock(bucket, key))
            {
                var latest = ReadLatest(bucket, key);
                if (latestSequence is { } expected && latest?.Sequence != expected)
                {
                    return new DeleteObjectResult(NoSuchBucket: false, PreconditionFailed: true);
                }

                if (versionId is not null || info.Versioning == VersioningState.Unversioned)
                {
                    var target = versionId is null ? FindNullVersion(bucket, key, latest) : FindVersion(bucket, key, versionId);
                    return target is null ? default : RemoveExisting(bucket, target, latest);
                }

                var sequence = NextSequence();
                var suspended = info.Versioning == VersioningState.Suspended;
                var marker = new ObjectManifest
                {
                    Key = key,
                    VersionId = suspended ? NullVersionId : GeneratedVersionId(sequence),
                    Sequence = sequence,
                    IsDeleteMarker = true,
                    LastModified = _time.GetUtcNow(),
                };

                using var batch = new WriteBatch();
                var removed = suspended ? FindNullVersion(bucket, key, latest) : null;
                if (removed is not null)
                {
                    RemoveVersion(batch, bucket, removed);
                }

                PutVersion(batch, bucket, marker, latest: true);
                _db.Write(batch, _syncWrite);
                return new DeleteObjectResult(NoSuchBucket: false, removed, marker);
            }
        }
        finally
        {
            bucketLock.ExitReadLock();
        }
    }

    private DeleteObjectResult RemoveExisting(string bucket, ObjectManifest target, ObjectManifest? latest)
    {
        using var batch = new WriteBatch();
        RemoveVersion(batch, bucket, target);
        if (latest is not null && latest.Sequence == target.Sequence)
        {
            RepointLatest(batch, bucket, target);
        }

        _db.Write(batch, _syncWrite);
        return new DeleteObjectResult(NoSuchBucket: false, Removed: target);
    }

    /// <summary>
    /// The commit of a new version, shared by <see cref="PutObject"/> and <c>CompleteUpload</c>; the caller holds
    /// the bucket's read lock and has read <paramref name="info"/> under it. Under the key's lock: decides
    /// <paramref name="condition"/>, checks that the segments are new (those in <paramref name="ownSegments"/>, a
    /// completing upload's own parts, may be referenced already), assigns the sequence and version id, and writes
    /// in one synced batch the version, the latest pointer, the segment references, the removal of a replaced
    /// <c>null</c> version (its segments queued as garbage) and whatever <paramref name="alsoStage"/> adds.
    /// </summary>
    private PutObjectResult CommitVersion(
        string bucket, BucketInfo info, ObjectManifest manifest, WriteCondition condition, IReadOnlySet<Guid>? ownSegments, Action<WriteBatch>? alsoStage)
    {
        lock (ObjectLock(bucket, manifest.Key))
        {
            var latest = ReadLatest(bucket, manifest.Key);
            if (!condition.HoldsFor(latest))
            {
                return new PutObjectResult(PutObjectStatus.PreconditionFailed);
            }

            EnsureSegmentsAreNew(manifest, ownSegments);

            var sequence = NextSequence();
            var versioned = info.Versioning == VersioningState.Enabled;
            var versionId = !versioned ? NullVersionId
                : string.IsNullOrEmpty(manifest.VersionId) || manifest.VersionId == NullVersionId ? GeneratedVersionId(sequence)
                : manifest.VersionId;
            var stored = manifest with { Sequence = sequence, VersionId = versionId, Restore = null };

            using var batch = new WriteBatch();
            var replaced = versioned ? null : FindNullVersion(bucket, manifest.Key, latest);
            if (replaced is not null)
            {
                RemoveVersion(batch, bucket, replaced);
            }

            PutVersion(batch, bucket, stored, latest: true);
            alsoStage?.Invoke(batch);
            _db.Write(batch, _syncWrite);
            return new PutObjectResult(PutObjectStatus.Committed, replaced, stored);
        }
    }
}
