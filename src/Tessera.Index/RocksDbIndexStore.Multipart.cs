using System.Buffers.Binary;
using RocksDbSharp;

namespace Tessera.Index;

/// <content>
/// Multipart uploads: upload records (<c>08 'U'</c>), their parts (<c>09 'P'</c>), the upload-id locator
/// (<c>0A 'I'</c>) and part segment references. Every write holds the bucket's read lock (so DeleteBucket sees every
/// upload) and the upload's striped lock (so part writes, completion and abort of one upload are serialized); the
/// completion also takes the key's lock, through the commit it shares with PutObject. Lock order: bucket, upload, key.
/// </content>
public sealed partial class RocksDbIndexStore
{
    /// <summary>The highest part number S3 allows.</summary>
    public const int MaxPartNumber = IndexListings.MaxPartNumber;

    /// <summary>Number of striped per-upload locks.</summary>
    internal const int UploadLockStripes = 256;

    private static readonly SpanDeserializer<MultipartUpload> UploadDecoder = new(static s => ManifestSerializer.ReadMultipartUpload(s));
    private static readonly SpanDeserializer<UploadPart> PartDecoder = new(static s => ManifestSerializer.ReadUploadPart(s));

    private readonly Lock[] _uploadLocks = [.. Enumerable.Range(0, UploadLockStripes).Select(_ => new Lock())];

