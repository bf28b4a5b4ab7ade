using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Walks every disk and every referenced segment at a bounded rate, verifying every block checksum, and cross-checks
/// fragments against manifests: expected fragments that are missing or corrupt, and fragment files no manifest
/// references on that disk (orphans), are found and counted. It repairs and deletes nothing: damaged segments are
/// queued for repair (<see cref="StoreServices.Repairs"/>), and orphans are left to the garbage collector, which deletes
/// them after its grace period.
/// </summary>
/// <remarks>
/// A pass first lists each disk (a disk whose listing fails is a failed disk), counting unreferenced fragments, then
/// streams the referenced segments from the index (<see cref="IIndexStore.ReferencedSegments"/>) and checks their
/// k + m fragments one by one. A write in flight during the pass may show up as orphans (its fragments are
/// committed before its manifest), and a segment deleted during the pass as missing fragments.
/// </remarks>
public sealed class Scrubber
{
    private readonly StoreServices _services;
    private ScrubReport? _lastReport;

    /// <summary>Creates the scrubber.</summary>
    public Scrubber(StoreServices services) => _services = services;

    /// <summary>The report of the last completed pass, or null before the first.</summary>
    public ScrubReport? LastReport => Volatile.Read(ref _lastReport);

    /// <summary>
    /// The disks a pass checks when the caller names none: every disk when null (one node), a cluster node's own disks
    /// in a cluster (each node scrubs what it holds, reading it locally).
    /// </summary>
    public Func<IDisk, bool>? Scope { get; set; }

    /// <summary>
    /// One full pass over the disks of <paramref name="scope"/> (default <see cref="Scope"/>; every disk when both are
    /// null), reading at most <paramref name="bytesPerSecond"/> (0 = unlimited). Only the fragments that the index places
    /// on those disks are checked.
    /// </summary>
    public async Task<ScrubReport> ScrubOnceAsync(long bytesPerSecond, CancellationToken cancellationToken, Func<IDisk, bool>? scope = null)
    {
        scope ??= Scope;
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerSecond);
        var time = _services.Time;
        var started = time.GetUtcNow();
        var start = time.GetTimestamp();
        var limiter = new ByteRateLimiter(bytesPerSecond, time);

        var (orphans, failed) = WalkDisks(scope, cancellationToken);

        long segments = 0, fragments = 0, bytes = 0, missing = 0, corrupt = 0, corruptBlocks = 0;
        var damaged = new List<DamagedFragment>();
        void Damage(FragmentId id, string disk, FragmentDamage kind)
        {
            if (kind == FragmentDamage.Missing)
            {
                missing++;
            }
            else
            {
                corrupt++;
            }

            if (damaged.Count < ScrubReport.MaxDamagedListed)
            {
                damaged.Add(new DamagedFragment(id, disk, kind));
            }
        }

        foreach (var segment in _services.Index.ReferencedSegments())
        {
            cancellationToken.ThrowIfCancellationRequested();
            segments++;
            if (segment.IsTiered || (segment.Size == 0 && segment.Disks.All(d => d.Length == 0)))
            {
                continue; // A tiered segment lives on its tier; an empty one written before format version 2 has no fragments.
            }

            var shards = segment.DataShards + segment.ParityShards;
            var lost = 0;
            List<int>? corruptIndices = null;
            for (var index = 0; index < shards; index++)
            {
                var id = new FragmentId(segment.Segment, index);
                var diskId = index < segment.Disks.Count ? segment.Disks[index] : "";
                if (scope is not null && (_services.Storage.KnownDisk(diskId) is not { } known || !scope(known)))
                {
                    continue; // Another node's disk: that node scrubs it.
                }

                fragments++;
                var disk = failed.Contains(diskId) ? null : _services.Storage.Disk(diskId);
                var check = disk is null
                    ? new FragmentCheck(FragmentDamage.Missing, 0, 0)
                    : await CheckFragmentAsync(disk, id, segment, limiter, cancellationToken).ConfigureAwait(false);
                bytes += check.BytesVerified;
                corruptBlocks += check.CorruptBlocks;
                if (check.Damage is { } kind)
                {
                    Damage(id, diskId, kind);
                    lost++;
                    if (kind == FragmentDamage.Corrupt)
                    {
                        (corruptIndices ??= []).Add(index);
                    }
                }
            }

            if (lost > 0)
            {
                _services.Repairs.Enqueue(segment.Segment, segment.ParityShards - lost, corruptIndices);
            }
        }

