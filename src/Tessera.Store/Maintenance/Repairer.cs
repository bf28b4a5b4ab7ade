using System.Buffers;
using System.Diagnostics;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Rebuilds lost fragments. Works the <see cref="RepairQueue"/> (least remaining redundancy first): for a segment it
/// reads k good fragments stripe by stripe, reconstructs the lost shards, writes them to their disks (the same disk
/// when it is active and only the file is missing or corrupt; otherwise a disk that <see cref="Placement.Replace(Guid, int, int, string, IReadOnlyList{IDisk})"/>
/// picks so the domain rule still holds) and commits the new locations in the index with a compare-and-set. Reads
/// racing a repair stay correct: new fragments are committed before the index names them, and old ones stay until
/// the garbage collector's grace period has passed.
/// </summary>
public sealed class Repairer
{
    private static readonly TimeSpan RecentWindow = TimeSpan.FromSeconds(10);

    private readonly StoreServices _services;
    private readonly RepairQueue _queue;
    private readonly ByteRateLimiter _limiter;
    private readonly long _bandwidth;
    private readonly int _workers;
    private readonly Lock _statsLock = new();
    private readonly Queue<(long Timestamp, long Bytes)> _recent = new();
    private readonly HashSet<Guid> _running = [];
    private readonly Dictionary<Guid, HashSet<int>> _deferred = [];
    private readonly Dictionary<Guid, int> _blocked = [];
    private readonly Dictionary<Guid, int> _unrecoverable = [];
    private long _segmentsRepaired, _fragmentsRebuilt, _bytesRebuilt, _busyTicks, _completed;
    private int _inProgress;
    private long _busySince;
    private long _roundBaseAdded, _roundBaseCompleted;

    /// <summary>Creates the repairer over the store's queue.</summary>
    /// <param name="services">The store.</param>
    /// <param name="bytesPerSecond">Rebuilt bytes written per second at most, shared by the workers (0 = unlimited).</param>
    /// <param name="workers">Segments repaired at once by <see cref="RunAsync"/> (0 = no background repair).</param>
    public Repairer(StoreServices services, long bytesPerSecond, int workers = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        _workers = workers;
        _services = services;
        _queue = services.Repairs;
        _bandwidth = bytesPerSecond;
        _limiter = new ByteRateLimiter(bytesPerSecond, services.Time);
    }

    /// <summary>The current state: queue, totals, throughput and estimate.</summary>
    public RepairStatus Status()
    {
        lock (_statsLock)
        {
            // Read under the stats lock: a claim moves a segment from the queue to in progress atomically.
            var queued = _queue.CountByRedundancy();
            var added = _queue.Added;
            var now = Stopwatch.GetTimestamp();
            TrimRecent(now);
            var recentBytes = _recent.Sum(r => r.Bytes);
            // Busy time is wall-clock time with at least one repair in progress (workers overlap).
            var busy = Stopwatch.GetElapsedTime(0, _busyTicks + (_inProgress > 0 ? now - _busySince : 0));
            var waiting = queued.Sum(q => q.Value);
            if (waiting == 0 && _inProgress == 0)
            {
                _roundBaseAdded = added;
                _roundBaseCompleted = _completed;
            }

            TimeSpan? remaining = _completed > 0 ? busy / _completed * (waiting + _inProgress) : null;
            return new RepairStatus
            {
                Queued = queued,
                InProgress = _inProgress,
                SegmentsRepaired = _segmentsRepaired,
                FragmentsRebuilt = _fragmentsRebuilt,
                BytesRebuilt = _bytesRebuilt,
                Blocked = _blocked.Count,
                Unrecoverable = _unrecoverable.Count,
                BusyTime = busy,
                RecentBytesPerSecond = recentBytes / RecentWindow.TotalSeconds,
                BandwidthLimit = _bandwidth,
                RoundDone = _completed - _roundBaseCompleted,
                RoundTotal = Math.Max(_completed - _roundBaseCompleted + waiting + _inProgress, added - _roundBaseAdded),
                EstimatedRemaining = waiting + _inProgress == 0 ? TimeSpan.Zero : remaining,
            };
        }
    }

    /// <summary>Works the queue with the configured number of workers until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, _workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));

