using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Tessera.Cluster.Control;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Splits and moves key ranges of the index (the coordinator runs it; one move at a time).
/// </summary>
/// <remarks>
/// <para><b>Split</b> rewrites only the directory, in one compare-and-set: both halves stay in the group, under the
/// group's generation, so a gateway still routing by the unsplit range reads and writes the right records.</para>
/// <para><b>Move</b> from group A to group B:</para>
/// <list type="number">
/// <item>Pre-copy: clears the range in B, then copies its records from A at one revision R0 while writes go on; then,
/// in up to seven more rounds while writes go on, what changed since the round before (each round's delta is smaller
/// than the copy it follows), until a round copies at most 200 records or stops shrinking.</item>
/// <item>Freeze: one directory Txn marks the range frozen and raises A's generation to g+1; then A's fence key becomes
/// g+1. From there every index request on A made with an older directory fails its fence compare and re-reads the
/// directory; writers of the frozen range wait; writers of A's other ranges go on under g+1.</item>
/// <item>Delta: copies what changed in A between the last round and the fence's revision (keys with a newer mod revision,
/// and the keys deleted since), so writes pause only for the last delta, not the whole range. Chunk sets a copied record
/// named and no record names any more are deleted from B (nothing else would collect them there).</item>
/// <item>Flip: A's fence becomes g+2 first (a gateway that still routes the range to A can no longer read it there),
/// then one directory Txn routes the range to B, unfrozen, with A at g+2.</item>
/// <item>After a grace period, deletes the range's records from A.</item>
/// </list>
/// <para>A move that dies half way leaves the range frozen in the directory; <see cref="MoveAsync"/> of the same range
/// resumes it (it copies again from the fence's revision).</para>
/// </remarks>
public sealed class RangeMover
{
    private const int PageSize = 500;

    /// <summary>Keys per page of a keys-only scan (about 60 bytes each with the metadata: far below gRPC's 4 MiB).</summary>
    private const int KeysPageSize = 5000;

    /// <summary>At most this many pre-copy rounds: the full copy, then copies of what changed during the round before.</summary>
    private const int MaxPreCopyRounds = 8;

    /// <summary>A pre-copy round that copied at most this many records is close enough: the range freezes.</summary>
    private const int SmallDelta = 200;
    private const int MaxOpsPerTxn = 100;
    private const int MaxBytesPerTxn = 1024 * 1024;
    private const int MaxAttempts = 10;

    private readonly EtcdRangeDirectory _directory;
    private readonly IShardLayout _layout;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>A mover over <paramref name="directory"/> for an index laid out as <paramref name="layout"/>.</summary>
    public RangeMover(EtcdRangeDirectory directory, IShardLayout layout, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(layout);
        _directory = directory;
        _layout = layout;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Splits the range holding <paramref name="at"/> so that a new range starts there; returns the two halves.</summary>
    /// <exception cref="ArgumentException"><paramref name="at"/> is already a range's start.</exception>
    /// <exception cref="InvalidOperationException">The range is being moved.</exception>
    public async Task<(RangeRecord Left, RangeRecord Right)> SplitAsync(byte[] at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(at);
        for (var attempt = 0; ; attempt++)
        {
            await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = _directory.Snapshot;
            var (range, modRevision) = snapshot.Ranges[snapshot.IndexOf(at)];
            if (range.Start.AsSpan().SequenceEqual(at))
            {
                throw new ArgumentException("A range already starts there.", nameof(at));
            }

            if (range.Frozen)
            {
                throw new InvalidOperationException($"Range {range.Id} is being moved; split it after the move.");
            }

            var left = range with { End = at };
            var right = new RangeRecord { Id = EtcdRangeDirectory.NewRangeId(), Start = at, End = range.End, Group = range.Group };
            var txn = new TxnRequest();
            txn.Compare.Add(ModEquals(_directory.Keys.Range(range.Start), modRevision));
            txn.Compare.Add(ModEquals(_directory.Keys.Range(at), 0));
            txn.Success.Add(PutRange(left));
            txn.Success.Add(PutRange(right));
            var response = await _directory.Control.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.Succeeded)
            {
                await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
                return (left, right);
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException("The range directory kept changing during a split.");
            }
        }
    }