        var failedIds = failed.Order(StringComparer.Ordinal).ToList();
        var report = new ScrubReport
        {
            Started = started,
            Duration = time.GetElapsedTime(start),
            Segments = segments,
            FragmentsChecked = fragments,
            BytesVerified = bytes,
            MissingFragments = missing,
            CorruptFragments = corrupt,
            CorruptBlocks = corruptBlocks,
            OrphanFragments = orphans,
            FailedDisks = failedIds.Count,
            FailedDiskIds = failedIds,
            Damaged = damaged,
        };
        Volatile.Write(ref _lastReport, report);
        LogMessages.ScrubCompleted(
            _services.Logger, fragments, segments, bytes, report.Duration.TotalSeconds, missing, corrupt, corruptBlocks, orphans, failedIds.Count);
        if (!report.Clean)
        {
            LogMessages.ScrubFoundDamage(_services.Logger, missing, corrupt, corruptBlocks, failedIds.Count, string.Join(", ", failedIds));
        }

        return report;
    }

    /// <summary>
    /// Scrubs every <paramref name="interval"/> (the first pass one interval after the start) at
    /// <paramref name="bytesPerSecond"/>, until cancelled. A failed pass is logged and retried at the next interval.
    /// </summary>
    public async Task RunAsync(long bytesPerSecond, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _services.Time, cancellationToken).ConfigureAwait(false);
                await ScrubOnceAsync(bytesPerSecond, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                LogMessages.ScrubFailed(_services.Logger, e);
            }
        }
    }

    /// <summary>
    /// Lists every disk: counts fragments whose segment is not referenced, and returns the disks whose listing failed
    /// (directory missing or unreadable).
    /// </summary>
    private (long Orphans, HashSet<string> Failed) WalkDisks(Func<IDisk, bool>? scope, CancellationToken cancellationToken)
    {
        long orphans = 0;
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var owners = new SegmentDiskCache(_services.Index);
        foreach (var disk in _services.Storage.Disks.Where(d => scope is null || scope(d)))
        {
            if (_services.Storage.StateOf(disk.Id) == DiskState.Failed)
            {
                failed.Add(disk.Id);
                continue;
            }

            try
            {
                foreach (var id in disk.ListFragments())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!owners.Owns(id, disk.Id))
                    {
                        orphans++;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add(disk.Id);
            }
        }

        return (orphans, failed);
    }

    /// <summary>Opens one fragment, checks its header against the manifest and reads and verifies every block.</summary>
    private async Task<FragmentCheck> CheckFragmentAsync(
        IDisk disk, FragmentId id, SegmentManifest segment, ByteRateLimiter limiter, CancellationToken cancellationToken)
    {
        using var reader = disk.OpenFragment(id);
        if (reader is null)
        {
            return new FragmentCheck(FragmentDamage.Missing, 0, 0);
        }

        var header = reader.Header;
        if (header.DataShards != segment.DataShards || header.ParityShards != segment.ParityShards
            || header.ShardSize != segment.ShardSize || header.SegmentSize != segment.Size)
        {
            return new FragmentCheck(FragmentDamage.Corrupt, 0, 0);
        }

        var stripes = header.StripeCount;
        var buffer = _services.Buffers.Rent(header.BlockLength(0));
        try
        {
            var bad = 0;
            long verified = 0;
            for (var stripe = 0; stripe < stripes; stripe++)
            {
                var length = header.BlockLength(stripe);
                await limiter.AcquireAsync(length + sizeof(ulong), cancellationToken).ConfigureAwait(false);
                if (await reader.TryReadBlockAsync(stripe, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false))
                {
                    verified += length;
                }
                else
                {
                    bad++;
                }
            }

            return new FragmentCheck(bad > 0 ? FragmentDamage.Corrupt : null, bad, verified);
        }
        finally
        {
            _services.Buffers.Return(buffer);
        }
    }
}
