using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Fenced reads of one index group at one revision: the first read is a Txn that compares the group's fence with the
/// route's generation and reads at the current revision R (linearizable: a read-only Txn goes through etcd's leader);
/// every later read compares the fence again and reads at R, so everything a view returns is one consistent snapshot.
/// Keys in and out are index keys (<see cref="EtcdIndexKeys"/>): the view adds and strips the group's prefix.
/// </summary>
/// <remarks>One caller at a time. A fence that no longer matches throws <see cref="FenceFailedException"/>.</remarks>
internal class GroupView
{
    private readonly byte[] _prefix;
    private readonly ByteString _fenceKey;
    private readonly ByteString _fenceValue;

    /// <summary>Creates a view of <paramref name="group"/> under <paramref name="generation"/>; nothing is read yet.</summary>
    public GroupView(EtcdIndexStore store, IndexGroup group, long generation)
    {
        Store = store;
        Group = group;
        Generation = generation;
        _prefix = System.Text.Encoding.UTF8.GetBytes(group.KeyPrefix);
        _fenceKey = GroupFence.Key(group);
        _fenceValue = GroupFence.Encode(generation);
    }

    /// <summary>The store (for its options and its Txn counter).</summary>
    public EtcdIndexStore Store { get; }

    /// <summary>The group.</summary>
    public IndexGroup Group { get; }

    /// <summary>The generation every request compares.</summary>
    public long Generation { get; }

    /// <summary>The revision the view reads at; 0 until the first read.</summary>
    public long Revision { get; private set; }

    /// <summary>The etcd key of an index key.</summary>
    public ByteString Full(ReadOnlySpan<byte> key)
    {
        var full = new byte[_prefix.Length + key.Length];
        _prefix.CopyTo(full, 0);
        key.CopyTo(full.AsSpan(_prefix.Length));
        return ByteString.CopyFrom(full);
    }

    /// <summary>The index key of a record read from the group (valid as long as <paramref name="kv"/>).</summary>
    public ReadOnlySpan<byte> IndexKey(KeyValue kv) => kv.Key.Span[_prefix.Length..];

    /// <summary>A point read.</summary>
    public RangeRequest Point(byte[] key) => new() { Key = Full(key) };

    /// <summary>A range read of [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public RangeRequest Between(byte[] from, byte[] to, long limit = 0, bool newestKeyFirst = false)
    {
        var request = new RangeRequest { Key = Full(from), RangeEnd = Full(to), Limit = limit };
        if (newestKeyFirst)
        {
            request.SortOrder = RangeRequest.Types.SortOrder.Descend;
            request.SortTarget = RangeRequest.Types.SortTarget.Key;
        }

        return request;
    }

    /// <summary>The compare that holds only while the group's fence has <see cref="Generation"/>.</summary>
    public Compare FenceCompare() =>
        new() { Key = _fenceKey, Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = _fenceValue };

    /// <summary>Reads <paramref name="ranges"/> at <see cref="Revision"/> (the first read fixes it), in fenced Txns of at most 128 reads.</summary>
    public virtual IReadOnlyList<RangeResponse> Read(IReadOnlyList<RangeRequest> ranges)
    {
        var responses = new List<RangeResponse>(ranges.Count);
        var at = 0;
        do
        {
            var txn = new TxnRequest();
            txn.Compare.Add(FenceCompare());
            foreach (var range in ranges.Skip(at).Take(EtcdIndexOptions.EtcdMaxTxnOps))
            {
                range.Revision = Revision;
                txn.Success.Add(new RequestOp { RequestRange = range });
            }

            var response = Send(txn);
            if (!response.Succeeded)
            {
                throw new InvalidOperationException("A read-only Txn failed a compare other than its fence.");
            }

            if (Revision == 0)
            {
                Revision = response.Header.Revision;
            }

            responses.AddRange(response.Responses.Select(r => r.ResponseRange));
            at += EtcdIndexOptions.EtcdMaxTxnOps;
        }
        while (at < ranges.Count);

        return responses;
    }

    /// <summary>One record, or null.</summary>
    public KeyValue? Get(byte[] key) => Read([Point(key)])[0].Kvs.FirstOrDefault();

    /// <summary>Every record in [<paramref name="from"/>, <paramref name="to"/>), in pages of <paramref name="pageSize"/>.</summary>
    public IEnumerable<KeyValue> Scan(byte[] from, byte[] to, int pageSize)
    {
        var start = from;
        while (true)
        {
            var page = Read([Between(start, to, pageSize)])[0];
            foreach (var kv in page.Kvs)
            {
                yield return kv;
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                yield break;
            }

            start = [.. IndexKey(page.Kvs[^1]), 0x00];
        }
    }

    /// <summary>
    /// Sends <paramref name="txn"/> with the fence read as its failure branch's first operation. A failed Txn whose
    /// fence no longer holds throws <see cref="FenceFailedException"/>; one whose fence holds is returned (another compare
    /// failed).
    /// </summary>
    public TxnResponse Send(TxnRequest txn)
    {
        txn.Failure.Insert(0, new RequestOp { RequestRange = new RangeRequest { Key = _fenceKey } });
        var response = Store.Send(Group, txn);
        if (!response.Succeeded)
        {
            var fence = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
            if (fence is null || fence.Value != _fenceValue)
            {
                throw new FenceFailedException(Group.Name, Generation);
            }
        }

        return response;
    }
}
