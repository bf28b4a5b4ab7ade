using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.Storage;
using Tessera.Store.Tiering;

namespace Tessera.Store;

/// <summary>
/// Transitions as pointer moves (<see cref="IObjectTransitioner"/>): reads the version's manifest, re-encodes each
/// segment into the target class's erasure policy (read through <see cref="SegmentReader"/>, so a degraded segment is
/// reconstructed on the way; written with <see cref="SegmentWriter"/> as new, committed fragments), then swaps the
/// manifest's segment references with <see cref="IIndexStore.TransitionVersion"/>, a compare-and-set on the version id
/// and the segment list read. The old segments are then garbage (queued by the swap); when the swap finds the version
/// changed, the new segments are deleted at once (and, should that fail or the process die first, they are orphans the
/// garbage collector's sweep removes). The object stays readable from its old segments until the swap, and from its new
/// ones after.
/// </summary>
/// <remarks>
/// A class that lives in a remote tier (<see cref="RemoteTiers.ForClass"/>) gets the version's segments as new remote
/// objects instead (tiered segments, <see cref="SegmentManifest.IsTiered"/>), swapped in the same way; a tiered
/// version moving back to a class on the disks is re-encoded from its tier. A version whose segments are all coded as the target class codes them already (a class with the same policy) only
/// has its class changed, in the same compare-and-set. Memory: one segment at a time, through the reader's and the
/// writer's two stripe buffers each.
/// </remarks>
public sealed class ObjectTransitioner(StoreServices store) : IObjectTransitioner
{
    /// <summary>
    /// Called after every new segment is committed and before the swap (tests: a crash or a racing write there).
    /// </summary>
    public Func<CancellationToken, Task>? BeforeSwap { get; set; }

