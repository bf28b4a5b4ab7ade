using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// One attempt of an object mutation (design: <see cref="EtcdIndexStore"/>): reads at one revision R through the
/// object's route (the first read also reads the object's guard and its bucket's marker), then one commit Txn that
/// compares the fence, the guard's mod revision and whatever the attempt relied on, and puts the guard with the
/// attempt's writes and one garbage batch for the segments it released. A failed compare makes the attempt start over
/// (<see cref="EtcdIndexStore"/> retries it from its reads).
/// </summary>
internal sealed class ObjectMutation : GroupView
{
    private readonly byte[] _guardKey;
    private readonly byte[] _markerKey;
    private readonly List<Compare> _compares = [];
    private readonly List<RequestOp> _ops = [];
    private readonly List<byte[]> _released = [];
    private readonly List<Guid> _releasedSets = [];
    private bool _guarded = true;
    private bool _readOnce;
    private int _referenceOps;

    /// <summary>An attempt on <paramref name="bucket"/>/<paramref name="key"/> through <paramref name="route"/>.</summary>
    public ObjectMutation(EtcdIndexStore store, RangeRoute route, string bucket, string key)
        : base(store, route.Group, route.Generation)
    {
        Route = route;
        Bucket = bucket;
        Key = key;
        _guardKey = EtcdIndexKeys.Guard(bucket, key);
        _markerKey = EtcdIndexKeys.Marker(bucket);
        _referenceOps = store.Options.MaxReferenceOps;
    }

    /// <summary>The route the attempt uses.</summary>
    public RangeRoute Route { get; }

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>The object key.</summary>
    public string Key { get; }

    /// <summary>The guard's mod revision at R (0: absent).</summary>
    public long GuardRevision { get; private set; }

    /// <summary>The bucket's marker in this group at R, or null.</summary>
    public KeyValue? Marker { get; private set; }

    /// <summary>The bucket's versioning state from its marker; null when there is no marker (no such bucket).</summary>
    public VersioningState? Versioning => Marker is null ? null : EtcdRecords.ReadMarker(Marker.Value);

    /// <summary>Whether the attempt wrote anything (else it returns without a commit).</summary>
    public bool HasWrites => _ops.Count > 0 || _released.Count > 0 || _releasedSets.Count > 0;

    /// <summary>The number of operations the commit holds so far (the guard and the garbage batch included).</summary>
    public int OperationCount => _ops.Count + (_guarded ? 1 : 0) + (_released.Count > 0 || _releasedSets.Count > 0 ? 1 : 0);

    /// <inheritdoc/>
    public override IReadOnlyList<RangeResponse> Read(IReadOnlyList<RangeRequest> ranges)
    {
        if (_readOnce)
        {
            return base.Read(ranges);
        }

        _readOnce = true;
        var all = base.Read([Point(_guardKey), Point(_markerKey), .. ranges]);
        GuardRevision = all[0].Kvs.FirstOrDefault()?.ModRevision ?? 0;
        Marker = all[1].Kvs.FirstOrDefault();
        return all.Skip(2).ToList();
    }

    /// <summary>
    /// Takes <paramref name="count"/> operations from the commit's budget for segment references
    /// (<see cref="EtcdIndexOptions.MaxReferenceOps"/> in all); false, taking nothing, when fewer are left. Reference writes
    /// that do not fit go before the commit, reference deletes to garbage collection, so a commit stays within 128
    /// operations whatever it touches.
    /// </summary>
    public bool TakeReferenceOps(int count)
    {
        if (count > _referenceOps)
        {
            return false;
        }

        _referenceOps -= count;
        return true;
    }

    /// <summary>Adds a put.</summary>
    public void Put(byte[] key, ByteString value) => _ops.Add(new RequestOp { RequestPut = new PutRequest { Key = Full(key), Value = value } });

    /// <summary>Adds a put.</summary>
    public void Put(byte[] key, byte[] value) => Put(key, ByteString.CopyFrom(value));

