using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Deletes fragments nothing references any more, after a grace period so that reads which started on an old
/// manifest can finish:
/// <list type="bullet">
/// <item>segments the index queued as garbage (replaced or deleted versions), entry by entry, leaving the queue only
/// once their fragments are gone (a crash in between repeats the idempotent deletes);</item>
/// <item>orphans: fragment files on the disks whose segment no manifest references (a PUT that crashed, or failed a
/// check, after writing fragments and before its commit), or that sit on a disk the manifest no longer names for
/// them (the copy left behind when repair moved a fragment), found by walking the disks and asking the index.</item>
/// <item>multipart completion records: with the segment they are named by (a multipart object's first segment) when it
/// is collected, and by the orphan sweep when that segment is not referenced (a completion that failed or crashed
/// before its index commit).</item>
/// <item>tiered segments (<see cref="SegmentManifest.IsTiered"/>): their remote objects, deleted on their tier; an entry
/// whose tier does not answer stays queued for the next pass. The sweep lists each tier too and deletes remote objects
/// no version references (a transition that crashed or failed between its upload and its swap).</item>
/// </list>
/// A referenced segment is never deleted: the index answers from the same synced keyspace that commits manifests.
/// </summary>
public sealed class GarbageCollector
{
    private readonly StoreServices _services;

    /// <summary>Creates the collector.</summary>
    public GarbageCollector(StoreServices services) => _services = services;

    /// <summary>What one pass removed.</summary>
    /// <param name="Segments">Queued garbage segments collected.</param>
    /// <param name="Fragments">Fragment files deleted for them.</param>
    /// <param name="Orphans">Unreferenced fragment files deleted by the disk walk.</param>
    public readonly record struct Report(int Segments, int Fragments, int Orphans);

    /// <summary>
    /// One pass: collects queued garbage and (when <paramref name="sweepOrphans"/>) orphaned fragments that were
    /// queued or last written before <paramref name="cutoff"/>. For callers on a thread of their own (tests, the admin
    /// command); it waits for the remote tiers' deletes.
    /// </summary>
    public Report CollectOnce(DateTimeOffset cutoff, bool sweepOrphans) =>
        CollectOnceAsync(cutoff, sweepOrphans, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// One pass: collects queued garbage and (when <paramref name="sweepOrphans"/>) orphaned fragments and remote
    /// objects that were queued or last written before <paramref name="cutoff"/>.
    /// </summary>
    public async Task<Report> CollectOnceAsync(DateTimeOffset cutoff, bool sweepOrphans, CancellationToken cancellationToken)
    {
        var segments = 0;
        var fragments = 0;
        var kept = false;
        while (!kept)
        {
            var due = _services.Index.PeekGarbage(cutoff, 1000);
            if (due.Count == 0)
            {
                break;
            }

            var collected = new List<GarbageEntry>(due.Count);
            foreach (var entry in due)
            {
                if (entry.Segment.IsTiered)
                {
                    if (!await DeleteRemoteAsync(entry.Segment, cancellationToken).ConfigureAwait(false))
                    {
                        kept = true; // Its tier did not answer: the entry waits for the next pass, and so does the rest.
                        continue;
                    }
                }
                else
                {
                    fragments += SegmentCleanup.Delete(_services.Storage, entry.Segment);
                    if (entry.Segment.PartNumber > 0)
                    {
                        // It may be the first segment of a completed multipart object, which names its completion record.
                        CompletionRecords.Delete(_services.Storage, entry.Segment.Segment);
                    }
                }

                collected.Add(entry);
            }

            _services.Index.RemoveGarbage(collected);
            segments += collected.Count;
        }

        var orphans = sweepOrphans ? SweepOrphans(cutoff) + await SweepTiersAsync(cutoff, cancellationToken).ConfigureAwait(false) : 0;
        if (segments + orphans > 0)
        {
            LogMessages.GarbageCollected(_services.Logger, fragments + orphans, segments);
        }

        return new Report(segments, fragments, orphans);
    }

    /// <summary>Deletes a tiered segment's remote object; false when its tier did not answer.</summary>
    private async Task<bool> DeleteRemoteAsync(SegmentManifest segment, CancellationToken cancellationToken)
    {
        if (_services.Tiers.Find(segment.Tier!) is not { } tier)
        {
            // A tier no longer configured: nothing this server can delete there. The entry is not kept forever.
            LogMessages.TierDeleteFailed(_services.Logger, segment.Segment, segment.Tier!, "the tier is not configured");
            return true;
        }

        try
        {
            await tier.DeleteAsync(segment.Segment, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageUnavailableException e)
        {
            LogMessages.TierDeleteFailed(_services.Logger, segment.Segment, tier.Name, e.Message);
            return false;
        }
    }

    /// <summary>
    /// Deletes the remote objects of every tier that no version references and that were written before
    /// <paramref name="cutoff"/>. A tier that does not answer is skipped until the next sweep.
    /// </summary>
    private async Task<int> SweepTiersAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var tier in _services.Tiers.All)
        {
            var before = deleted;
            try
            {
                await foreach (var (segment, written) in tier.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    // A transition uploads before its swap: a young object may still become referenced.
                    if (written < cutoff && !_services.Index.IsSegmentReferenced(segment))
                    {
                        await tier.DeleteAsync(segment, cancellationToken).ConfigureAwait(false);
                        deleted++;
                    }
                }
            }
            catch (StorageUnavailableException e)
            {
                LogMessages.TierDeleteFailed(_services.Logger, Guid.Empty, tier.Name, e.Message);
            }

            if (deleted > before)
            {
                LogMessages.TierOrphansDeleted(_services.Logger, tier.Name, deleted - before);
            }
        }

        return deleted;
    }

