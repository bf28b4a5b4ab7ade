using System.Buffers.Binary;
using RocksDbSharp;

namespace Tessera.Index;

/// <content>Locks, sequences and the read and batch helpers the operations share.</content>
public sealed partial class RocksDbIndexStore
{
    /// <summary>
    /// Version id the store generates (delete markers in versioned buckets; puts that bring none):
    /// <c>v</c> + the sequence as 16 lower-case hex digits, unique per index and ordered like the sequence.
    /// </summary>
    internal static string GeneratedVersionId(ulong sequence) => IndexListings.GeneratedVersionId(sequence);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private ReaderWriterLockSlim BucketLock(string bucket) =>
        _bucketLocks[(uint)StringComparer.Ordinal.GetHashCode(bucket) % BucketLockStripes];

    private Lock ObjectLock(string bucket, string key) =>
        _objectLocks[(uint)HashCode.Combine(StringComparer.Ordinal.GetHashCode(bucket), StringComparer.Ordinal.GetHashCode(key)) % ObjectLockStripes];

    /// <summary>Hands out the next sequence, first making it durable as reserved (see the class remarks).</summary>
    private ulong NextSequence()
    {
        var sequence = Interlocked.Increment(ref _lastSequence);
        if (sequence > Volatile.Read(ref _reservedSequence))
        {
            ReserveSequences(sequence);
        }

        return sequence;
    }

    private void ReserveSequences(ulong upTo)
    {
        lock (_sequenceLock)
        {
            if (upTo <= _reservedSequence)
            {
                return;
            }

            var mark = upTo + (ulong)_options.SequenceBlockSize;
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(value, mark);
            _db.Put(IndexKeys.SequenceKey, value, null, _syncWrite);
            Volatile.Write(ref _reservedSequence, mark);
        }
    }

    private BucketInfo? ReadBucket(string bucket) => _buckets.Get(bucket);

    private ObjectManifest? ReadLatest(string bucket, string objectKey)
    {
        using var key = IndexKeys.Latest(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey);
        return _db.Get(key.Span, ManifestDecoder);
    }

    /// <summary>The version of a key whose id is <paramref name="versionId"/>, or null (<see cref="IndexListings.SeekVersion"/>).</summary>
    private ObjectManifest? FindVersion(string bucket, string objectKey, string versionId)
    {
        using var cursor = new RocksDbCursor(_db.NewIterator());
        return IndexListings.SeekVersion(cursor, bucket, objectKey, versionId) ? ManifestSerializer.ReadObjectManifest(cursor.Value) : null;
    }

    /// <summary>The null version of a key: the latest one if it is, otherwise (suspended buckets) found by scanning.</summary>
    private ObjectManifest? FindNullVersion(string bucket, string objectKey, ObjectManifest? latest) =>
        latest is null ? null
        : latest.VersionId == NullVersionId ? latest
        : FindVersion(bucket, objectKey, NullVersionId);

    /// <summary>Whether any key starts with <paramref name="prefix"/>.</summary>
    private bool AnyWithPrefix(ReadOnlySpan<byte> prefix)
    {
        using var iterator = _db.NewIterator();
        iterator.Seek(prefix);
        return iterator.Valid() && iterator.GetKeySpan().StartsWith(prefix);
    }

    /// <summary>
    /// Adds a version record, its segments' references and, when <paramref name="latest"/>, the latest pointer copy.
    /// </summary>
    private static void PutVersion(WriteBatch batch, string bucket, ObjectManifest manifest, bool latest)
    {
        var value = ManifestSerializer.RentScratch();
        ManifestSerializer.Write(value, manifest);
        using (var versionKey = IndexKeys.Version(stackalloc byte[KeyBuffer.StackSize], bucket, manifest.Key, manifest.Sequence))
        {
            batch.Put(versionKey.Span, value.WrittenSpan);
        }

        if (latest)
        {
            using var latestKey = IndexKeys.Latest(stackalloc byte[KeyBuffer.StackSize], bucket, manifest.Key);
            batch.Put(latestKey.Span, value.WrittenSpan);
        }

        PutSegmentReferences(batch, bucket, manifest);
    }

    /// <summary>Adds <c>06 'R' segment</c> → (bucket, key, sequence) for each segment of the version.</summary>
    private static void PutSegmentReferences(WriteBatch batch, string bucket, ObjectManifest manifest)
    {
        if (manifest.Segments.Count == 0 && manifest.Restore is not { Segments.Count: > 0 })
        {
            return;
        }

        var reference = new SegmentReference(bucket, manifest.Key, manifest.Sequence);
        var value = ManifestSerializer.RentScratch();
        ManifestSerializer.Write(value, reference);
        Span<byte> key = stackalloc byte[IndexKeys.SegmentReferenceKeyLength];
        foreach (var segment in manifest.AllSegments())
        {
            IndexKeys.SegmentReference(key, segment.Segment);
            batch.Put(key, value.WrittenSpan);
        }
    }

    /// <summary>
    /// Deletes a version record and its segments' references, and queues the segments as garbage (one entry each,
    /// stamped now).
    /// </summary>
    private void RemoveVersion(WriteBatch batch, string bucket, ObjectManifest manifest)
    {
        using (var versionKey = IndexKeys.Version(stackalloc byte[KeyBuffer.StackSize], bucket, manifest.Key, manifest.Sequence))
        {
            batch.Delete(versionKey.Span);
        }

        var now = _time.GetUtcNow();
        foreach (var segment in manifest.AllSegments())
        {
            ReleaseSegment(batch, segment, now);
        }
    }

    /// <summary>
    /// Deletes the reference of a segment no longer listed by anything (a removed version, a replaced, aborted or
    /// unused part) and queues it as garbage (one entry, stamped <paramref name="now"/>).
    /// </summary>
    private void ReleaseSegment(WriteBatch batch, SegmentManifest segment, DateTimeOffset now)
    {
        Span<byte> referenceKey = stackalloc byte[IndexKeys.SegmentReferenceKeyLength];
        IndexKeys.SegmentReference(referenceKey, segment.Segment);
        batch.Delete(referenceKey);

        var entry = new GarbageEntry(now, NextSequence(), segment);
        Span<byte> garbageKey = stackalloc byte[IndexKeys.GarbageKeyLength];
        IndexKeys.Garbage(garbageKey, now.UtcTicks, entry.Sequence);
        var value = ManifestSerializer.RentScratch();
        ManifestSerializer.Write(value, entry);
        batch.Put(garbageKey, value.WrittenSpan);
    }

    /// <summary>
    /// After removing <paramref name="removed"/> (the latest version) points the latest pointer at the next newest
    /// version, copying its bytes, or deletes the pointer when none is left.
    /// </summary>
    private void RepointLatest(WriteBatch batch, string bucket, ObjectManifest removed)
    {
        using var latestKey = IndexKeys.Latest(stackalloc byte[KeyBuffer.StackSize], bucket, removed.Key);
        using var prefix = IndexKeys.VersionPrefix(stackalloc byte[KeyBuffer.StackSize], bucket, removed.Key);
        using var iterator = _db.NewIterator();
        for (iterator.Seek(prefix.Span); iterator.Valid(); iterator.Next())
        {
            var key = iterator.GetKeySpan();
            if (!key.StartsWith(prefix.Span))
            {
                break;
            }

            if (IndexKeys.SequenceOfVersionKey(key) != removed.Sequence)
            {
                batch.Put(latestKey.Span, iterator.GetValueSpan());
                return;
            }
        }

        batch.Delete(latestKey.Span);
    }
}
