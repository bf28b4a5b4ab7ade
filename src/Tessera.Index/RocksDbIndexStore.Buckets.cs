namespace Tessera.Index;

/// <content>Buckets: each change holds the bucket's writer lock, so object writes (readers) never interleave.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    public (BucketCreateResult Result, BucketInfo Bucket) CreateBucket(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        IndexKeys.ValidateBucket(bucket.Name);
        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket.Name);
        bucketLock.EnterWriteLock();
        try
        {
            if (ReadBucket(bucket.Name) is { } existing)
            {
                return (BucketCreateResult.Exists, existing);
            }

            _buckets.Put(bucket);
            return (BucketCreateResult.Created, bucket);
        }
        finally
        {
            bucketLock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public BucketInfo? GetBucket(string name)
    {
        IndexKeys.ValidateBucket(name);
        ThrowIfDisposed();
        return ReadBucket(name);
    }

    /// <inheritdoc/>
    public bool UpdateBucket(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        IndexKeys.ValidateBucket(bucket.Name);
        ThrowIfDisposed();
        var bucketLock = BucketLock(bucket.Name);
        bucketLock.EnterWriteLock();
        try
        {
            if (ReadBucket(bucket.Name) is null)
            {
                return false;
            }

            _buckets.Put(bucket);
            return true;
        }
        finally
        {
            bucketLock.ExitWriteLock();
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
    /// A bucket is empty when it has no latest pointer, no version (delete markers count, as in S3) and no open
    /// multipart upload (S3 answers BucketNotEmpty while one exists). The check reads this database under the bucket's
    /// writer lock, whatever catalog holds the record, so no object write can slip in before the record is deleted.
    /// </remarks>
    public BucketDeleteResult DeleteBucket(string name)
    {
        IndexKeys.ValidateBucket(name);
        ThrowIfDisposed();
        var bucketLock = BucketLock(name);
        bucketLock.EnterWriteLock();
        try
        {
            if (ReadBucket(name) is null)
            {
                return BucketDeleteResult.NoSuchBucket;
            }

            using (var latest = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], IndexKeys.LatestSpace, name))
            using (var versions = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], IndexKeys.VersionSpace, name))
            using (var uploads = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], IndexKeys.UploadSpace, name))
            {
                if (AnyWithPrefix(latest.Span) || AnyWithPrefix(versions.Span) || AnyWithPrefix(uploads.Span))
                {
                    return BucketDeleteResult.NotEmpty;
                }
            }

            _buckets.Delete(name);
            return BucketDeleteResult.Deleted;
        }
        finally
        {
            bucketLock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Moves the bucket records kept in this database's own keys (<c>01 'B'</c>) to the catalog the store was opened
    /// with: each one is put there unless the catalog already holds that bucket (its record wins), then deleted here.
    /// Nothing to do for a store without a catalog of its own. Each bucket moves under its writer lock; a crash
    /// between the two steps leaves the record in both places, and the next call finishes the move (idempotent).
    /// </summary>
    /// <returns>The records put into the catalog (not those it held already).</returns>
    public IReadOnlyList<BucketInfo> MoveBucketsToCatalog()
    {
        ThrowIfDisposed();
        if (ReferenceEquals(_buckets, _localBuckets))
        {
            return [];
        }

        var moved = new List<BucketInfo>();
        foreach (var bucket in _localBuckets.List())
        {
            var bucketLock = BucketLock(bucket.Name);
            bucketLock.EnterWriteLock();
            try
            {
                if (_buckets.Get(bucket.Name) is null)
                {
                    _buckets.Put(bucket);
                    moved.Add(bucket);
                }

                _localBuckets.Delete(bucket.Name);
            }
            finally
            {
                bucketLock.ExitWriteLock();
            }
        }

        return moved;
    }
}
