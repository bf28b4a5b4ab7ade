using Tessera.Index;

namespace Tessera.Store;

/// <summary>
/// The one write path: every PUT, copy, browser upload, part and part copy comes through <see cref="WriteAsync"/>,
/// which does, in this order and nowhere else:
/// <list type="number">
/// <item>write the segment's fragments, uncommitted, hashing the bytes (<see cref="SegmentWriter.WriteFragmentsAsync"/>);</item>
/// <item>check the bytes against the client's digests (<see cref="IBodyCheck"/>): a refusal deletes the fragments before any fsync;</item>
/// <item>build the recovery record (the version or part as it will be committed, without disks);</item>
/// <item>commit the fragments with that record as their trailer (fsync, rename, directory fsync);</item>
/// <item>commit the index in one synced write (the version's condition decided there, atomically);</item>
/// <item>when the index refuses (no bucket, a failed condition, an upload gone), delete the committed fragments.</item>
/// </list>
/// Nothing is visible before step 5; a crash at any point leaves the old state or the new one (fragments without an
/// index entry are orphans the garbage collector removes).
/// </summary>
public sealed class ObjectWriter(StoreServices store)
{
    /// <summary>Writes <paramref name="length"/> bytes of <paramref name="source"/> to <paramref name="target"/>.</summary>
    /// <param name="source">The bytes.</param>
    /// <param name="length">How many bytes to read; a source that ends earlier is <see cref="EndOfStreamException"/>.</param>
    /// <param name="storageClass">Picks the erasure policy.</param>
    /// <param name="check">What the bytes must match.</param>
    /// <param name="target">What the segment is committed to.</param>
    /// <param name="cancellationToken">Cancels the write (nothing is left behind).</param>
    public async Task<WriteResult> WriteAsync(Stream source, long length, string storageClass, IBodyCheck check, WriteTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(target);
        using var hasher = new Core.Hashing.ObjectHasher(check.Algorithm, check.NeedsSha256);

        // 1. Fragments, uncommitted.
        await using var pending = await SegmentWriter.WriteFragmentsAsync(
            store.Storage, store.Buffers, store.Storage.PolicyFor(storageClass, length), source, length, hasher, target.Owner, cancellationToken).ConfigureAwait(false);

        // 2. Digests, before anything is durable.
        var checksum = await check.VerifyAsync(hasher, cancellationToken).ConfigureAwait(false);

        // 3. The recovery record: exactly what the index will hold, but for the disks.
        var now = store.Time.GetUtcNow();
        ObjectManifest? version = null;
        UploadPart? part = null;
        RecoveryRecord record;
        switch (target)
        {
            case VersionTarget v:
                version = v.Template with
                {
                    Size = pending.Manifest.Size,
                    ETag = pending.Manifest.ETag,
                    LastModified = now,
                    Checksums = checksum is { } c ? [c] : [],
                    Segments = [pending.Manifest],
                    IsDeleteMarker = false,
                };
                record = RecoveryRecord.ForVersion(v.Bucket, version);
                break;
            case PartTarget p:
                part = new UploadPart(p.PartNumber, pending.Manifest, now, checksum?.Key, checksum?.Value);
                record = RecoveryRecord.ForPart(p.Bucket, p.Key, p.UploadId, part);
                break;
            default:
                throw new ArgumentException($"Unknown write target {target.GetType().Name}.", nameof(target));
        }

        // 4. Fragments durable.
        var segment = await pending.CommitAsync(record.ToBytes(), cancellationToken).ConfigureAwait(false);

        // 5. The index, in one synced write; 6. the fragments go again when it refuses.
        var outcome = WriteOutcome.Committed;
        switch (target)
        {
            case VersionTarget v:
                var put = store.Index.PutObject(v.Bucket, version! with { Segments = [segment] }, v.Condition);
                outcome = put.Status switch
                {
                    PutObjectStatus.Committed => WriteOutcome.Committed,
                    PutObjectStatus.NoSuchBucket => WriteOutcome.NoSuchBucket,
                    _ => WriteOutcome.PreconditionFailed,
                };
                version = put.Stored ?? version! with { Segments = [segment] };
                break;
            case PartTarget p:
                part = part! with { Segment = segment };
                outcome = store.Index.PutPart(p.Bucket, p.Key, p.UploadId, part).Status == PutPartStatus.Stored ? WriteOutcome.Committed : WriteOutcome.NoSuchUpload;
                break;
        }

        if (outcome != WriteOutcome.Committed)
        {
            SegmentCleanup.Delete(store.Storage, segment);
            return new WriteResult(outcome, segment, checksum);
        }

        // A degraded write (a fragment lost on the way, or placed while domains were missing) is repaired in the background.
        var missing = segment.Disks.Count(d => d.Length == 0);
        if (missing > 0 || pending.PlacedDegraded)
        {
            store.Repairs.Enqueue(segment.Segment, segment.ParityShards - missing);
        }

        return new WriteResult(outcome, segment, checksum, version, part);
    }
}