    /// <inheritdoc/>
    public async Task<TransitionOutcome> TransitionAsync(string bucket, string key, string versionId, string storageClass, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(storageClass);
        var version = store.Index.GetObject(bucket, key, versionId);
        if (version is null)
        {
            return TransitionOutcome.Changed;
        }

        if (string.Equals(version.StorageClass, storageClass, StringComparison.Ordinal))
        {
            return TransitionOutcome.AlreadyThere;
        }

        var expected = version.Segments.Select(s => s.Segment).ToList();
        var tier = store.Tiers.ForClass(storageClass);
        if (tier is null && version.Segments.All(s => Codes(store.Storage.PolicyFor(storageClass, s.Size), s)))
        {
            return store.Index.TransitionVersion(bucket, key, version.VersionId, expected, version.Segments, storageClass)
                ? TransitionOutcome.Moved : TransitionOutcome.Changed;
        }

        var written = new List<SegmentManifest>(version.Segments.Count);
        var swapped = false;
        var uncertain = false;
        try
        {
            foreach (var segment in version.Segments)
            {
                written.Add(tier is null
                    ? await ReencodeAsync(bucket, version, segment, written.Count, storageClass, cancellationToken).ConfigureAwait(false)
                    : await UploadAsync(tier, bucket, version, segment, cancellationToken).ConfigureAwait(false));
            }

            if (BeforeSwap is { } hook)
            {
                await hook(cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();

            // An index that does not answer may have committed the swap: the new segments are then left to the garbage
            // collector's orphan sweep, which deletes them only if no version references them.
            uncertain = true;
            swapped = store.Index.TransitionVersion(bucket, key, version.VersionId, expected, written, storageClass);
            uncertain = false;
        }
        catch (StorageUnavailableException e)
        {
            LogMessages.TransitionUnavailable(store.Logger, bucket, key, storageClass, e.Message);
            return TransitionOutcome.Unavailable;
        }
        finally
        {
            if (!swapped && !uncertain)
            {
                foreach (var segment in written)
                {
                    await DiscardAsync(segment).ConfigureAwait(false);
                }
            }
        }

        if (!swapped)
        {
            return TransitionOutcome.Changed;
        }

        foreach (var segment in written)
        {
            var missing = segment.Disks.Count(d => d.Length == 0);
            if (missing > 0)
            {
                store.Repairs.Enqueue(segment.Segment, segment.ParityShards - missing);
            }
        }

        return TransitionOutcome.Moved;
    }

    /// <summary>
    /// Copies segment <paramref name="segment"/> of <paramref name="version"/> to <paramref name="tier"/> as a new remote
    /// object (its bytes read as a GET reads them, checked by the tier against the segment's MD5) and returns the tiered
    /// segment that names it.
    /// </summary>
    private async Task<SegmentManifest> UploadAsync(IRemoteTier tier, string bucket, ObjectManifest version, SegmentManifest segment, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var (source, reader) = await OpenAsync(segment, cancellationToken).ConfigureAwait(false);
        using (reader)
        await using (source)
        {
            await tier.PutAsync(id, source, segment.Size, TieredSegment.Md5Of(segment), cancellationToken).ConfigureAwait(false);
            reader?.ReportDamage(store, bucket, version.Key);
        }

        return SegmentManifest.Tiered(segment.PartNumber, id, segment.Size, segment.ETag, tier.Name);
    }

    /// <summary>
    /// The bytes of <paramref name="segment"/> as a stream: from its tier, or through a <see cref="SegmentReader"/>
    /// (returned too, for its damage report) staging a stripe at a time for readers that pull less (the SDK pulls
    /// 80 KiB). The caller disposes both.
    /// </summary>
    private async Task<(Stream Source, SegmentReader? Reader)> OpenAsync(SegmentManifest segment, CancellationToken cancellationToken)
    {
        if (segment.IsTiered)
        {
            return (await TieredSegment.OpenAsync(store, segment, 0, segment.Size, cancellationToken).ConfigureAwait(false), null);
        }

        var reader = new SegmentReader(store.Storage, segment, store.Buffers);
        return (new SegmentSourceStream(reader, segment, store.Buffers), reader);
    }

    /// <summary>Deletes a segment this transition wrote and did not swap in (on the disks, or on its tier).</summary>
    private async Task DiscardAsync(SegmentManifest segment)
    {
        if (!segment.IsTiered)
        {
            SegmentCleanup.Delete(store.Storage, segment);
            return;
        }

        try
        {
            await store.Tiers.Get(segment.Tier!).DeleteAsync(segment.Segment, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            // Left to the collector's sweep of the tier, which deletes remote objects no version references.
            LogMessages.TierDeleteFailed(store.Logger, segment.Segment, segment.Tier!, e.Message);
        }
    }

    /// <summary>Whether <paramref name="segment"/> is coded as <paramref name="policy"/> codes new segments.</summary>
    private static bool Codes(ErasurePolicy policy, SegmentManifest segment) =>
        policy.DataShards == segment.DataShards && policy.ParityShards == segment.ParityShards && policy.ShardSize == segment.ShardSize;

    /// <summary>
    /// Writes segment <paramref name="index"/> of <paramref name="version"/> again, coded as <paramref name="storageClass"/>
    /// codes it, committed, and checks its bytes against the segment's MD5 (the ETag of the segment as first written).
    /// </summary>
    private async Task<SegmentManifest> ReencodeAsync(string bucket, ObjectManifest version, SegmentManifest segment, int index, string storageClass, CancellationToken cancellationToken)
    {
        var policy = store.Storage.PolicyFor(storageClass, segment.Size);
        using var hasher = new ObjectHasher(ChecksumAlgorithm.None, payloadSha256: false);
        var (source, reader) = await OpenAsync(segment, cancellationToken).ConfigureAwait(false);
        using var disposeReader = reader;
        await using var disposeSource = source;
        var owner = new SegmentOwner(bucket, version.Key, version.VersionId, segment.PartNumber);
        await using var pending = await SegmentWriter.WriteFragmentsAsync(
            store.Storage, store.Buffers, policy, source, segment.Size, hasher, owner, cancellationToken).ConfigureAwait(false);
        reader?.ReportDamage(store, bucket, version.Key);
        if (segment.ETag.Length > 0 && !string.Equals(pending.Manifest.ETag, segment.ETag, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"Segment {segment.Segment:N} of {bucket}/{version.Key} read back with MD5 {pending.Manifest.ETag}, not {segment.ETag}.");
        }

        // The trailer names the version as it will be after the swap: index recovery re-derives a single-segment
        // version from it (a multi-segment record is not replayed as a version; see docs/design/lifecycle.md).
        var segments = version.Segments.ToArray();
        segments[index] = pending.Manifest;
        var record = RecoveryRecord.ForVersion(bucket, version with { StorageClass = storageClass, Segments = segments });
        var committed = await pending.CommitAsync(record.ToBytes(), cancellationToken).ConfigureAwait(false);
        return committed with { PartNumber = segment.PartNumber };
    }
}