    /// <summary>Repairs queued segments until the queue is empty (tests and the admin API); returns how many it took.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        while (TryClaim(out var segment, out var corrupt))
        {
            await RepairClaimedAsync(segment, corrupt, cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }

    /// <summary>Repairs one segment now, whatever the queue says.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="corrupt">Shard indices whose fragment is known to be corrupt (rebuilt in place).</param>
    /// <param name="cancellationToken">Cancels the repair; nothing half-written becomes visible.</param>
    public async Task<RepairOutcome> RepairAsync(Guid segment, IReadOnlySet<int> corrupt, CancellationToken cancellationToken)
    {
        var (outcome, redundancy) = await RepairOnceAsync(segment, corrupt, cancellationToken).ConfigureAwait(false);
        lock (_statsLock)
        {
            // The blocked and unrecoverable sets say what the store is short of now, not how often it was; each
            // keeps the segment's remaining redundancy for RetryWaiting.
            switch (outcome)
            {
                case RepairOutcome.Blocked or RepairOutcome.Partial:
                    _blocked[segment] = redundancy;
                    _unrecoverable.Remove(segment);
                    break;
                case RepairOutcome.Unrecoverable:
                    _unrecoverable[segment] = redundancy;
                    _blocked.Remove(segment);
                    break;
                case RepairOutcome.Raced:
                    break; // Queued again; its next repair decides.
                default:
                    _blocked.Remove(segment);
                    _unrecoverable.Remove(segment);
                    break;
            }
        }

        return outcome;
    }

    /// <summary>
    /// Queues again every segment whose last repair was blocked by placement or found it unrecoverable: after a
    /// topology change (a disk added, activated or back) a disk may keep the rule now, or a lost source may be back.
    /// A segment deleted meanwhile leaves the sets when its repair finds it gone. Returns how many it queued.
    /// </summary>
    public int RetryWaiting()
    {
        List<KeyValuePair<Guid, int>> waiting;
        lock (_statsLock)
        {
            waiting = [.. _blocked, .. _unrecoverable];
        }

        return waiting.Count(w => _queue.Enqueue(w.Key, w.Value));
    }

    /// <summary>
    /// Moves fragments of a healthy segment to named disks (a rebalance onto a node that joined): each shard index of
    /// <paramref name="moves"/> is written to its new disk from k good fragments, the index names the new disk with a
    /// compare-and-set, and the old copy is left to the garbage collector. Whatever else the segment needs (a lost or
    /// crowded fragment) is repaired in the same pass. The caller chose disks that keep the placement rule.
    /// </summary>
    public async Task<RepairOutcome> RelocateAsync(Guid segment, IReadOnlyDictionary<int, string> moves, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moves);
        lock (_statsLock)
        {
            if (!_running.Add(segment))
            {
                return RepairOutcome.Raced; // Being repaired now: the rebalance looks at it again in its next pass.
            }
        }

        try
        {
            var (outcome, _) = await RepairOnceAsync(segment, new HashSet<int>(), cancellationToken, moves).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            lock (_statsLock)
            {
                _running.Remove(segment);
                if (_deferred.Remove(segment, out var again))
                {
                    _queue.Enqueue(segment, 0, again);
                }
            }
        }
    }