    private int SweepOrphans(DateTimeOffset cutoff)
    {
        var deleted = 0;
        var owners = new SegmentDiskCache(_services.Index);
        foreach (var disk in _services.Storage.Disks)
        {
            List<FragmentId> ids;
            try
            {
                ids = disk.ListFragments().ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // A missing or failing disk has nothing to sweep; repair deals with it.
            }

            foreach (var id in ids)
            {
                // The write time is checked after the reference: a fragment committed after the lookup is young.
                if (!owners.Owns(id, disk.Id) && disk.LastWriteTime(id) is { } written && written < cutoff && disk.DeleteFragment(id))
                {
                    deleted++;
                }
            }

            try
            {
                foreach (var record in disk.ListRecords().ToList())
                {
                    // Written before the completion's index commit, so a young record may still become referenced.
                    if (!_services.Index.IsSegmentReferenced(record) && disk.RecordWriteTime(record) is { } written && written < cutoff)
                    {
                        disk.DeleteRecord(record);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Same as for fragments.
            }
        }

        return deleted;
    }

    /// <summary>
    /// Collects queued garbage every <paramref name="interval"/> and sweeps orphans every
    /// <paramref name="sweepInterval"/>, until cancelled; a tick when <paramref name="active"/> answers false is skipped
    /// (a cluster node collects only while it coordinates).
    /// </summary>
    public async Task RunAsync(TimeSpan interval, TimeSpan sweepInterval, CancellationToken cancellationToken, Func<bool>? active = null)
    {
        var nextSweep = _services.Time.GetUtcNow() + sweepInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var now = _services.Time.GetUtcNow();
                if (active is not null && !active())
                {
                    // The node that takes over sweeps a full interval after it started collecting, like a fresh start.
                    nextSweep = now + sweepInterval;
                    await Task.Delay(interval, _services.Time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var sweep = now >= nextSweep;
                await CollectOnceAsync(now - _services.GarbageGracePeriod, sweep, cancellationToken).ConfigureAwait(false);
                if (sweep)
                {
                    nextSweep = now + sweepInterval;
                    _services.Index.PruneCompletedUploads(now - _services.CompletedUploadRetention);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or StorageUnavailableException)
            {
                LogMessages.GarbageCollectionFailed(_services.Logger, e);
            }

            try
            {
                await Task.Delay(interval, _services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
