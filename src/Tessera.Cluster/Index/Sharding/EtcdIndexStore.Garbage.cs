using Etcdserverpb;
using Google.Protobuf;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>
/// The garbage queue: batches (<c>04 'G' ticks id</c>) in the group where they were released, peeked and removed across
/// all groups; and the collection of chunk sets staged by commits that never came.
/// </content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Reads each group's batches queued before <paramref name="olderThan"/>, oldest first, expands each into one entry
    /// per segment (<see cref="GarbageEntry.Sequence"/> is the batch's id), merges the groups by queued time and returns
    /// the first <paramref name="max"/>. It also deletes, in each group, chunk sets staged longer ago than
    /// <see cref="EtcdIndexOptions.StagedSetTimeout"/> that no commit took.
    /// </remarks>
    public IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ThrowIfDisposed();
        if (max == 0)
        {
            return [];
        }

        return Retrying(() =>
        {
            var entries = new List<GarbageEntry>();
            foreach (var group in _directory.Groups)
            {
                var view = ViewOf(group);
                CollectStagedSets(view);
                var taken = 0;
                foreach (var kv in view.Scan(IndexKeys.GarbageSpace.ToArray(), EtcdIndexKeys.Garbage(olderThan.UtcTicks, 0), Math.Max(1, (2 << 20) / Options.MaxInlineGarbageBytes)))
                {
                    var id = EtcdIndexKeys.IdOfGarbageKey(view.IndexKey(kv));
                    var batch = GarbageBatch.Decode(kv.Value.Span);
                    foreach (var segment in batch.Inline.Concat(batch.Sets.SelectMany(set => ReadSet(view, set))))
                    {
                        entries.Add(new GarbageEntry(batch.Queued, id, segment));
                        taken++;
                    }

                    if (taken >= max)
                    {
                        break;
                    }
                }
            }

            // Stable: within one queued time, group order then key order.
            return (IReadOnlyList<GarbageEntry>)[.. entries.OrderBy(e => e.Queued.UtcTicks).Take(max)];
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Idempotent. Each batch named by the entries (queued time and id) is found in whichever group holds it; its chunks
    /// that listed a removed segment are rewritten without it (each in a fenced Txn comparing the chunk), then the batch
    /// is deleted with its sets when nothing is left, or rewritten without the removed inline segments (comparing it).
    /// The removed segments' references left by their versions (too many to delete in their commit) go last.
    /// </remarks>
    public void RemoveGarbage(IEnumerable<GarbageEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ThrowIfDisposed();
        foreach (var batch in entries.GroupBy(e => (Ticks: e.Queued.UtcTicks, e.Sequence)).ToList())
        {
            var removed = batch.Select(e => e.Segment.Segment).ToHashSet();
            Retrying(() =>
            {
                foreach (var group in _directory.Groups)
                {
                    var view = ViewOf(group);
                    if (RemoveFromBatch(view, EtcdIndexKeys.Garbage(batch.Key.Ticks, batch.Key.Sequence), removed))
                    {
                        DeleteNow(view, [.. removed.Select(EtcdIndexKeys.Reference)]);
                        break;
                    }
                }

                return true;
            });
        }
    }

    /// <summary>Removes <paramref name="removed"/> from the batch at <paramref name="key"/>; false when the group has no such batch.</summary>
    private bool RemoveFromBatch(GroupView view, byte[] key, HashSet<Guid> removed)
    {
        if (view.Get(key) is not { } record)
        {
            return false;
        }

        var batch = GarbageBatch.Decode(record.Value.Span);
        var emptySets = new List<Guid>();
        foreach (var set in batch.Sets)
        {
            if (RemoveFromSet(view, set, removed))
            {
                emptySets.Add(set);
            }
        }

        var inline = batch.Inline.Where(s => !removed.Contains(s.Segment)).ToList();
        if (inline.Count == batch.Inline.Count && emptySets.Count == 0)
        {
            return true;
        }

        var txn = new TxnRequest();
        txn.Compare.Add(view.FenceCompare());
        txn.Compare.Add(new Compare { Key = view.Full(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = record.ModRevision });
        var sets = batch.Sets.Except(emptySets).ToList();
        if (inline.Count == 0 && sets.Count == 0)
        {
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = view.Full(key) } });
        }
        else
        {
            var value = GarbageBatch.Encode(batch.Queued, [.. inline.Select(EtcdRecords.Segment)], sets);
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = view.Full(key), Value = ByteString.CopyFrom(value) } });
        }

        foreach (var set in emptySets)
        {
            var prefix = EtcdIndexKeys.SetPrefix(set);
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = view.Full(prefix), RangeEnd = view.Full(EtcdIndexKeys.End(prefix)) } });
        }

        if (!view.Send(txn).Succeeded)
        {
            throw new RetryException($"Garbage batch {Convert.ToHexString(key)} changed while entries were removed from it.");
        }

        return true;
    }

    /// <summary>Rewrites the chunks of <paramref name="set"/> that list a removed segment; true when the set holds nothing any more.</summary>
    private bool RemoveFromSet(GroupView view, Guid set, HashSet<Guid> removed)
    {
        var prefix = EtcdIndexKeys.SetPrefix(set);
        var left = 0;
        foreach (var chunk in view.Scan(prefix, EtcdIndexKeys.End(prefix), pageSize: 4).ToList())
        {
            var segments = EtcdRecords.ReadChunk(chunk.Value.Span);
            var kept = segments.Where(s => !removed.Contains(s.Segment)).ToList();
            left += kept.Count;
            if (kept.Count == segments.Count)
            {
                continue;
            }

            var txn = new TxnRequest();
            txn.Compare.Add(view.FenceCompare());
            txn.Compare.Add(new Compare { Key = chunk.Key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = chunk.ModRevision });
            txn.Success.Add(kept.Count == 0
                ? new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = chunk.Key } }
                : new RequestOp { RequestPut = new PutRequest { Key = chunk.Key, Value = ByteString.CopyFrom(EtcdRecords.Chunk(kept.Select(EtcdRecords.Segment), Time.GetUtcNow().UtcTicks)) } });
            if (!view.Send(txn).Succeeded)
            {
                throw new RetryException($"A chunk of garbage set {set:N} changed while entries were removed from it.");
            }
        }

        return left == 0;
    }

    /// <summary>Deletes <paramref name="keys"/> (records nothing else writes any more) in fenced Txns of at most 120.</summary>
    private static void DeleteNow(GroupView view, List<byte[]> keys)
    {
        foreach (var chunk in keys.Chunk(EtcdIndexOptions.EtcdMaxTxnOps - 8))
        {
            var txn = new TxnRequest();
            txn.Compare.Add(view.FenceCompare());
            foreach (var key in chunk)
            {
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = view.Full(key) } });
            }

            view.Send(txn);
        }
    }

    /// <summary>
    /// Deletes the chunk sets staged longer ago than <see cref="EtcdIndexOptions.StagedSetTimeout"/> that no commit took
    /// (their commit failed, or its process died), each with its staged marker in one Txn that compares the marker.
    /// </summary>
    internal int CollectStagedSets(GroupView view)
    {
        var before = (Time.GetUtcNow() - Options.StagedSetTimeout).UtcTicks;
        var collected = 0;
        var space = EtcdIndexKeys.StagedSpace.ToArray();
        foreach (var marker in view.Scan(space, EtcdIndexKeys.End(space), Options.PageSize).ToList())
        {
            if ((long)EtcdRecords.ReadUInt64(marker.Value) >= before)
            {
                continue;
            }

            var prefix = EtcdIndexKeys.SetPrefix(EtcdIndexKeys.SetOfStagedKey(view.IndexKey(marker)));
            var txn = new TxnRequest();
            txn.Compare.Add(view.FenceCompare());
            txn.Compare.Add(new Compare { Key = marker.Key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = marker.ModRevision });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = marker.Key } });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = view.Full(prefix), RangeEnd = view.Full(EtcdIndexKeys.End(prefix)) } });
            collected += view.Send(txn).Succeeded ? 1 : 0;
        }

        return collected;
    }
}