    /// <summary>One repair; also returns the segment's remaining redundancy afterwards (good fragments minus k).</summary>
    private async Task<(RepairOutcome Outcome, int Redundancy)> RepairOnceAsync(
        Guid segment, IReadOnlySet<int> corrupt, CancellationToken cancellationToken, IReadOnlyDictionary<int, string>? relocate = null)
    {
        var owner = _services.Index.FindSegmentOwner(segment);
        if (owner is null)
        {
            return (RepairOutcome.Gone, 0);
        }

        var manifest = owner.Segment;

        if (manifest.IsTiered || manifest.Disks.All(d => d.Length == 0))
        {
            // A tiered segment has no fragments here (its tier keeps it); nor has an empty object from before empty
            // objects had fragments.
            return (RepairOutcome.Healthy, 0);
        }

        var set = _services.Storage;
        var generation = set.Generation;
        int k = manifest.DataShards, n = k + manifest.ParityShards;
        var readers = new IFragmentReader?[n];
        var writers = new IFragmentWriter?[n];
        try
        {
            var (rebuild, move) = Assess(set, manifest, corrupt, readers);
            foreach (var (i, target) in relocate ?? new Dictionary<int, string>())
            {
                // Only to an active disk the segment does not use yet, and only a fragment not moving already.
                if (i < n && !move[i] && set.StateOf(target) == DiskState.Active && set.Disk(target) is not null && !manifest.Disks.Contains(target))
                {
                    rebuild[i] = move[i] = true;
                }
            }

            var level = set.DomainLevelOf(manifest.DataShards, manifest.ParityShards, owner.StorageClass);
            foreach (var i in Crowding.Excess(set, manifest.Disks, manifest.DataShards, manifest.ParityShards, level, move))
            {
                rebuild[i] = move[i] = true; // Placed while a domain was missing: spread it again.
            }

            if (!rebuild.Contains(true))
            {
                return (RepairOutcome.Healthy, manifest.ParityShards);
            }

            var sources = readers.Count(r => r is not null);
            if (sources < k)
            {
                LogMessages.RepairUnrecoverable(_services.Logger, segment, sources, k);
                return (RepairOutcome.Unrecoverable, sources - k);
            }

            var targets = ChooseTargets(set, manifest, level, rebuild, move, relocate);
            var wanted = rebuild.Count(r => r);
            var placed = targets.Count(t => t is not null);
            if (placed == 0)
            {
                return (RepairOutcome.Blocked, manifest.ParityShards - wanted);
            }

            var template = readers.First(r => r is not null)!.Header;
            for (var i = 0; i < n; i++)
            {
                if (targets[i] is { } diskId)
                {
                    try
                    {
                        writers[i] = set.Disk(diskId) is { } disk
                            ? await disk.CreateFragmentAsync(template with { Id = new FragmentId(segment, i) }, cancellationToken).ConfigureAwait(false)
                            : null;
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // The target disk cannot take it (vanished, full): the disk monitor will mark it; retry later.
                        writers[i] = null;
                    }

                    if (writers[i] is null)
                    {
                        targets[i] = null;
                        placed--;
                    }
                }
            }

            if (placed == 0)
            {
                return (RepairOutcome.Blocked, manifest.ParityShards - wanted);
            }

            var badSources = await RebuildAsync(set.Codec(k, manifest.ParityShards), template, readers, writers, cancellationToken).ConfigureAwait(false);
            if (badSources is null)
            {
                return (RepairOutcome.Unrecoverable, -1);
            }

            // Every fragment of a segment carries the same trailer (the manifest entry index recovery re-derives).
            var trailer = readers.Select(r => r?.ReadTrailer()).FirstOrDefault(t => t is not null) ?? [];
            await Task.WhenAll(writers.Where(w => w is not null).Select(w => w!.CommitAsync(trailer, cancellationToken).AsTask())).ConfigureAwait(false);

            var moved = Enumerable.Range(0, n).Where(i => targets[i] is { } t && !string.Equals(t, manifest.Disks[i], StringComparison.Ordinal)).ToList();
            if (moved.Count > 0)
            {
                var disks = manifest.Disks.ToArray();
                foreach (var i in moved)
                {
                    disks[i] = targets[i]!;
                }

                if (!_services.Index.ReplaceSegmentDisks(segment, manifest.Disks, disks))
                {
                    // Drop what this repair wrote, unless the index now names that very file (the same segment, index
                    // and disk, committed by whatever changed the segment meanwhile): never delete a live fragment.
                    var current = _services.Index.GetSegment(segment);
                    foreach (var i in moved)
                    {
                        if (current is null || i >= current.Disks.Count || !string.Equals(current.Disks[i], targets[i], StringComparison.Ordinal))
                        {
                            set.Disk(targets[i]!)?.DeleteFragment(new FragmentId(segment, i));
                        }
                    }

                    if (current is not null)
                    {
                        _queue.Enqueue(segment, manifest.ParityShards - 1); // Look again with the new manifest.
                    }

                    return (RepairOutcome.Raced, 0);
                }
            }

            var bytes = template.SegmentSize == 0 ? 0 : FragmentDataBytes(template) * placed;
            lock (_statsLock)
            {
                _segmentsRepaired++;
                _fragmentsRebuilt += placed;
                _bytesRebuilt += bytes;
            }

            LogMessages.SegmentRepaired(_services.Logger, segment, placed, moved.Count, wanted - placed);
            if (badSources.Count > 0)
            {
                // A source turned out to have bad blocks: rebuild it in place in a second pass.
                _queue.Enqueue(segment, manifest.ParityShards - badSources.Count, badSources);
            }
            else if (set.Generation != generation)
            {
                // The topology changed during the repair (a target may have failed since it was chosen), and the sweep
                // of that change read the index before this commit: look at the segment once more.
                _queue.Enqueue(segment, manifest.ParityShards);
            }

            return placed < wanted
                ? (RepairOutcome.Partial, manifest.ParityShards - (wanted - placed))
                : (RepairOutcome.Repaired, manifest.ParityShards);
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader?.Dispose();
            }

            foreach (var writer in writers)
            {
                if (writer is not null)
                {
                    await writer.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Bytes of block data in one fragment of the segment (checksums and header excluded).</summary>
    private static long FragmentDataBytes(FragmentHeader header)
    {
        long total = 0;
        for (var s = 0; s < header.StripeCount; s++)
        {
            total += header.BlockLength(s);
        }

        return total;
    }

    /// <summary>
    /// Decides, per shard index, whether its fragment must be rebuilt and whether it must move to another disk, and
    /// opens the fragments that can serve as sources.
    /// </summary>
    private static (bool[] Rebuild, bool[] Move) Assess(ErasureSet set, SegmentManifest manifest, IReadOnlySet<int> corrupt, IFragmentReader?[] readers)
    {
        var n = readers.Length;
        var rebuild = new bool[n];
        var move = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var diskId = i < manifest.Disks.Count ? manifest.Disks[i] : "";
            var state = set.StateOf(diskId);
            var disk = set.Disk(diskId);
            if (state == DiskState.Failed || disk is null)
            {
                rebuild[i] = move[i] = true;
                continue;
            }

            IFragmentReader? reader = null;
            try
            {
                reader = disk.OpenFragment(new FragmentId(manifest.Segment, i));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                reader = null;
            }

            var header = reader?.Header;
            var matches = header is not null && header.DataShards == manifest.DataShards && header.ParityShards == manifest.ParityShards
                && header.ShardSize == manifest.ShardSize && header.SegmentSize == manifest.Size;
            if (!matches || corrupt.Contains(i))
            {
                reader?.Dispose();
                reader = null;
                rebuild[i] = true;
            }

            if (state == DiskState.Draining)
            {
                rebuild[i] = move[i] = true;
            }

            readers[i] = reader;
        }

        return (rebuild, move);
    }

    /// <summary>The disk each rebuilt fragment goes to: its own disk when that stays, otherwise a replacement; null = not rebuilt.</summary>
    private static string?[] ChooseTargets(ErasureSet set, SegmentManifest manifest, string level, bool[] rebuild, bool[] move, IReadOnlyDictionary<int, string>? relocate)
    {
        var n = rebuild.Length;
        var targets = new string?[n];
        string?[]? replaced = null;
        bool Relocated(int i) => relocate is not null && relocate.TryGetValue(i, out var to) && move[i] && set.StateOf(to) == DiskState.Active && !manifest.Disks.Contains(to);
        if (move.Contains(true) && set.ActivePlacement is { } placement)
        {
            var kept = new IDisk?[n];
            for (var i = 0; i < n; i++)
            {
                // A fragment relocated by a rebalance counts as already on its new disk when the others are placed.
                kept[i] = Relocated(i) ? set.KnownDisk(relocate![i]) : move[i] ? null : set.KnownDisk(manifest.Disks[i]);
            }

            replaced = placement.Replace(manifest.Segment, manifest.DataShards, manifest.ParityShards, level, kept);
            if (Enumerable.Range(0, n).Any(i => move[i] && replaced[i] is null))
            {
                // The domains left cannot hold the code within its rule (a node lost for good): k + m fragments spread as
                // evenly as they allow survive more than fewer kept within it. Crowding respreads them once domains return.
                var spread = placement.Replace(manifest.Segment, manifest.DataShards, manifest.ParityShards, level, kept, spread: true);
                if (spread.Count(d => d is not null) > replaced.Count(d => d is not null))
                {
                    replaced = spread;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (rebuild[i])
            {
                targets[i] = Relocated(i) ? relocate![i] : move[i] ? replaced?[i] : manifest.Disks[i];
            }
        }

        return targets;
    }

    /// <summary>
    /// Streams every stripe: reads k good source blocks, reconstructs, writes the target blocks. Returns the sources
    /// that had a bad block (to rebuild later), or null when a stripe had fewer than k good blocks.
    /// </summary>
    private async Task<List<int>?> RebuildAsync(
        Tessera.Erasure.ReedSolomon codec, FragmentHeader layout, IFragmentReader?[] readers, IFragmentWriter?[] writers, CancellationToken cancellationToken)
    {
        var n = readers.Length;
        var k = layout.DataShards;
        var bad = new List<int>();
        var usable = readers.Select(r => r is not null).ToArray();
        var buffer = _services.Buffers.Rent(n * layout.BlockLength(0));
        var present = new bool[n];
        var reads = new Task<bool>[n];
        try
        {
            for (var stripe = 0; stripe < layout.StripeCount; stripe++)
            {
                var block = layout.BlockLength(stripe);
                Array.Clear(present);
                var good = 0;
                var next = 0;
                while (good < k)
                {
                    var batch = new List<int>();
                    for (; next < n && batch.Count < k - good; next++)
                    {
                        if (usable[next])
                        {
                            batch.Add(next);
                        }
                    }

                    if (batch.Count == 0)
                    {
                        return null;
                    }

                    foreach (var i in batch)
                    {
                        reads[i] = ReadAsync(readers[i]!, stripe, buffer.AsMemory(i * block, block), cancellationToken);
                    }

                    // All of the batch end before any result is used (or an exception leaves): each fills the buffer.
                    await InFlight.EndAsync([.. batch.Select(i => (Task?)reads[i])]).ConfigureAwait(false);
                    foreach (var i in batch)
                    {
                        if (await reads[i].ConfigureAwait(false))
                        {
                            present[i] = true;
                            good++;
                        }
                        else
                        {
                            usable[i] = false;
                            bad.Add(i);
                        }
                    }
                }

                Reconstruct(codec, buffer, block, present);
                var targets = writers.Count(w => w is not null);
                await _limiter.AcquireAsync((long)block * targets, cancellationToken).ConfigureAwait(false);
                var writes = new List<Task>(targets);
                for (var i = 0; i < n; i++)
                {
                    if (writers[i] is { } writer)
                    {
                        writes.Add(writer.WriteBlockAsync(buffer.AsMemory(i * block, block), cancellationToken).AsTask());
                    }
                }

                await Task.WhenAll(writes).ConfigureAwait(false);
                lock (_statsLock)
                {
                    var now = Stopwatch.GetTimestamp();
                    TrimRecent(now);
                    _recent.Enqueue((now, (long)block * targets));
                }
            }

            return bad;
        }
        finally
        {
            await InFlight.EndAsync(reads).ConfigureAwait(false);
            _services.Buffers.Return(buffer);
        }
    }

    private static async Task<bool> ReadAsync(IFragmentReader reader, int stripe, Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.TryReadBlockAsync(stripe, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static void Reconstruct(Tessera.Erasure.ReedSolomon codec, byte[] buffer, int block, bool[] present) =>
        codec.TryReconstructStripe(buffer, block, present, dataOnly: false);

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (TryClaim(out var segment, out var corrupt))
                {
                    await RepairClaimedAsync(segment, corrupt, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _queue.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Takes the next segment off the queue and marks it in progress, in one step under the stats lock, so that
    /// <see cref="Status"/> never sees it in neither place. One repair per segment at a time: a segment queued again
    /// while it is being repaired (by a sweep, a read) is set aside and queued again when the running repair ends.
    /// </summary>
    private bool TryClaim(out Guid segment, out IReadOnlySet<int> corrupt)
    {
        lock (_statsLock)
        {
            while (_queue.TryDequeue(out segment, out _, out corrupt))
            {
                if (!_running.Add(segment))
                {
                    _deferred[segment] = _deferred.TryGetValue(segment, out var known) ? [.. known, .. corrupt] : [.. corrupt];
                    continue;
                }

                if (_inProgress++ == 0)
                {
                    _busySince = Stopwatch.GetTimestamp();
                }

                return true;
            }

            return false;
        }
    }

    /// <summary>Repairs a claimed segment with bookkeeping (busy time, in-progress count); a failure is logged.</summary>
    private async Task<RepairOutcome?> RepairClaimedAsync(Guid segment, IReadOnlySet<int> corrupt, CancellationToken cancellationToken)
    {
        try
        {
            return await RepairAsync(segment, corrupt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageUnavailableException or InvalidOperationException)
        {
            LogMessages.RepairFailed(_services.Logger, e, segment);
            lock (_statsLock)
            {
                // Retried when the topology changes next (a node or disk back), as a blocked repair is.
                _blocked.TryAdd(segment, 0);
            }

            return null;
        }
        finally
        {
            lock (_statsLock)
            {
                _completed++;
                _running.Remove(segment);
                if (_deferred.Remove(segment, out var again))
                {
                    // Queued again while it was being repaired: once more, first in line (its redundancy is assessed
                    // then). Queued before it stops counting as in progress, so the store never looks idle between.
                    _queue.Enqueue(segment, 0, again);
                }

                if (--_inProgress == 0)
                {
                    _busyTicks += Stopwatch.GetTimestamp() - _busySince;
                }
            }
        }
    }

    private void TrimRecent(long now)
    {
        while (_recent.TryPeek(out var head) && Stopwatch.GetElapsedTime(head.Timestamp, now) > RecentWindow)
        {
            _recent.Dequeue();
        }
    }
}
