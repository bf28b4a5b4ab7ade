using RocksDbSharp;

namespace Tessera.Index;

/// <content>Segment lookups and location updates for repair and the admin API.</content>
public sealed partial class RocksDbIndexStore
{
    private const int RelocateAttempts = 4;

    /// <inheritdoc/>
    /// <remarks>Two point reads: the segment reference (<c>06 'R'</c>), then the version or part record it names.</remarks>
    public SegmentManifest? GetSegment(Guid segment)
    {
        ThrowIfDisposed();
        return FindSegmentReference(segment) is { } reference ? ReadReferenced(reference, segment)?.Segment : null;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Takes the bucket's read lock and the lock that serializes writers of the record holding the segment (the
    /// key's object lock for a version, the upload's lock for a part), then checks that the reference still names
    /// the same record (a completion may have moved a part's segment to its version meanwhile; then it retries)
    /// and that the disks are still <paramref name="expected"/>, and writes the updated record (and the latest
    /// pointer copy when it is that version) in one synced write.
    /// </remarks>
    public bool ReplaceSegmentDisks(Guid segment, IReadOnlyList<string> expected, IReadOnlyList<string> replacement)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        if (expected.Count != replacement.Count)
        {
            throw new ArgumentException("The replacement must list as many disks as the segment has fragments.", nameof(replacement));
        }

        ThrowIfDisposed();
        for (var attempt = 0; attempt < RelocateAttempts; attempt++)
        {
            if (FindSegmentReference(segment) is not { } reference)
            {
                return false;
            }

            var bucketLock = BucketLock(reference.Bucket);
            bucketLock.EnterReadLock();
            try
            {
                lock (reference.IsPart ? UploadLock(reference.UploadId!) : ObjectLock(reference.Bucket, reference.Key))
                {
                    if (FindSegmentReference(segment) != reference)
                    {
                        continue;
                    }

                    if (ReadReferenced(reference, segment) is not { } found || !found.Segment.Disks.SequenceEqual(expected, StringComparer.Ordinal))
                    {
                        return false;
                    }

                    var moved = found.Segment with { Disks = [.. replacement] };
                    using var batch = new WriteBatch();
                    if (found.Version is { } version)
                    {
                        var latest = ReadLatest(reference.Bucket, reference.Key);
                        PutVersion(batch, reference.Bucket, version.WithSegment(moved), latest is not null && latest.Sequence == version.Sequence);
                    }
                    else
                    {
                        var value = ManifestSerializer.RentScratch();
                        ManifestSerializer.Write(value, found.Part! with { Segment = moved });
                        using var partKey = IndexKeys.Part(stackalloc byte[KeyBuffer.StackSize], reference.Bucket, reference.Key, reference.UploadId!, reference.PartNumber);
                        batch.Put(partKey.Span, value.WrittenSpan);
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

        return false;
    }

    /// <inheritdoc/>
    public SegmentOwnerInfo? FindSegmentOwner(Guid segment)
    {
        ThrowIfDisposed();
        if (FindSegmentReference(segment) is not { } reference || ReadReferenced(reference, segment) is not { } found)
        {
            return null;
        }

        var storageClass = (found.Version?.IsRestoredSegment(segment) == true ? "STANDARD" : found.Version?.StorageClass)
            ?? FindUpload(reference.Bucket, reference.Key, reference.UploadId!)?.Upload.Template.StorageClass
            ?? "STANDARD";
        return new SegmentOwnerInfo(reference.Bucket, reference.Key, found.Version?.VersionId, reference.UploadId, reference.PartNumber, found.Segment, storageClass);
    }

    /// <summary>The version or part record a reference names, with the segment in it; null when it no longer lists the segment.</summary>
    private (ObjectManifest? Version, UploadPart? Part, SegmentManifest Segment)? ReadReferenced(SegmentReference reference, Guid segment)
    {
        if (reference.IsPart)
        {
            using var partKey = IndexKeys.Part(stackalloc byte[KeyBuffer.StackSize], reference.Bucket, reference.Key, reference.UploadId!, reference.PartNumber);
            var part = _db.Get(partKey.Span, PartDecoder);
            return part is not null && part.Segment.Segment == segment ? (null, part, part.Segment) : null;
        }

        using var versionKey = IndexKeys.Version(stackalloc byte[KeyBuffer.StackSize], reference.Bucket, reference.Key, reference.Sequence);
        var version = _db.Get(versionKey.Span, ManifestDecoder);
        var found = version?.AllSegments().FirstOrDefault(s => s.Segment == segment);
        return found is null ? null : (version, null, found);
    }
}
