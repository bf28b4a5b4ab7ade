using Etcdserverpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>
/// Buckets: records in the catalog, markers (<c>01 'B' bucket</c>) in every group. Changes of one bucket are serialized
/// by a striped lock of this instance.
/// </content>
public sealed partial class EtcdIndexStore
{
    /// <summary>Called by DeleteBucket after it deleted a group's marker, before the next group (tests stop it there).</summary>
    internal Action<IndexGroup>? MarkerDeleted { get; set; }

    /// <inheritdoc/>
    /// <remarks>
    /// Writes the record, then the marker in every group (put unless present). For a bucket that exists the markers are
    /// put where missing too, so retrying a CreateBucket that failed half-way repairs it.
    /// </remarks>
    public (BucketCreateResult Result, BucketInfo Bucket) CreateBucket(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        IndexKeys.ValidateBucket(bucket.Name);
        ThrowIfDisposed();
        lock (BucketLock(bucket.Name))
        {
            if (_buckets.Get(bucket.Name) is { } existing)
            {
                PutMarkers(existing, onlyMissing: true);
                return (BucketCreateResult.Exists, existing);
            }

            _buckets.Put(bucket);
            PutMarkers(bucket, onlyMissing: true);
            return (BucketCreateResult.Created, bucket);
        }
    }

    /// <inheritdoc/>
    public BucketInfo? GetBucket(string name)
    {
        IndexKeys.ValidateBucket(name);
        ThrowIfDisposed();
        return _buckets.Get(name);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Puts the marker with the new versioning state in every group (object mutations decide versioning from it and a
    /// mutation that read the old one fails its compare), then the record.
    /// </remarks>
    public bool UpdateBucket(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        IndexKeys.ValidateBucket(bucket.Name);
        ThrowIfDisposed();
        lock (BucketLock(bucket.Name))
        {
            if (_buckets.Get(bucket.Name) is null)
            {
                return false;
            }

            PutMarkers(bucket, onlyMissing: false);
            _buckets.Put(bucket);
            return true;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<BucketInfo> ListBuckets()
    {
        ThrowIfDisposed();
        return _buckets.List();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A bucket is empty when no group holds a latest pointer, a version (delete markers count, as in S3), an open upload
    /// or a part of it. After a cheap check of every group, the marker is deleted group by group, each in a Txn that
    /// compares that the four keyspaces of the bucket are empty in that group (a compare over each prefix: version 0
    /// holds only when no key is there) and deletes the bucket's object guards with it; when a group is not empty, the
    /// markers already deleted are put back and the answer is NotEmpty. When every marker is gone, the record is deleted.
    /// An object mutation compares its group's marker, so it either committed before that marker went (and the delete is
    /// refused there) or finds none.
    /// </remarks>
    public BucketDeleteResult DeleteBucket(string name)
    {
        IndexKeys.ValidateBucket(name);
        ThrowIfDisposed();
        lock (BucketLock(name))
        {
            if (_buckets.Get(name) is not { } bucket)
            {
                return BucketDeleteResult.NoSuchBucket;
            }

            var spaces = new[] { IndexKeys.LatestSpace.ToArray(), IndexKeys.VersionSpace.ToArray(), IndexKeys.UploadSpace.ToArray(), IndexKeys.PartSpace.ToArray() }
                .Select(space => EtcdIndexKeys.BucketPrefix(space, name))
                .ToList();
            foreach (var group in _directory.Groups)
            {
                if (Retrying(() => HoldsAny(ViewOf(group), spaces)))
                {
                    return BucketDeleteResult.NotEmpty;
                }
            }

            foreach (var group in _directory.Groups)
            {
                if (!Retrying(() => DeleteMarker(ViewOf(group), name, spaces)))
                {
                    PutMarkers(bucket, onlyMissing: true);
                    return BucketDeleteResult.NotEmpty;
                }

                MarkerDeleted?.Invoke(group);
            }

            _buckets.Delete(name);
            return BucketDeleteResult.Deleted;
        }
    }

    /// <summary>Puts the bucket's marker in every group: always, or only where there is none.</summary>
    private void PutMarkers(BucketInfo bucket, bool onlyMissing)
    {
        var key = EtcdIndexKeys.Marker(bucket.Name);
        var value = EtcdRecords.Marker(bucket.Versioning);
        foreach (var group in _directory.Groups)
        {
            Retrying(() =>
            {
                var view = ViewOf(group);
                var txn = new TxnRequest();
                txn.Compare.Add(view.FenceCompare());
                if (onlyMissing)
                {
                    txn.Compare.Add(new Compare { Key = view.Full(key), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
                }

                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = view.Full(key), Value = value } });
                return view.Send(txn).Succeeded;
            });
        }
    }

    /// <summary>Whether the group holds any key under one of <paramref name="prefixes"/> (one fenced read, counts only).</summary>
    private static bool HoldsAny(GroupView view, List<byte[]> prefixes)
    {
        var reads = prefixes.Select(p =>
        {
            var range = view.Between(p, EtcdIndexKeys.End(p), limit: 1);
            range.CountOnly = true;
            return range;
        }).ToList();
        return view.Read(reads).Any(r => r.Count > 0);
    }

    /// <summary>
    /// Deletes the bucket's marker (and its object guards) in the view's group if the bucket holds nothing there; false
    /// when it does. A group without a marker is done already (an interrupted DeleteBucket, or a CreateBucket that did not
    /// reach it): nothing can have been written there since.
    /// </summary>
    private static bool DeleteMarker(GroupView view, string bucket, List<byte[]> prefixes)
    {
        var key = EtcdIndexKeys.Marker(bucket);
        if (view.Get(key) is not { } marker)
        {
            return true;
        }

        var guards = EtcdIndexKeys.BucketPrefix(EtcdIndexKeys.GuardSpace, bucket);
        var txn = new TxnRequest();
        txn.Compare.Add(view.FenceCompare());
        txn.Compare.Add(new Compare { Key = view.Full(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = marker.ModRevision });
        foreach (var prefix in prefixes)
        {
            txn.Compare.Add(new Compare
            {
                Key = view.Full(prefix),
                RangeEnd = view.Full(EtcdIndexKeys.End(prefix)),
                Target = Compare.Types.CompareTarget.Version,
                Result = Compare.Types.CompareResult.Equal,
                Version = 0,
            });
        }

        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = view.Full(key) } });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = view.Full(guards), RangeEnd = view.Full(EtcdIndexKeys.End(guards)) } });
        return view.Send(txn).Succeeded;
    }
}
