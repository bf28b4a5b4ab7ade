using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Splits ranges that grew too big or too busy, and moves the busier half to a less loaded group (the coordinator runs
/// it every <see cref="SplitPolicy.Interval"/>).
/// </summary>
/// <remarks>
/// Size is the number of latest pointers in the range (one count-only etcd Range over the latest keyspace). Load is the
/// number of distinct keys of the range written since the last pass: keys-only pages with a minimum mod revision, the
/// group's revision at the previous pass (etcd ignores that filter on a count-only Range). Either splits at the median: of all keys for size, of the keys written
/// for load, so the two halves share the writes. A key written over and over cannot be split: one key is one Txn
/// stream, the per-key ceiling.
/// </remarks>
public sealed class RangeSplitter
{
    private const int PageSize = 1000;

    private readonly EtcdRangeDirectory _directory;
    private readonly RangeMover _mover;
    private readonly byte[] _latestSpace;
    private readonly SplitPolicy _policy;
    private readonly Dictionary<string, long> _lastRevision = new(StringComparer.Ordinal);

    /// <summary>A splitter over <paramref name="directory"/>; <paramref name="latestSpace"/> is the tag of the latest-pointer keyspace.</summary>
    public RangeSplitter(EtcdRangeDirectory directory, RangeMover mover, byte[] latestSpace, SplitPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(mover);
        ArgumentNullException.ThrowIfNull(latestSpace);
        _directory = directory;
        _mover = mover;
        _latestSpace = latestSpace;
        _policy = policy ?? new SplitPolicy();
    }

    /// <summary>Runs passes until <paramref name="cancellationToken"/> fires; a failed pass is tried again at the next tick.</summary>
    public async Task RunAsync(Action<SplitDecision>? onSplit, Action<Exception>? onError, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_policy.Interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var decision in await PassAsync(cancellationToken).ConfigureAwait(false))
                {
                    onSplit?.Invoke(decision);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                onError?.Invoke(e);
            }
        }
    }

    /// <summary>One pass: measures every range, splits (and moves) those over a limit; returns what it did.</summary>
    public async Task<IReadOnlyList<SplitDecision>> PassAsync(CancellationToken cancellationToken = default)
    {
        await _directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = _directory.Snapshot;
        var decisions = new List<SplitDecision>();
        foreach (var (range, _) in snapshot.Ranges)
        {
            if (range.Frozen)
            {
                continue;
            }

            var group = snapshot.Groups[range.Group].Record;
            var client = _directory.Client(group);
            var (begin, end) = LatestRange(group.KeyPrefix, range);
            var since = _lastRevision.GetValueOrDefault(range.Id);
            var count = await client.GetAsync(new RangeRequest { Key = begin, RangeEnd = end, CountOnly = true }, deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            _lastRevision[range.Id] = count.Header.Revision;

            // etcd ignores the mod-revision filter of a count-only Range (it counts before filtering): page keys only.
            var written = since > 0 ? await CountAsync(client, begin, end, since + 1, count.Header.Revision, cancellationToken).ConfigureAwait(false) : 0;

            var (reason, measure, minModRevision) =
                written > _policy.MaxWrittenKeysPerInterval ? ("load", written, since + 1)
                : count.Count > _policy.MaxKeys ? ("size", count.Count, 0L)
                : (null, 0L, 0L);
            if (reason is null)
            {
                continue;
            }

            var at = await MedianAsync(client, group.KeyPrefix, begin, end, measure, minModRevision, count.Header.Revision, cancellationToken).ConfigureAwait(false);
            if (at is null || at.AsSpan().SequenceEqual(range.Start))
            {
                continue;
            }

            var (_, right) = await _mover.SplitAsync(at, cancellationToken).ConfigureAwait(false);
            MoveReport? move = null;
            if (_policy.MoveAfterSplit && LeastLoaded(_directory.Snapshot, range.Group) is { } target)
            {
                move = await _mover.MoveAsync(right.Start, target, _policy.MoveGrace, cancellationToken).ConfigureAwait(false);
            }

            decisions.Add(new SplitDecision(range.Id, at, reason, measure, move));
        }

        return decisions;
    }

    /// <summary>The group with the fewest ranges, if it holds fewer than <paramref name="source"/> does after the split.</summary>
    private static string? LeastLoaded(DirectorySnapshot snapshot, string source)
    {
        var counts = snapshot.Groups.Keys.ToDictionary(g => g, _ => 0, StringComparer.Ordinal);
        foreach (var (range, _) in snapshot.Ranges)
        {
            counts[range.Group]++;
        }

        var (least, fewest) = counts.OrderBy(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).First();
        return least != source && fewest < counts[source] - 1 ? least : null;
    }

    /// <summary>How many keys of <c>[begin, end)</c> have a mod revision of at least <paramref name="minModRevision"/>, at <paramref name="revision"/>.</summary>
    private async Task<long> CountAsync(EtcdClient client, ByteString begin, ByteString end, long minModRevision, long revision, CancellationToken cancellationToken)
    {
        long count = 0;
        var from = begin;
        while (true)
        {
            var page = await client.GetAsync(
                new RangeRequest { Key = from, RangeEnd = end, KeysOnly = true, Limit = PageSize, MinModRevision = minModRevision, Revision = revision },
                deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            count += page.Kvs.Count;
            if (!page.More || page.Kvs.Count == 0)
            {
                return count;
            }

            from = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }
    }

    /// <summary>The coordinate of the middle one of the range's (recently written) keys, read keys-only at <paramref name="revision"/>.</summary>
    private async Task<byte[]?> MedianAsync(
        EtcdClient client, string prefix, ByteString begin, ByteString end, long count, long minModRevision, long revision, CancellationToken cancellationToken)
    {
        var head = System.Text.Encoding.UTF8.GetByteCount(prefix) + _latestSpace.Length;
        var target = count / 2;
        long seen = 0;
        var from = begin;
        while (true)
        {
            var page = await client.GetAsync(
                new RangeRequest { Key = from, RangeEnd = end, KeysOnly = true, Limit = PageSize, MinModRevision = minModRevision, Revision = revision },
                deadline: _directory.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Kvs)
            {
                if (seen++ == target)
                {
                    return kv.Key.Span[head..].ToArray();
                }
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                return null;
            }

            from = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }
    }

    private (ByteString Begin, ByteString End) LatestRange(string prefix, RangeRecord range)
    {
        byte[] head = [.. System.Text.Encoding.UTF8.GetBytes(prefix), .. _latestSpace];
        var begin = ByteString.CopyFrom([.. head, .. range.Start]);
        if (range.End is not null)
        {
            return (begin, ByteString.CopyFrom([.. head, .. range.End]));
        }

        var end = (byte[])head.Clone();
        end[^1]++;
        return (begin, ByteString.CopyFrom(end));
    }
}