    /// <summary>Moves the range starting at <paramref name="start"/> to group <paramref name="target"/> (or resumes its move).</summary>
    /// <param name="start">The range's start, exactly.</param>
    /// <param name="target">The target group.</param>
    /// <param name="grace">How long the source keeps the range's records after the flip.</param>
    /// <param name="cancellationToken">Cancels the move (a frozen range stays frozen: run the move again to finish it).</param>
    public async Task<MoveReport> MoveAsync(byte[] start, string target, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(target);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await MoveOneAsync(start, target, grace, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<MoveReport> MoveOneAsync(byte[] start, string target, TimeSpan grace, CancellationToken cancellationToken)
    {
        await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = _directory.Snapshot;
        var index = snapshot.IndexOf(start);
        var (range, rangeRevision) = snapshot.Ranges[index];
        if (!range.Start.AsSpan().SequenceEqual(start))
        {
            throw new ArgumentException("No range starts there.", nameof(start));
        }

        if (!snapshot.Groups.TryGetValue(target, out var targetGroup))
        {
            throw new ArgumentException($"No index group is named {target}.", nameof(target));
        }

        if (range.Frozen && range.MovingTo != target)
        {
            throw new InvalidOperationException($"Range {range.Id} is being moved to {range.MovingTo}; finish that move first.");
        }

        if (range.Group == target)
        {
            return new MoveReport(range.Id, range.Group, target, 0, 0, TimeSpan.Zero, 0);
        }

        var (sourceGroup, sourceRevision) = snapshot.Groups[range.Group];
        var source = new Side(_directory.Client(sourceGroup), sourceGroup.KeyPrefix);
        var destination = new Side(_directory.Client(targetGroup.Record), targetGroup.Record.KeyPrefix);

        PhaseClock? phases = null;
        CopyState copy;
        var started = _time.GetTimestamp();
        int preCopied = 0, delta, rounds = 0;
        var preCopyTime = TimeSpan.Zero;
        long frozenAt;
        long fenceRevision;
        long generation;
        if (!range.Frozen)
        {
            // 1. Pre-copy while writes go on: everything at one revision, then what changed since, round after round
            //    while that shrinks and is not yet small, so that the frozen delta is small.
            await ClearAsync(destination, range, cancellationToken).ConfigureAwait(false);
            copy = new CopyState();
            var since = await CopyAllAsync(source, destination, range, atRevision: 0, copy, cancellationToken).ConfigureAwait(false);
            preCopied = copy.Count;
            var previous = int.MaxValue;
            for (rounds = 1; rounds < MaxPreCopyRounds;)
            {
                var at = await CurrentRevisionAsync(source, cancellationToken).ConfigureAwait(false);
                var changed = await CopyDeltaAsync(source, destination, range, since, at, copy, null, cancellationToken).ConfigureAwait(false);
                preCopied += changed;
                since = at;
                rounds++;
                if (changed <= SmallDelta || changed >= previous)
                {
                    break;
                }

                previous = changed;
            }

            preCopyTime = _time.GetElapsedTime(started);

            // 2. Freeze: the directory first (writers that read it wait), then the fence (writers that did not, fail).
            generation = sourceGroup.Generation + 1;
            var txn = new TxnRequest();
            txn.Compare.Add(ModEquals(_directory.Keys.Range(range.Start), rangeRevision));
            txn.Compare.Add(ModEquals(_directory.Keys.Group(sourceGroup.Name), sourceRevision));
            txn.Success.Add(PutRange(range with { Frozen = true, MovingTo = target }));
            txn.Success.Add(PutGroup(sourceGroup with { Generation = generation }));
            frozenAt = _time.GetTimestamp();
            phases = new PhaseClock(_time, frozenAt);
            var frozen = await _directory.Control.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!frozen.Succeeded)
            {
                throw new InvalidOperationException("The range directory changed during the move's pre-copy; run the move again.");
            }

            phases.Mark("freeze");
            fenceRevision = await SetFenceAsync(source, generation, cancellationToken).ConfigureAwait(false);
            phases.Mark("fence");

            // 3. The delta between the last pre-copy round and the fence.
            delta = await CopyDeltaAsync(source, destination, range, since, fenceRevision, copy, phases, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Resuming a move that stopped after the freeze: the fence is at least the directory's generation (a flip
            // may have raised it once more); adopt the fence's value, then copy everything again from there.
            frozenAt = _time.GetTimestamp();
            var fence = await ReadFenceAsync(source, cancellationToken).ConfigureAwait(false);
            generation = Math.Max(fence, sourceGroup.Generation);
            fenceRevision = await SetFenceAsync(source, generation, cancellationToken).ConfigureAwait(false);
            if (generation != sourceGroup.Generation)
            {
                var txn = new TxnRequest();
                txn.Compare.Add(ModEquals(_directory.Keys.Group(sourceGroup.Name), sourceRevision));
                txn.Success.Add(PutGroup(sourceGroup with { Generation = generation }));
                await _directory.Control.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await ClearAsync(destination, range, cancellationToken).ConfigureAwait(false);
            copy = new CopyState();
            await CopyAllAsync(source, destination, range, fenceRevision, copy, cancellationToken).ConfigureAwait(false);
            delta = copy.Count;
        }

        // 4. Flip: fence the source for readers too, then route the range to the target.
        //    The target's revision before the flip bounds what the move wrote there (nothing else writes the range there
        //    before the flip).
        var copied = await CurrentRevisionAsync(destination, cancellationToken).ConfigureAwait(false);
        await SetFenceAsync(source, generation + 1, cancellationToken).ConfigureAwait(false);
        phases?.Mark("flip fence");
        await FlipAsync(range, target, sourceGroup.Name, generation + 1, cancellationToken).ConfigureAwait(false);
        phases?.Mark("flip");
        var pause = _time.GetElapsedTime(frozenAt);
        await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);

        // References the range's objects dropped between the last pre-copy round and the fence. They are hints (a
        // reference is always checked against the record it names), so they need not hold writes: they go now, each
        // only if the target has not written it since the flip.
        await DropDeletedReferencesAsync(source, destination, copy, fenceRevision, copied, cancellationToken).ConfigureAwait(false);

        // 5. After the grace period, the source's copy goes.
        await Task.Delay(grace, _time, cancellationToken).ConfigureAwait(false);
        var removed = await RemoveSourceAsync(source, range, cancellationToken).ConfigureAwait(false);
        return new MoveReport(range.Id, sourceGroup.Name, target, preCopied, delta, pause, removed)
        {
            PreCopyTime = preCopyTime,
            PreCopyRounds = rounds,
            FrozenPhases = phases?.Phases ?? [],
            DependentsDropped = copy.Dropped,
        };
    }

    /// <summary>Times the steps of the frozen part of a move.</summary>
    private sealed class PhaseClock(TimeProvider time, long start)
    {
        private long _last = start;

        public List<(string Phase, TimeSpan Took)> Phases { get; } = [];

        public void Mark(string name)
        {
            var now = time.GetTimestamp();
            Phases.Add((name, time.GetElapsedTime(_last, now)));
            _last = now;
        }
    }

    private async Task FlipAsync(RangeRecord range, string target, string sourceName, long generation, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = _directory.Snapshot;
            var (current, rangeRevision) = snapshot.Ranges[snapshot.IndexOf(range.Start)];
            var (group, groupRevision) = snapshot.Groups[sourceName];
            var txn = new TxnRequest();
            txn.Compare.Add(ModEquals(_directory.Keys.Range(range.Start), rangeRevision));
            txn.Compare.Add(ModEquals(_directory.Keys.Group(sourceName), groupRevision));
            txn.Success.Add(PutRange(current with { Group = target, Frozen = false, MovingTo = null }));
            txn.Success.Add(PutGroup(group with { Generation = generation }));
            var response = await _directory.Control.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.Succeeded)
            {
                return;
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException("The range directory kept changing during a flip; run the move again to finish it.");
            }
        }
    }