    /// <summary>Adds a delete.</summary>
    public void Delete(byte[] key) => _ops.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Full(key) } });

    /// <summary>Adds a delete of every key in [<paramref name="from"/>, <paramref name="to"/>): one operation.</summary>
    public void DeleteRange(byte[] from, byte[] to) =>
        _ops.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Full(from), RangeEnd = Full(to) } });

    /// <summary>The commit holds only while the bucket's marker is the one read at R (it exists, and no versioning change or re-creation happened).</summary>
    public void RequireMarker()
    {
        if (Marker is null)
        {
            throw new InvalidOperationException("There is no marker to require.");
        }

        RequireUnchanged(_markerKey, Marker.ModRevision);
    }

    /// <summary>The commit holds only while <paramref name="key"/>'s mod revision is <paramref name="modRevision"/> (0: absent).</summary>
    public void RequireUnchanged(byte[] key, long modRevision) =>
        _compares.Add(new Compare { Key = Full(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision });

    /// <summary>
    /// The commit holds only while no key in [<paramref name="from"/>, <paramref name="to"/>) was written after R (a
    /// compare over a range: every key's mod revision below R + 1). A key deleted after R is not seen: callers also compare
    /// a record that every such delete changes.
    /// </summary>
    public void RequireRangeUnchanged(byte[] from, byte[] to) =>
        _compares.Add(new Compare
        {
            Key = Full(from),
            RangeEnd = Full(to),
            Target = Compare.Types.CompareTarget.Mod,
            Result = Compare.Types.CompareResult.Less,
            ModRevision = Revision + 1,
        });

    /// <summary>
    /// The mutation does not take the object's guard (PutPart: parts of one upload are guarded by their own records, so
    /// parallel part uploads do not conflict; see <see cref="EtcdIndexStore"/>).
    /// </summary>
    public void WithoutGuard() => _guarded = false;

    /// <summary>Queues a segment as garbage in the commit (its fragments are deleted after the grace period).</summary>
    public void Release(SegmentManifest segment) => _released.Add(EtcdRecords.Segment(segment));

    /// <summary>Queues every segment of a chunk set as garbage in the commit.</summary>
    public void ReleaseSet(Guid set) => _releasedSets.Add(set);

    /// <summary>
    /// Writes <paramref name="puts"/> now, in fenced Txns of their own before the commit (records that are harmless when
    /// the commit never comes: references, which are checked against the record they name).
    /// </summary>
    public void WriteNow(IReadOnlyList<(byte[] Key, ByteString Value)> puts)
    {
        for (var at = 0; at < puts.Count;)
        {
            var txn = new TxnRequest();
            txn.Compare.Add(FenceCompare());
            var bytes = 0;
            for (; at < puts.Count && txn.Success.Count < EtcdIndexOptions.EtcdMaxTxnOps - 8 && bytes < Store.Options.MaxStagingBytes; at++)
            {
                var put = new PutRequest { Key = Full(puts[at].Key), Value = puts[at].Value };
                bytes += put.CalculateSize();
                txn.Success.Add(new RequestOp { RequestPut = put });
            }

            Send(txn);
        }
    }

    /// <summary>
    /// Writes <paramref name="segments"/> as a chunk set now, in fenced Txns of their own (each within etcd's request
    /// limit), marked staged; the commit compares the staged marker and deletes it, which makes the set the commit's.
    /// A set no commit takes is deleted by garbage collection after <see cref="EtcdIndexOptions.StagedSetTimeout"/>.
    /// </summary>
    public Guid StageSet(IReadOnlyList<SegmentManifest> segments)
    {
        var set = Guid.NewGuid();
        var options = Store.Options;
        var ticks = Store.Time.GetUtcNow().UtcTicks;
        var stagedKey = EtcdIndexKeys.Staged(set);
        var chunks = new List<byte[]>();
        var pending = new List<byte[]>();
        var pendingBytes = 0;
        foreach (var segment in segments.Select(EtcdRecords.Segment))
        {
            if (pending.Count > 0 && pendingBytes + segment.Length + 8 > options.ChunkBytes - 64)
            {
                chunks.Add(EtcdRecords.Chunk(pending, ticks));
                pending = [];
                pendingBytes = 0;
            }

            pending.Add(segment);
            pendingBytes += segment.Length + 8;
        }

        chunks.Add(EtcdRecords.Chunk(pending, ticks));
        long stagedRevision = 0;
        var next = 0;
        while (next < chunks.Count)
        {
            var txn = new TxnRequest();
            txn.Compare.Add(FenceCompare());
            if (stagedRevision == 0)
            {
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Full(stagedKey), Value = EtcdRecords.UInt64((ulong)ticks) } });
            }
            else
            {
                txn.Compare.Add(new Compare { Key = Full(stagedKey), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = stagedRevision });
            }

            var bytes = 0;
            while (next < chunks.Count && (bytes == 0 || bytes + chunks[next].Length <= options.MaxStagingBytes) && txn.Success.Count < EtcdIndexOptions.EtcdMaxTxnOps)
            {
                bytes += chunks[next].Length;
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Full(EtcdIndexKeys.Chunk(set, next)), Value = ByteString.CopyFrom(chunks[next]) } });
                next++;
            }

            var response = Send(txn);
            if (!response.Succeeded)
            {
                throw new RetryException($"Chunk set {set:N} was collected while it was staged.");
            }

            if (stagedRevision == 0)
            {
                stagedRevision = response.Header.Revision;
            }
        }

        RequireUnchanged(stagedKey, stagedRevision);
        Delete(stagedKey);
        return set;
    }

    /// <summary>
    /// Sends the commit: the fence, the guard (unless <see cref="WithoutGuard"/>) and the added compares; the writes,
    /// the guard's put and the garbage batch. True when it committed; false when a compare other than the fence failed.
    /// </summary>
    public bool Commit()
    {
        if (_released.Count > 0 || _releasedSets.Count > 0)
        {
            QueueGarbage();
        }

        var txn = new TxnRequest();
        txn.Compare.Add(FenceCompare());
        if (_guarded)
        {
            txn.Compare.Add(new Compare { Key = Full(_guardKey), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = GuardRevision });
            _ops.Add(new RequestOp { RequestPut = new PutRequest { Key = Full(_guardKey), Value = ByteString.Empty } });
        }

        txn.Compare.AddRange(_compares);
        txn.Success.AddRange(_ops);
        return Send(txn).Succeeded;
    }

    /// <summary>Adds the garbage batch of the released segments, staging them in a chunk set when they are too many for the commit.</summary>
    private void QueueGarbage()
    {
        var sets = new List<Guid>(_releasedSets);
        IReadOnlyCollection<byte[]> inline = _released;
        if (_released.Sum(s => s.Length + 3) > Store.Options.MaxInlineGarbageBytes)
        {
            sets.Add(StageSet([.. _released.Select(s => ManifestSerializer.ReadSegmentManifest(s))]));
            inline = [];
        }

        var now = Store.Time.GetUtcNow();
        var key = EtcdIndexKeys.Garbage(now.UtcTicks, (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        Put(key, GarbageBatch.Encode(now, inline, sets));
        _released.Clear();
        _releasedSets.Clear();
    }
}
