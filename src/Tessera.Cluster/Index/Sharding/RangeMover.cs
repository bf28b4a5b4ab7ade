using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
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
/// <item>Pre-copy: clears the range in B, then copies its records from A at one revision R0 while writes go on.</item>
/// <item>Freeze: one directory Txn marks the range frozen and raises A's generation to g+1; then A's fence key becomes
/// g+1. From there every index request on A made with an older directory fails its fence compare and re-reads the
/// directory; writers of the frozen range wait; writers of A's other ranges go on under g+1.</item>
/// <item>Delta: copies what changed in A between R0 and the fence's revision (keys with a newer mod revision, and the
/// keys deleted since R0), so writes pause only for the delta, not the whole range.</item>
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

        int preCopied = 0, delta;
        long frozenAt;
        long fenceRevision;
        long generation;
        if (!range.Frozen)
        {
            // 1. Pre-copy while writes go on.
            await ClearAsync(destination, range, cancellationToken).ConfigureAwait(false);
            var (copied, r0) = await CopyAsync(source, destination, range, atRevision: 0, minModRevision: 0, cancellationToken).ConfigureAwait(false);
            preCopied = copied.Count;

            // 2. Freeze: the directory first (writers that read it wait), then the fence (writers that did not, fail).
            generation = sourceGroup.Generation + 1;
            var txn = new TxnRequest();
            txn.Compare.Add(ModEquals(_directory.Keys.Range(range.Start), rangeRevision));
            txn.Compare.Add(ModEquals(_directory.Keys.Group(sourceGroup.Name), sourceRevision));
            txn.Success.Add(PutRange(range with { Frozen = true, MovingTo = target }));
            txn.Success.Add(PutGroup(sourceGroup with { Generation = generation }));
            var frozen = await _directory.Control.TransactionAsync(txn, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!frozen.Succeeded)
            {
                throw new InvalidOperationException("The range directory changed during the move's pre-copy; run the move again.");
            }

            frozenAt = _time.GetTimestamp();
            fenceRevision = await SetFenceAsync(source, generation, cancellationToken).ConfigureAwait(false);

            // 3. The delta between the pre-copy and the fence.
            var (changed, _) = await CopyAsync(source, destination, range, fenceRevision, minModRevision: r0 + 1, cancellationToken).ConfigureAwait(false);
            var present = await KeysAsync(source, range, fenceRevision, cancellationToken).ConfigureAwait(false);
            var gone = copied.Where(k => !present.Contains(k)).Select(k => Rebase(k, source, destination)).ToList();
            await DeleteKeysAsync(destination.Client, gone, cancellationToken).ConfigureAwait(false);
            delta = changed.Count + gone.Count;
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
            var (copied, _) = await CopyAsync(source, destination, range, fenceRevision, minModRevision: 0, cancellationToken).ConfigureAwait(false);
            delta = copied.Count;
        }

        // 4. Flip: fence the source for readers too, then route the range to the target.
        await SetFenceAsync(source, generation + 1, cancellationToken).ConfigureAwait(false);
        await FlipAsync(range, target, sourceGroup.Name, generation + 1, cancellationToken).ConfigureAwait(false);
        var pause = _time.GetElapsedTime(frozenAt);
        await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);

        // 5. After the grace period, the source's copy goes.
        await Task.Delay(grace, _time, cancellationToken).ConfigureAwait(false);
        var removed = await RemoveSourceAsync(source, range, cancellationToken).ConfigureAwait(false);
        return new MoveReport(range.Id, sourceGroup.Name, target, preCopied, delta, pause, removed);
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

    /// <summary>Copies the range's records (object spaces, and the segment references its objects own) from one group to the other.</summary>
    private async Task<(HashSet<ByteString> Keys, long Revision)> CopyAsync(Side from, Side to, RangeRecord range, long atRevision, long minModRevision, CancellationToken cancellationToken)
    {
        var keys = new HashSet<ByteString>();
        var batch = new Batch(to.Client, _directory);
        var revision = atRevision;
        var dependents = new List<byte[]>();
        foreach (var (begin, end) in ObjectRanges(from, range))
        {
            revision = await ScanAsync(from.Client, begin, end, revision, minModRevision, keysOnly: false, async kv =>
            {
                keys.Add(kv.Key);
                dependents.AddRange(_layout.Dependents(kv.Key.Span[from.PrefixLength..], kv.Value.Span));
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        // Group-level records the copied ones need (chunks of large manifests), at the same revision. They are not in
        // the returned keys: the delta's deletions compare those with the source's object and reference keys only (a
        // chunk set whose version was deleted during the pre-copy stays in the target, unreferenced: see the docs).
        foreach (var dependent in dependents.DistinctBy(Convert.ToHexString))
        {
            var (begin, end) = PrefixRange(from, dependent);
            await ScanAsync(from.Client, begin, end, revision, 0, keysOnly: false, async kv =>
            {
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        var (refBegin, refEnd) = ReferenceRange(from);
        revision = await ScanAsync(from.Client, refBegin, refEnd, revision, minModRevision, keysOnly: false, async kv =>
        {
            if (Owns(range, kv.Value.Span))
            {
                keys.Add(kv.Key);
                await batch.PutAsync(Rebase(kv.Key, from, to), kv.Value, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        await batch.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (keys, revision);
    }

    /// <summary>The source keys of the range's records at <paramref name="revision"/> (to find what was deleted since the pre-copy).</summary>
    private async Task<HashSet<ByteString>> KeysAsync(Side from, RangeRecord range, long revision, CancellationToken cancellationToken)
    {
        var keys = new HashSet<ByteString>();
        foreach (var (begin, end) in ObjectRanges(from, range))
        {
            await ScanAsync(from.Client, begin, end, revision, 0, keysOnly: true, kv =>
            {
                keys.Add(kv.Key);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        // References: their owner is in the value, so they are read whole.
        var (refBegin, refEnd) = ReferenceRange(from);
        await ScanAsync(from.Client, refBegin, refEnd, revision, 0, keysOnly: false, kv =>
        {
            if (Owns(range, kv.Value.Span))
            {
                keys.Add(kv.Key);
            }

            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return keys;
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
        while (true)
        {
            var request = new RangeRequest { Key = from, RangeEnd = end, Limit = PageSize, Revision = revision, KeysOnly = keysOnly, MinModRevision = minModRevision };
            var page = await client.GetAsync(request, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);

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

    /// <summary>Puts gathered into Txns of at most <see cref="MaxOpsPerTxn"/> operations and about a MiB.</summary>
    private sealed class Batch(EtcdClient client, EtcdRangeDirectory directory)
    {
        private TxnRequest _txn = new();
        private int _bytes;

        public async Task PutAsync(ByteString key, ByteString value, CancellationToken cancellationToken)
        {
            if (_txn.Success.Count >= MaxOpsPerTxn || _bytes + key.Length + value.Length > MaxBytesPerTxn)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            _txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = value } });
            _bytes += key.Length + value.Length + 16;
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_txn.Success.Count == 0)
            {
                return;
            }

            await client.TransactionAsync(_txn, deadline: directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            _txn = new TxnRequest();
            _bytes = 0;
        }
    }
}