    /// <inheritdoc/>
    /// <remarks>
    /// The upload gets the next sequence, which places it after every earlier upload of its key in listings: the
    /// initiation order is the order in which CreateUpload calls commit. One synced batch writes the upload record
    /// and the id locator.
    /// </remarks>
    public bool CreateUpload(MultipartUpload upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(upload.Template, nameof(upload));
        IndexKeys.ValidateBucket(upload.Bucket);
        IndexKeys.ValidateKey(upload.Key);
        if (!IndexKeys.IsValidUploadId(upload.UploadId))
        {
            throw new ArgumentException("An upload id may not be empty or contain U+0000.", nameof(upload));
        }

        if (!string.Equals(upload.Template.Key, upload.Key, StringComparison.Ordinal))
        {
            throw new ArgumentException("The upload's template must have the upload's key.", nameof(upload));
        }

        if (upload.Template.Segments.Count != 0 || upload.Template.IsDeleteMarker)
        {
            throw new ArgumentException("The upload's template carries attributes only: no segments, not a delete marker.", nameof(upload));
        }

        ThrowIfDisposed();
        var bucketLock = BucketLock(upload.Bucket);
        bucketLock.EnterReadLock();
        try
        {
            if (ReadBucket(upload.Bucket) is null)
            {
                return false;
            }

            lock (UploadLock(upload.UploadId))
            {
                if (FindUploadSequence(upload.UploadId) is not null)
                {
                    throw new ArgumentException($"Upload id '{upload.UploadId}' is already in use.", nameof(upload));
                }

                var sequence = NextSequence();
                using var batch = new WriteBatch();
                var value = ManifestSerializer.RentScratch();
                ManifestSerializer.Write(value, upload);
                using (var uploadKey = IndexKeys.Upload(stackalloc byte[KeyBuffer.StackSize], upload.Bucket, upload.Key, sequence))
                {
                    batch.Put(uploadKey.Span, value.WrittenSpan);
                }

                Span<byte> locator = stackalloc byte[IndexKeys.SequenceSuffixLength];
                BinaryPrimitives.WriteUInt64BigEndian(locator, sequence);
                using (var idKey = IndexKeys.UploadId(stackalloc byte[KeyBuffer.StackSize], upload.UploadId))
                {
                    batch.Put(idKey.Span, locator);
                }

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
    /// <remarks>Two point reads: the id locator, then the upload record under the given bucket and key.</remarks>
    public MultipartUpload? GetUpload(string bucket, string key, string uploadId)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        return FindUpload(bucket, key, uploadId)?.Upload;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One synced batch: the part record, the new segment's reference (kind part), and for a replaced part the
    /// release of its segment (reference deleted, garbage queued). An upload id that cannot exist (empty, U+0000) is
    /// <see cref="PutPartStatus.NoSuchUpload"/>.
    /// </remarks>
    public PutPartResult PutPart(string bucket, string key, string uploadId, UploadPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(part.Segment, nameof(part));
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(part.PartNumber, 1, nameof(part));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(part.PartNumber, MaxPartNumber, nameof(part));
        if (part.Segment.PartNumber != part.PartNumber)
        {
            throw new ArgumentException($"The segment of part {part.PartNumber} has part number {part.Segment.PartNumber}.", nameof(part));
        }

        ThrowIfDisposed();
        if (!IndexKeys.IsValidUploadId(uploadId))
        {
            return new PutPartResult(PutPartStatus.NoSuchUpload);
        }

        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            lock (UploadLock(uploadId))
            {
                if (FindUpload(bucket, key, uploadId) is not { } found)
                {
                    return new PutPartResult(PutPartStatus.NoSuchUpload);
                }

                if (HasSegmentReference(part.Segment.Segment))
                {
                    throw new ArgumentException($"Segment {part.Segment.Segment:N} already belongs to a version or a part.", nameof(part));
                }

                using var partKey = IndexKeys.Part(stackalloc byte[KeyBuffer.StackSize], bucket, key, uploadId, part.PartNumber);
                var replaced = _db.Get(partKey.Span, PartDecoder);
                using var batch = new WriteBatch();
                if (replaced is not null)
                {
                    ReleaseSegment(batch, replaced.Segment, _time.GetUtcNow());
                }

                var value = ManifestSerializer.RentScratch();
                ManifestSerializer.Write(value, part);
                batch.Put(partKey.Span, value.WrittenSpan);

                value = ManifestSerializer.RentScratch();
                ManifestSerializer.Write(value, new SegmentReference(bucket, key, found.Sequence, uploadId, part.PartNumber));
                Span<byte> referenceKey = stackalloc byte[IndexKeys.SegmentReferenceKeyLength];
                IndexKeys.SegmentReference(referenceKey, part.Segment.Segment);
                batch.Put(referenceKey, value.WrittenSpan);

                _db.Write(batch, _syncWrite);
                return new PutPartResult(PutPartStatus.Stored, replaced);
            }
        }
        finally
        {
            bucketLock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads the upload and its parts from one iterator (a consistent snapshot), seeking straight to the part after
    /// the marker. <see cref="PartListing.NextPartNumberMarker"/> is the last part listed, or
    /// <paramref name="partNumberMarker"/> when none was. <paramref name="maxParts"/> 0 returns an empty, untruncated
    /// page.
    /// </remarks>
    public PartListing? ListParts(string bucket, string key, string uploadId, int partNumberMarker, int maxParts)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(partNumberMarker);
        ArgumentOutOfRangeException.ThrowIfNegative(maxParts);
        ThrowIfDisposed();
        if (!IndexKeys.IsValidUploadId(uploadId) || FindUploadSequence(uploadId) is not { } sequence)
        {
            return null;
        }

        using var cursor = new RocksDbCursor(_db.NewIterator());
        MultipartUpload upload;
        using (var uploadKey = IndexKeys.Upload(stackalloc byte[KeyBuffer.StackSize], bucket, key, sequence))
        {
            cursor.Seek(uploadKey.Span);
            if (!cursor.Valid || !cursor.Key.SequenceEqual(uploadKey.Span))
            {
                return null;
            }

            upload = ManifestSerializer.ReadMultipartUpload(cursor.Value);
            if (!string.Equals(upload.UploadId, uploadId, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return IndexListings.ListParts(cursor, upload, partNumberMarker, maxParts);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Under the bucket's read lock and the upload's lock: the upload and every listed part (same segment id as the
    /// manifest's segment at its position) are checked, then the version is committed by the same code as
    /// <see cref="PutObject"/> (condition, versioning, latest pointer, replaced <c>null</c> version, segment
    /// references: the listed parts' references become the version's), and the same synced batch deletes the upload
    /// record, its locator and every part record, and releases the segments of the parts not listed (references
    /// deleted, garbage queued). An upload id that cannot exist (empty, U+0000) is
    /// <see cref="CompleteStatus.NoSuchUpload"/>.
    /// </remarks>
    public CompleteResult CompleteUpload(
        string bucket, string key, string uploadId, IReadOnlyList<int> partNumbers, ObjectManifest manifest, WriteCondition condition = default)
    {
        IndexKeys.ValidateCompletion(bucket, key, partNumbers, manifest);

        ThrowIfDisposed();
        if (!IndexKeys.IsValidUploadId(uploadId))
        {
            return new CompleteResult(CompleteStatus.NoSuchUpload);
        }

        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            lock (UploadLock(uploadId))
            {
                // An open upload implies its bucket: DeleteBucket refuses a bucket with uploads.
                if (FindUpload(bucket, key, uploadId) is not { } found || ReadBucket(bucket) is not { } info)
                {
                    return new CompleteResult(CompleteStatus.NoSuchUpload);
                }

                var parts = ReadParts(bucket, key, uploadId);
                var byNumber = parts.ToDictionary(p => p.PartNumber);
                var listed = new HashSet<Guid>(partNumbers.Count);
                var segments = new SegmentManifest[partNumbers.Count];
                for (var i = 0; i < partNumbers.Count; i++)
                {
                    if (!byNumber.TryGetValue(partNumbers[i], out var stored) || stored.Segment.Segment != manifest.Segments[i].Segment)
                    {
                        return new CompleteResult(CompleteStatus.InvalidPart, InvalidPartNumber: partNumbers[i]);
                    }

                    // The stored part's disks win: repair may have moved a fragment since the caller read the part.
                    segments[i] = manifest.Segments[i] with { Disks = stored.Segment.Disks };
                    listed.Add(stored.Segment.Segment);
                }

                manifest = manifest with { Segments = segments };

                var unused = parts.Where(p => !listed.Contains(p.Segment.Segment)).ToList();
                var completed = new CompletedUpload(
                    bucket, key, uploadId, manifest.VersionId, manifest.ETag,
                    CompletedUpload.PartList(manifest.Segments.Select((s, i) => (partNumbers[i], s.ETag))), _time.GetUtcNow());
                var put = CommitVersion(bucket, info, manifest, condition, listed, batch =>
                {
                    RemoveUpload(batch, found.Upload, found.Sequence, parts, unused);
                    StageCompleted(batch, completed);
                });
                return put.Status == PutObjectStatus.Committed
                    ? new CompleteResult(CompleteStatus.Completed, put.Stored, put.Replaced)
                    : new CompleteResult(CompleteStatus.PreconditionFailed);
            }
        }
        finally
        {
            bucketLock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One synced batch deletes the upload record, its locator and every part record, and releases every part's
    /// segment (reference deleted, garbage queued). An upload id that cannot exist (empty, U+0000) is
    /// <see cref="AbortResult.NoSuchUpload"/>.
    /// </remarks>
    public AbortResult AbortUpload(string bucket, string key, string uploadId)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        if (!IndexKeys.IsValidUploadId(uploadId))
        {
            return AbortResult.NoSuchUpload;
        }

        var bucketLock = BucketLock(bucket);
        bucketLock.EnterReadLock();
        try
        {
            lock (UploadLock(uploadId))
            {
                if (FindUpload(bucket, key, uploadId) is not { } found)
                {
                    return AbortResult.NoSuchUpload;
                }

                var parts = ReadParts(bucket, key, uploadId);
                using var batch = new WriteBatch();
                RemoveUpload(batch, found.Upload, found.Sequence, parts, parts);
                _db.Write(batch, _syncWrite);
                return AbortResult.Aborted;
            }
        }
        finally
        {
            bucketLock.ExitReadLock();
        }
    }

    private Lock UploadLock(string uploadId) =>
        _uploadLocks[(uint)StringComparer.Ordinal.GetHashCode(uploadId) % UploadLockStripes];

    /// <summary>The sequence the locator <c>0A 'I' uploadId</c> holds, or null.</summary>
    private ulong? FindUploadSequence(string uploadId)
    {
        using var idKey = IndexKeys.UploadId(stackalloc byte[KeyBuffer.StackSize], uploadId);
        Span<byte> value = stackalloc byte[IndexKeys.SequenceSuffixLength];
        return _db.GetFixedSizeValue(idKey.Span, value) ? BinaryPrimitives.ReadUInt64BigEndian(value) : null;
    }

    /// <summary>
    /// The open upload named <paramref name="uploadId"/> if it belongs to <paramref name="bucket"/> and
    /// <paramref name="key"/>, with its sequence; null otherwise (also for ids that cannot exist).
    /// </summary>
    private (MultipartUpload Upload, ulong Sequence)? FindUpload(string bucket, string key, string uploadId)
    {
        if (!IndexKeys.IsValidUploadId(uploadId) || FindUploadSequence(uploadId) is not { } sequence)
        {
            return null;
        }

        using var uploadKey = IndexKeys.Upload(stackalloc byte[KeyBuffer.StackSize], bucket, key, sequence);
        var upload = _db.Get(uploadKey.Span, UploadDecoder);
        return upload is not null && string.Equals(upload.UploadId, uploadId, StringComparison.Ordinal) ? (upload, sequence) : null;
    }

    /// <summary>Every stored part of an upload, ascending part number.</summary>
    private List<UploadPart> ReadParts(string bucket, string key, string uploadId)
    {
        var parts = new List<UploadPart>();
        using var prefix = IndexKeys.PartPrefix(stackalloc byte[KeyBuffer.StackSize], bucket, key, uploadId);
        using var iterator = _db.NewIterator();
        for (iterator.Seek(prefix.Span); iterator.Valid() && iterator.GetKeySpan().StartsWith(prefix.Span); iterator.Next())
        {
            parts.Add(ManifestSerializer.ReadUploadPart(iterator.GetValueSpan()));
        }

        return parts;
    }

    /// <summary>
    /// Adds the deletion of an upload record, its locator and the records of <paramref name="parts"/> (all of the
    /// upload's), and releases the segments of <paramref name="release"/> (reference deleted, garbage queued).
    /// </summary>
    private void RemoveUpload(WriteBatch batch, MultipartUpload upload, ulong sequence, List<UploadPart> parts, List<UploadPart> release)
    {
        using (var uploadKey = IndexKeys.Upload(stackalloc byte[KeyBuffer.StackSize], upload.Bucket, upload.Key, sequence))
        {
            batch.Delete(uploadKey.Span);
        }

        using (var idKey = IndexKeys.UploadId(stackalloc byte[KeyBuffer.StackSize], upload.UploadId))
        {
            batch.Delete(idKey.Span);
        }

        using var partKey = IndexKeys.Part(stackalloc byte[KeyBuffer.StackSize], upload.Bucket, upload.Key, upload.UploadId, 0);
        foreach (var part in parts)
        {
            BinaryPrimitives.WriteInt32BigEndian(partKey.Span[^IndexKeys.PartNumberLength..], part.PartNumber);
            batch.Delete(partKey.Span);
        }

        var now = _time.GetUtcNow();
        foreach (var part in release)
        {
            ReleaseSegment(batch, part.Segment, now);
        }
    }
}
