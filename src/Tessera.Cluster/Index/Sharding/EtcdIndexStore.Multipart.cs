using System.Text.Json;
using Google.Protobuf;
using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>
/// Multipart uploads: upload records (<c>08 'U'</c>), their object-scoped locators (<c>0A 'I'</c>), parts
/// (<c>09 'P'</c>) and the completion (<c>0B 'C'</c>, <c>0E 'X'</c>), all in the object's range.
/// </content>
public sealed partial class EtcdIndexStore
{
    /// <summary>The highest part number S3 allows.</summary>
    public const int MaxPartNumber = IndexListings.MaxPartNumber;

    /// <inheritdoc/>
    /// <remarks>
    /// One mutation: the upload gets max(R + 1, the key's newest upload sequence + 1), which places it after every
    /// earlier upload of its key in listings; the commit writes the upload record and its locator, comparing the guard
    /// and the bucket's marker. Upload ids are unique per object (the locator is object-scoped), not across keys.
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
        return Mutate(upload.Bucket, upload.Key, m =>
        {
            var locator = EtcdIndexKeys.Locator(upload.Bucket, upload.Key, upload.UploadId);
            var prefix = EtcdIndexKeys.UploadPrefix(upload.Bucket, upload.Key);
            var read = m.Read([m.Point(locator), m.Between(prefix, EtcdIndexKeys.End(prefix), limit: 1, newestKeyFirst: true)]);
            if (NoBucket(m))
            {
                return false;
            }

            if (read[0].Kvs.Count > 0)
            {
                throw new ArgumentException($"Upload id '{upload.UploadId}' is already in use.", nameof(upload));
            }

            var newest = read[1].Kvs.FirstOrDefault() is { } kv ? IndexKeys.SequenceOfUploadKey(m.IndexKey(kv)) : 0;
            var sequence = NextSequence(m, newest);
            m.RequireMarker();
            var value = ManifestSerializer.RentScratch();
            ManifestSerializer.Write(value, upload);
            m.Put(EtcdIndexKeys.Upload(upload.Bucket, upload.Key, sequence), ByteString.CopyFrom(value.WrittenSpan));
            m.Put(locator, EtcdRecords.UInt64(sequence));
            return true;
        });
    }

    /// <inheritdoc/>
    /// <remarks>Two fenced reads at one revision: the locator, then the upload record.</remarks>
    public MultipartUpload? GetUpload(string bucket, string key, string uploadId)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        return ReadObject(bucket, key, (view, _) => FindUpload(view, bucket, key, uploadId)?.Upload);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One mutation that does not take the object's guard: it compares the upload record (still open) and the part's
    /// own record (replaced or not since R), so parts of one upload stored in parallel do not conflict. The commit
    /// writes the part and its segment's reference (kind part), and for a replaced part queues its segment as garbage
    /// and deletes its reference. An upload id that cannot exist (empty, U+0000) is <see cref="PutPartStatus.NoSuchUpload"/>.
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

        return Mutate(bucket, key, m =>
        {
            m.WithoutGuard();
            if (FindUpload(m, bucket, key, uploadId) is not { } found)
            {
                return new PutPartResult(PutPartStatus.NoSuchUpload);
            }

            var partKey = EtcdIndexKeys.Part(bucket, key, uploadId, part.PartNumber);
            var read = m.Read([m.Point(partKey), m.Point(EtcdIndexKeys.Reference(part.Segment.Segment))]);
            if (HeldSegments(m, [.. read[1].Kvs], [part.Segment.Segment]).Count > 0)
            {
                throw new ArgumentException($"Segment {part.Segment.Segment:N} already belongs to a version or a part.", nameof(part));
            }

            var stored = read[0].Kvs.FirstOrDefault();
            var replaced = stored is null ? null : ManifestSerializer.ReadUploadPart(stored.Value.Span);
            m.RequireUnchanged(EtcdIndexKeys.Upload(bucket, key, found.Sequence), found.Record.ModRevision);
            m.RequireUnchanged(partKey, stored?.ModRevision ?? 0);
            if (replaced is not null)
            {
                m.Release(replaced.Segment);
                m.Delete(EtcdIndexKeys.Reference(replaced.Segment.Segment));
            }

            var value = ManifestSerializer.RentScratch();
            ManifestSerializer.Write(value, part);
            m.Put(partKey, ByteString.CopyFrom(value.WrittenSpan));
            value = ManifestSerializer.RentScratch();
            ManifestSerializer.Write(value, new SegmentReference(bucket, key, found.Sequence, uploadId, part.PartNumber));
            m.Put(EtcdIndexKeys.Reference(part.Segment.Segment), ByteString.CopyFrom(value.WrittenSpan));
            return new PutPartResult(PutPartStatus.Stored, replaced);
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The upload and the page of its parts at one revision (<see cref="IndexListings.ListParts"/>), seeking straight to
    /// the part after the marker.
    /// </remarks>
    public PartListing? ListParts(string bucket, string key, string uploadId, int partNumberMarker, int maxParts)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(partNumberMarker);
        ArgumentOutOfRangeException.ThrowIfNegative(maxParts);
        ThrowIfDisposed();
        if (!IndexKeys.IsValidUploadId(uploadId))
        {
            return null;
        }

        return ReadObject(bucket, key, (view, route) =>
        {
            if (FindUpload(view, bucket, key, uploadId) is not { } found)
            {
                return null;
            }

            var prefix = EtcdIndexKeys.PartPrefix(bucket, key, uploadId);
            using var cursor = new EtcdCursor(this, [route], _ => view, prefix, EtcdIndexKeys.End(prefix), manifests: false);
            return IndexListings.ListParts(cursor, found.Upload, partNumberMarker, maxParts);
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Semantics and validation: <see cref="IndexListings.ListUploads"/>, over the bucket's routes in key order (one
    /// revision per group); an upload-id marker is looked up through its key's locator.
    /// </remarks>
    public UploadListing ListUploads(string bucket, ListUploadsQuery query)
    {
        IndexKeys.ValidateBucket(bucket);
        ThrowIfDisposed();
        return Retrying(() =>
        {
            var listing = new BucketListing(this, _directory, bucket);
            return IndexListings.ListUploads(
                bucket,
                query,
                (key, uploadId) => FindUpload(listing.ViewOf(key), bucket, key, uploadId)?.Sequence,
                () => listing.Cursor(IndexKeys.UploadSpace, manifests: false, query.Prefix, query.MaxUploads));
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One mutation: reads at R the upload, every part (paged), the latest version and the key's newest version; checks
    /// each listed part (same segment id as the manifest's segment at its position); commits the version as
    /// <see cref="PutObject"/> does (condition, versioning, latest pointer, replaced <c>null</c> version) and, in the same
    /// Txn, deletes the upload record and its locator, deletes every part with one DeleteRange, queues the segments of
    /// the parts not listed as garbage, records the completion (<c>0B 'C'</c>) and the link from the version to the upload
    /// (<c>0E 'X'</c>), through which the listed parts' references (left as they are) now resolve to the version. It
    /// compares the guard, the marker, the upload record and that no part changed since R. A manifest too large for one
    /// record keeps its segments in a chunk set written before the commit. An upload id that cannot exist (empty, U+0000)
    /// is <see cref="CompleteStatus.NoSuchUpload"/>.
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

        return Mutate(bucket, key, m =>
        {
            var (latest, newest, extra) = ReadHead(m, m.Point(EtcdIndexKeys.Locator(bucket, key, uploadId)));
            // An open upload implies its bucket: DeleteBucket refuses a bucket with uploads.
            if (FindUpload(m, bucket, key, uploadId, extra[0].Kvs.FirstOrDefault()) is not { } found || m.Marker is null)
            {
                return new CompleteResult(CompleteStatus.NoSuchUpload);
            }

            var partPrefix = EtcdIndexKeys.PartPrefix(bucket, key, uploadId);
            var partEnd = EtcdIndexKeys.End(partPrefix);
            var parts = m.Scan(partPrefix, partEnd, Options.PageSize * 10).Select(kv => ManifestSerializer.ReadUploadPart(kv.Value.Span)).ToList();
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

            var version = manifest with { Segments = segments };
            var completed = new CompletedUpload(
                bucket, key, uploadId, version.VersionId, version.ETag,
                CompletedUpload.PartList(version.Segments.Select((s, i) => (partNumbers[i], s.ETag))), Time.GetUtcNow());
            var put = CommitVersion(m, latest, newest, version, condition, listed, []);
            if (put.Status != PutObjectStatus.Committed)
            {
                return new CompleteResult(CompleteStatus.PreconditionFailed);
            }

            RemoveUpload(m, found, partPrefix, partEnd, [.. parts.Where(p => !listed.Contains(p.Segment.Segment)).Select(p => p.Segment)]);
            m.Put(EtcdIndexKeys.Completed(bucket, key, uploadId), JsonSerializer.SerializeToUtf8Bytes(completed, IndexJson.Default.CompletedUpload));
            m.Put(EtcdIndexKeys.Link(bucket, key, put.Stored!.Sequence), EtcdRecords.UInt64(found.Sequence));
            return new CompleteResult(CompleteStatus.Completed, put.Stored, put.Replaced);
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One mutation: deletes the upload record, its locator and every part (one DeleteRange) and queues every part's
    /// segment as garbage, comparing the guard, the upload record and that no part changed since R. An upload id that
    /// cannot exist (empty, U+0000) is <see cref="AbortResult.NoSuchUpload"/>.
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

        return Mutate(bucket, key, m =>
        {
            if (FindUpload(m, bucket, key, uploadId) is not { } found)
            {
                return AbortResult.NoSuchUpload;
            }

            var partPrefix = EtcdIndexKeys.PartPrefix(bucket, key, uploadId);
            var partEnd = EtcdIndexKeys.End(partPrefix);
            var parts = m.Scan(partPrefix, partEnd, Options.PageSize * 10).Select(kv => ManifestSerializer.ReadUploadPart(kv.Value.Span).Segment).ToList();
            RemoveUpload(m, found, partPrefix, partEnd, parts);
            return AbortResult.Aborted;
        });
    }

    /// <summary>
    /// The open upload <paramref name="uploadId"/> of <paramref name="bucket"/>/<paramref name="key"/> at the view's
    /// revision, with its sequence and record; null otherwise (also for ids that cannot exist). <paramref name="locator"/>
    /// is the locator when the caller read it already.
    /// </summary>
    private static OpenUpload? FindUpload(GroupView view, string bucket, string key, string uploadId, KeyValue? locator = null)
    {
        if (!IndexKeys.IsValidUploadId(uploadId))
        {
            return null;
        }

        locator ??= view.Get(EtcdIndexKeys.Locator(bucket, key, uploadId));
        if (locator is null)
        {
            return null;
        }

        var sequence = EtcdRecords.ReadUInt64(locator.Value);
        var record = view.Get(EtcdIndexKeys.Upload(bucket, key, sequence));
        var upload = record is null ? null : ManifestSerializer.ReadMultipartUpload(record.Value.Span);
        return upload is not null && string.Equals(upload.UploadId, uploadId, StringComparison.Ordinal) ? new OpenUpload(upload, sequence, record!) : null;
    }

    /// <summary>
    /// Adds the removal of an upload: its record and locator, every part (one DeleteRange, compared unchanged since R),
    /// and the release of <paramref name="release"/> (garbage, and their references when they fit the budget).
    /// </summary>
    private static void RemoveUpload(ObjectMutation m, OpenUpload found, byte[] partPrefix, byte[] partEnd, List<SegmentManifest> release)
    {
        var uploadKey = EtcdIndexKeys.Upload(m.Bucket, m.Key, found.Sequence);
        m.RequireUnchanged(uploadKey, found.Record.ModRevision);
        m.RequireRangeUnchanged(partPrefix, partEnd);
        m.Delete(uploadKey);
        m.Delete(EtcdIndexKeys.Locator(m.Bucket, m.Key, found.Upload.UploadId));
        m.DeleteRange(partPrefix, partEnd);
        foreach (var segment in release)
        {
            m.Release(segment);
        }

        DeleteReferences(m, release);
    }
}