    /// <summary>
    /// Copies every record of the range (its object spaces, the segment references its objects own, and the dependents
    /// its records name) from one group to the other at <paramref name="atRevision"/> (0: the current one, fixed by the
    /// first read), noting what it copied in <paramref name="copy"/>; returns the revision read at.
    /// </summary>
    private async Task<long> CopyAllAsync(Side from, Side to, RangeRecord range, long atRevision, CopyState copy, CancellationToken cancellationToken)
    {
        var batch = new Batch(to.Client, _directory);
        var revision = atRevision;
        foreach (var (begin, end) in ObjectRanges(from, range))
        {
            revision = await ScanAsync(from.Client, begin, end, revision, 0, keysOnly: false, async kv =>
            {
                copy.Put(kv.Key, DependentsOf(from, kv));
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        var (refBegin, refEnd) = ReferenceRange(from);
        revision = await ScanAsync(from.Client, refBegin, refEnd, revision, 0, keysOnly: false, async kv =>
        {
            if (Owns(range, kv.Value.Span))
            {
                copy.Put(kv.Key, []);
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);

        // Group-level records the copied ones need (chunks of large manifests), at the same revision.
        await CopyDependentsAsync(from, to, copy.Uncopied(), revision, batch, copy, clearFirst: false, cancellationToken).ConfigureAwait(false);
        await batch.FlushAsync(cancellationToken).ConfigureAwait(false);
        return revision;
    }

    /// <summary>
    /// Brings the target's copy of the range from the source's state at <paramref name="since"/> to its state at
    /// <paramref name="atRevision"/>; returns how many records it copied or deleted.
    /// </summary>
    /// <remarks>
    /// Records written in between are found by etcd's mod-revision filter; records deleted in between by a keys-only scan
    /// (etcd keeps no history of a key that is gone) compared with what was copied. Dependents newly named are copied,
    /// those whose chunks were rewritten in place since (ReplaceSegmentDisks) are copied again, and those no copied
    /// record names any more (a large version overwritten or deleted during the pre-copy) are deleted from the target,
    /// which would otherwise keep them with nothing to collect them.
    /// </remarks>
    private async Task<int> CopyDeltaAsync(Side from, Side to, RangeRecord range, long since, long atRevision, CopyState copy, PhaseClock? phases, CancellationToken cancellationToken)
    {
        var batch = new Batch(to.Client, _directory);
        var count = 0;
        var stale = new List<ByteString>();
        var spaces = ObjectRanges(from, range).ToList();
        var tracked = new int[spaces.Count];
        foreach (var key in copy.Keys)
        {
            var space = spaces.FindIndex(s => Within(key, s.Begin, s.End));
            if (space >= 0)
            {
                tracked[space]++;
            }
        }

        var added = new int[spaces.Count];
        for (var s = 0; s < spaces.Count; s++)
        {
            var space = s;
            await ScanAsync(from.Client, spaces[s].Begin, spaces[s].End, atRevision, since + 1, keysOnly: false, async kv =>
            {
                count++;
                added[space] += copy.Contains(kv.Key) ? 0 : 1;
                copy.Put(kv.Key, DependentsOf(from, kv));
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        var (refBegin, refEnd) = ReferenceRange(from);
        await ScanAsync(from.Client, refBegin, refEnd, atRevision, since + 1, keysOnly: false, async kv =>
        {
            if (Owns(range, kv.Value.Span))
            {
                count++;
                copy.Put(kv.Key, []);
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }
            else if (copy.Remove(kv.Key))
            {
                // A reference the range owned now names an object outside it: the target's copy goes.
                count++;
                stale.Add(Rebase(kv.Key, from, to));
            }
        }, cancellationToken).ConfigureAwait(false);

        phases?.Mark("delta: changed records");

        // Deletions in the object keyspaces: copied keys the source no longer holds. etcd keeps no trace of a deleted
        // key at a later revision, but counts are cheap (its index only): a keyspace holding as many keys as were copied
        // plus those created since lost none, and is not scanned.
        for (var s = 0; s < spaces.Count; s++)
        {
            var (begin, end) = spaces[s];
            var holds = await CountAsync(from.Client, begin, end, atRevision, cancellationToken).ConfigureAwait(false);
            if (holds == tracked[s] + added[s])
            {
                continue;
            }

            var present = new HashSet<ByteString>();
            await ScanAsync(from.Client, begin, end, atRevision, 0, keysOnly: true, kv =>
            {
                present.Add(kv.Key);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            foreach (var key in copy.Keys.Where(k => Within(k, begin, end) && !present.Contains(k)).ToList())
            {
                copy.Remove(key);
                stale.Add(Rebase(key, from, to));
                count++;
            }
        }

        phases?.Mark("delta: deleted records");

        var rewritten = await ChangedDependentsAsync(from, copy.CopiedAndNamed(), since, cancellationToken).ConfigureAwait(false);
        await CopyDependentsAsync(from, to, copy.Uncopied(), atRevision, batch, copy, clearFirst: false, cancellationToken).ConfigureAwait(false);
        await CopyDependentsAsync(from, to, rewritten, atRevision, batch, copy, clearFirst: true, cancellationToken).ConfigureAwait(false);
        phases?.Mark("delta: chunk sets");
        await batch.FlushAsync(cancellationToken).ConfigureAwait(false);
        await DeleteKeysAsync(to.Client, stale, cancellationToken).ConfigureAwait(false);
        foreach (var dependent in copy.Unnamed())
        {
            var (begin, end) = PrefixRange(to, Convert.FromHexString(dependent));
            await to.Client.DeleteAsync(new DeleteRangeRequest { Key = begin, RangeEnd = end }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            copy.Forget(dependent);
            count++;
        }

        phases?.Mark("delta: writes");
        return count + rewritten.Count;
    }

    /// <summary>
    /// Deletes from the target the copies of the range's references the source no longer held at
    /// <paramref name="atRevision"/>, each in a Txn that compares its mod revision with <paramref name="copiedBy"/> (the
    /// target's revision when the copy ended), so a reference written since is kept.
    /// </summary>
    private async Task DropDeletedReferencesAsync(Side from, Side to, CopyState copy, long atRevision, long copiedBy, CancellationToken cancellationToken)
    {
        var (refBegin, refEnd) = ReferenceRange(from);
        var present = new HashSet<ByteString>();
        await ScanAsync(from.Client, refBegin, refEnd, atRevision, 0, keysOnly: true, kv =>
        {
            present.Add(kv.Key);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var key in copy.Keys.Where(k => Within(k, refBegin, refEnd) && !present.Contains(k)).ToList())
        {
            var copied = Rebase(key, from, to);
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = copied, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Less, ModRevision = copiedBy + 1 });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = copied } });
            await to.Client.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            copy.Remove(key);
        }
    }

    private async Task<long> CountAsync(EtcdClient client, ByteString begin, ByteString end, long atRevision, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync(new RangeRequest { Key = begin, RangeEnd = end, Revision = atRevision, CountOnly = true }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Count;
    }

    private static bool Within(ByteString key, ByteString begin, ByteString end) =>
        key.Span.SequenceCompareTo(begin.Span) >= 0 && key.Span.SequenceCompareTo(end.Span) < 0;

    /// <summary>The dependents (hex of their prefixes) a source record names.</summary>
    private string[] DependentsOf(Side side, Mvccpb.KeyValue kv) =>
        [.. _layout.Dependents(kv.Key.Span[side.PrefixLength..], kv.Value.Span).Select(Convert.ToHexString).Distinct(StringComparer.Ordinal)];

    /// <summary>Copies the records under each of <paramref name="dependents"/> (hex prefixes) at <paramref name="atRevision"/>.</summary>
    private async Task CopyDependentsAsync(Side from, Side to, List<string> dependents, long atRevision, Batch batch, CopyState copy, bool clearFirst, CancellationToken cancellationToken)
    {
        foreach (var dependent in dependents)
        {
            var prefix = Convert.FromHexString(dependent);
            if (clearFirst)
            {
                var (targetBegin, targetEnd) = PrefixRange(to, prefix);
                await to.Client.DeleteAsync(new DeleteRangeRequest { Key = targetBegin, RangeEnd = targetEnd }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var (begin, end) = PrefixRange(from, prefix);
            await ScanAsync(from.Client, begin, end, atRevision, 0, keysOnly: false, kv => batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken), cancellationToken).ConfigureAwait(false);
            copy.MarkCopied(dependent);
        }
    }

    /// <summary>Which of <paramref name="dependents"/> have a record written after <paramref name="since"/>: one read-only Txn per 100.</summary>
    private async Task<List<string>> ChangedDependentsAsync(Side from, List<string> dependents, long since, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        for (var i = 0; i < dependents.Count; i += MaxOpsPerTxn)
        {
            var some = dependents.Skip(i).Take(MaxOpsPerTxn).ToList();
            var txn = new TxnRequest();
            foreach (var dependent in some)
            {
                var (begin, end) = PrefixRange(from, Convert.FromHexString(dependent));
                txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = begin, RangeEnd = end, MinModRevision = since + 1, KeysOnly = true, Limit = 1 } });
            }

            var response = await from.Client.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < some.Count; j++)
            {
                if (response.Responses[j].ResponseRange.Kvs.Count > 0)
                {
                    changed.Add(some[j]);
                }
            }
        }

        return changed;
    }

    /// <summary>The source group's current revision.</summary>
    private async Task<long> CurrentRevisionAsync(Side side, CancellationToken cancellationToken)
    {
        var response = await side.Client.GetAsync(new RangeRequest { Key = DirectoryKeys.Fence(side.Prefix), CountOnly = true }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <summary>Deletes the range's records in a group: its object spaces and the references its objects own.</summary>
    private async Task<int> ClearOrRemoveAsync(Side side, RangeRecord range, CancellationToken cancellationToken)
    {
        var references = new List<ByteString>();
        var (refBegin, refEnd) = ReferenceRange(side);
        await ScanAsync(side.Client, refBegin, refEnd, 0, 0, keysOnly: false, kv =>
        {
            if (Owns(range, kv.Value.Span))
            {
                references.Add(kv.Key);
            }

            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        await DeleteKeysAsync(side.Client, references, cancellationToken).ConfigureAwait(false);

        long deleted = references.Count;
        var dependents = new List<byte[]>();
        foreach (var (begin, end) in ObjectRanges(side, range))
        {
            await ScanAsync(side.Client, begin, end, 0, 0, keysOnly: false, kv =>
            {
                dependents.AddRange(_layout.Dependents(kv.Key.Span[side.PrefixLength..], kv.Value.Span));
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        foreach (var dependent in dependents.DistinctBy(Convert.ToHexString))
        {
            var (begin, end) = PrefixRange(side, dependent);
            var response = await side.Client.DeleteAsync(new DeleteRangeRequest { Key = begin, RangeEnd = end }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            deleted += response.Deleted;
        }

        foreach (var (begin, end) in ObjectRanges(side, range))
        {
            var response = await side.Client.DeleteAsync(new DeleteRangeRequest { Key = begin, RangeEnd = end }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            deleted += response.Deleted;
        }

        return (int)deleted;
    }

    private Task<int> ClearAsync(Side destination, RangeRecord range, CancellationToken cancellationToken) => ClearOrRemoveAsync(destination, range, cancellationToken);

    private Task<int> RemoveSourceAsync(Side source, RangeRecord range, CancellationToken cancellationToken) => ClearOrRemoveAsync(source, range, cancellationToken);

    private async Task DeleteKeysAsync(EtcdClient client, List<ByteString> keys, CancellationToken cancellationToken)
    {
        for (var i = 0; i < keys.Count; i += MaxOpsPerTxn)
        {
            var txn = new TxnRequest();
            foreach (var key in keys.Skip(i).Take(MaxOpsPerTxn))
            {
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
            }

            await client.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Pages through <c>[begin, end)</c> at <paramref name="revision"/> (0: the current one, which the first page fixes
    /// for the others); returns the revision read at.
    /// </summary>
    private async Task<long> ScanAsync(
        EtcdClient client, ByteString begin, ByteString end, long revision, long minModRevision, bool keysOnly, Func<Mvccpb.KeyValue, Task> each, CancellationToken cancellationToken)
    {
        var from = begin;
        var limit = keysOnly ? KeysPageSize : PageSize;
        while (true)
        {
            var request = new RangeRequest { Key = from, RangeEnd = end, Limit = limit, Revision = revision, KeysOnly = keysOnly, MinModRevision = minModRevision };
            RangeResponse page;
            try
            {
                page = await client.GetAsync(request, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && limit > 1)
            {
                // A page over gRPC's 4 MiB (records of large manifests or completions): ask again for half as many.
                limit /= 2;
                continue;
            }


            // A response's header carries the store's current revision, not the one asked for: only the first read of
            // the current revision fixes it.
            if (revision == 0)
            {
                revision = page.Header.Revision;
            }

            foreach (var kv in page.Kvs)
            {
                await each(kv).ConfigureAwait(false);
            }

            // With a mod-revision filter etcd may return fewer keys than the limit and still have more: go on while it says so.
            if (!page.More)
            {
                return revision;
            }

            var last = page.Kvs.Count > 0 ? page.Kvs[^1].Key : from;
            from = ByteString.CopyFrom([.. last.Span, 0]);
        }
    }

    private async Task<long> SetFenceAsync(Side side, long generation, CancellationToken cancellationToken)
    {
        var response = await side.Client.PutAsync(new PutRequest { Key = DirectoryKeys.Fence(side.Prefix), Value = DirectoryKeys.FenceValue(generation) }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    private async Task<long> ReadFenceAsync(Side side, CancellationToken cancellationToken)
    {
        var response = await side.Client.GetAsync(new RangeRequest { Key = DirectoryKeys.Fence(side.Prefix) }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? 0 : long.Parse(response.Kvs[0].Value.ToStringUtf8(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private IEnumerable<(ByteString Begin, ByteString End)> ObjectRanges(Side side, RangeRecord range)
    {
        foreach (var space in _layout.ObjectSpaces)
        {
            var head = System.Text.Encoding.UTF8.GetBytes(side.Prefix).Concat(space).ToArray();
            var begin = ByteString.CopyFrom([.. head, .. range.Start]);
            var end = range.End is null ? ByteString.CopyFrom(Increment(head)) : ByteString.CopyFrom([.. head, .. range.End]);
            yield return (begin, end);
        }
    }

    private static (ByteString Begin, ByteString End) PrefixRange(Side side, byte[] prefix)
    {
        byte[] head = [.. System.Text.Encoding.UTF8.GetBytes(side.Prefix), .. prefix];
        return (ByteString.CopyFrom(head), ByteString.CopyFrom(Increment(head)));
    }

    private (ByteString Begin, ByteString End) ReferenceRange(Side side)
    {
        var head = System.Text.Encoding.UTF8.GetBytes(side.Prefix).Concat(_layout.ReferenceSpace).ToArray();
        return (ByteString.CopyFrom(head), ByteString.CopyFrom(Increment(head)));
    }

    private bool Owns(RangeRecord range, ReadOnlySpan<byte> reference)
    {
        var owner = _layout.ReferenceOwner(reference);
        return owner.AsSpan().SequenceCompareTo(range.Start) >= 0 && (range.End is null || owner.AsSpan().SequenceCompareTo(range.End) < 0);
    }

    /// <summary>The smallest key after every key starting with <paramref name="prefix"/>.</summary>
    private static byte[] Increment(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        return [0];
    }

    private static ByteString Rebase(ByteString key, Side from, Side to)
    {
        var fromPrefix = System.Text.Encoding.UTF8.GetByteCount(from.Prefix);
        return ByteString.CopyFrom([.. System.Text.Encoding.UTF8.GetBytes(to.Prefix), .. key.Span[fromPrefix..]]);
    }

    private static Compare ModEquals(string key, long modRevision) =>
        new() { Key = EtcdKeys.Bytes(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision };

    private RequestOp PutRange(RangeRecord range) =>
        EtcdRangeDirectory.Put(EtcdKeys.Bytes(_directory.Keys.Range(range.Start)), JsonSerializer.SerializeToUtf8Bytes(range, ShardingJsonContext.Default.RangeRecord));

    private RequestOp PutGroup(GroupRecord group) =>
        EtcdRangeDirectory.Put(EtcdKeys.Bytes(_directory.Keys.Group(group.Name)), JsonSerializer.SerializeToUtf8Bytes(group, ShardingJsonContext.Default.GroupRecord));

    private sealed record Side(EtcdClient Client, string Prefix)
    {
        /// <summary>The prefix's length in bytes.</summary>
        public int PrefixLength { get; } = System.Text.Encoding.UTF8.GetByteCount(Prefix);
    }

    /// <summary>
    /// What the target holds of the range during a move: the source keys copied (object records and owned references)
    /// with the dependents each names, and which dependents were copied.
    /// </summary>
    private sealed class CopyState
    {
        private readonly Dictionary<ByteString, string[]> _keys = [];
        private readonly Dictionary<string, int> _named = new(StringComparer.Ordinal);
        private readonly HashSet<string> _copied = new(StringComparer.Ordinal);

        /// <summary>Source keys copied.</summary>
        public int Count => _keys.Count;

        public IEnumerable<ByteString> Keys => _keys.Keys;

        public bool Contains(ByteString key) => _keys.ContainsKey(key);

        /// <summary>Notes <paramref name="key"/> copied, naming <paramref name="dependents"/> (in place of what it named before).</summary>
        public void Put(ByteString key, string[] dependents)
        {
            Remove(key);
            _keys[key] = dependents;
            foreach (var dependent in dependents)
            {
                _named[dependent] = _named.GetValueOrDefault(dependent) + 1;
            }
        }

        /// <summary>Notes <paramref name="key"/> gone from the target; false when it was not copied.</summary>
        public bool Remove(ByteString key)
        {
            if (!_keys.Remove(key, out var old))
            {
                return false;
            }

            foreach (var dependent in old)
            {
                _named[dependent]--;
            }

            return true;
        }

        /// <summary>Dependents named and not yet copied.</summary>
        public List<string> Uncopied() => [.. _named.Where(p => p.Value > 0 && !_copied.Contains(p.Key)).Select(p => p.Key)];

        /// <summary>Dependents copied and still named.</summary>
        public List<string> CopiedAndNamed() => [.. _copied.Where(d => _named.GetValueOrDefault(d) > 0)];

        /// <summary>Dependents copied that no copied record names any more.</summary>
        public List<string> Unnamed() => [.. _copied.Where(d => _named.GetValueOrDefault(d) == 0)];

        public void MarkCopied(string dependent) => _copied.Add(dependent);

        /// <summary>Dependents deleted from the target because no copied record named them any more.</summary>
        public int Dropped { get; private set; }

        public void Forget(string dependent)
        {
            Dropped++;
            _copied.Remove(dependent);
            _named.Remove(dependent);
        }
    }

    /// <summary>Puts gathered into Txns of at most <see cref="MaxOpsPerTxn"/> operations and about a MiB.</summary>
    private sealed class Batch(EtcdClient client, EtcdRangeDirectory directory)
    {
        /// <summary>Txns sent before the first is answered: etcd commits concurrent ones together (one fsync).</summary>
        private const int InFlight = 4;

        private readonly Queue<Task> _sent = new();
        private TxnRequest _txn = new();
        private int _bytes;

        public async Task PutAsync(ByteString key, ByteString value, CancellationToken cancellationToken)
        {
            if (_txn.Success.Count >= MaxOpsPerTxn || _bytes + key.Length + value.Length > MaxBytesPerTxn)
            {
                await SendAsync(cancellationToken).ConfigureAwait(false);
            }

            _txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = value } });
            _bytes += key.Length + value.Length + 16;
        }

        /// <summary>Sends what is gathered and waits until every Txn sent is answered.</summary>
        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendAsync(cancellationToken).ConfigureAwait(false);
            while (_sent.Count > 0)
            {
                await _sent.Dequeue().ConfigureAwait(false);
            }
        }

        /// <summary>Sends what is gathered, once fewer than <see cref="InFlight"/> Txns are unanswered (the keys of a batch are distinct, so their order does not matter).</summary>
        private async Task SendAsync(CancellationToken cancellationToken)
        {
            if (_txn.Success.Count == 0)
            {
                return;
            }

            while (_sent.Count >= InFlight)
            {
                await _sent.Dequeue().ConfigureAwait(false);
            }

            _sent.Enqueue(client.TransactionAsync(_txn, deadline: directory.Deadline(), cancellationToken: cancellationToken));
            _txn = new TxnRequest();
            _bytes = 0;
        }
    }
}
