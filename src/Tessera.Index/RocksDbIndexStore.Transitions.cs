using RocksDbSharp;

namespace Tessera.Index;

/// <content>Lifecycle transitions: a version's segments swapped for re-encoded ones in one synced batch.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Under the bucket's read lock and the key's lock, like every write of the key: a racing PUT, DELETE or tagging
    /// either commits before (the compare fails or sees its result) or after (it sees the moved version). One batch holds
    /// the version record, the latest pointer copy, the new references, the deletion of the old ones and their garbage
    /// entries.
    /// </remarks>
    public bool TransitionVersion(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass)
    {
        var sameSegments = TransitionArguments.Validate(bucket, key, versionId, expectedSegments, newSegments, storageClass);
        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            lock (ObjectLock(bucket, key))
            {
                var existing = FindVersion(bucket, key, versionId);
                if (existing is null || existing.IsDeleteMarker || !existing.Segments.Select(s => s.Segment).SequenceEqual(expectedSegments))
                {
                    return false;
                }

                var stored = existing with { Segments = newSegments, StorageClass = storageClass };
                if (!sameSegments)
                {
                    EnsureSegmentsAreNew(stored, ownSegments: null);
                }

                var latest = ReadLatest(bucket, key);
                using var batch = new WriteBatch();
                if (!sameSegments)
                {
                    var now = _time.GetUtcNow();
                    foreach (var segment in existing.Segments)
                    {
                        ReleaseSegment(batch, segment, now);
                    }
                }

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
}
