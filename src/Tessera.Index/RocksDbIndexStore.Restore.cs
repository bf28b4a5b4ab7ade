using RocksDbSharp;

namespace Tessera.Index;

/// <content>The restore state of archived versions: a compare-and-set under the key's lock.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Under the bucket's read lock and the key's lock: finds the version, compares its restore state, and writes the
    /// version record (and the latest pointer when it is that version) with the replacement, the references of the new
    /// restored segments and the garbage entries of the dropped ones, in one synced batch.
    /// </remarks>
    public bool SwapRestore(string bucket, string key, string versionId, ObjectRestore? expected, ObjectRestore? replacement)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ArgumentException.ThrowIfNullOrEmpty(versionId);
        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            lock (ObjectLock(bucket, key))
            {
                var existing = FindVersion(bucket, key, versionId);
                if (existing is null || existing.IsDeleteMarker || !ObjectRestore.SameState(existing.Restore, expected))
                {
                    return false;
                }

                var kept = replacement?.Segments.Select(s => s.Segment).ToHashSet() ?? [];
                var before = existing.Restore?.Segments.Select(s => s.Segment).ToHashSet() ?? [];
                foreach (var segment in replacement?.Segments ?? [])
                {
                    if (!before.Contains(segment.Segment) && HasSegmentReference(segment.Segment))
                    {
                        throw new ArgumentException($"Segment {segment.Segment:N} already belongs to another version or part.", nameof(replacement));
                    }
                }

                var latest = ReadLatest(bucket, key);
                using var batch = new WriteBatch();
                var now = _time.GetUtcNow();
                foreach (var dropped in existing.Restore?.Segments ?? [])
                {
                    if (!kept.Contains(dropped.Segment))
                    {
                        ReleaseSegment(batch, dropped, now);
                    }
                }

                PutVersion(batch, bucket, existing with { Restore = replacement }, latest: latest is not null && latest.Sequence == existing.Sequence);
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
