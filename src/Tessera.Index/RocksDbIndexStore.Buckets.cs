using RocksDbSharp;

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

            WriteBucket(bucket);
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

            WriteBucket(bucket);
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
        var buckets = new List<BucketInfo>();
        using var iterator = _db.NewIterator();
        for (iterator.Seek(IndexKeys.BucketSpace); iterator.Valid() && iterator.GetKeySpan().StartsWith(IndexKeys.BucketSpace); iterator.Next())
        {
            buckets.Add(ManifestSerializer.ReadBucketInfo(iterator.GetValueSpan()));
        }

        return buckets;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A bucket is empty when it has no latest pointer, no version (delete markers count, as in S3) and no open
    /// multipart upload (S3 answers BucketNotEmpty while one exists).
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

            using var key = IndexKeys.Bucket(stackalloc byte[KeyBuffer.StackSize], name);
            using var batch = new WriteBatch();
            batch.Delete(key.Span);
            _db.Write(batch, _syncWrite);
            return BucketDeleteResult.Deleted;
        }
        finally
        {
            bucketLock.ExitWriteLock();
        }
    }

    private void WriteBucket(BucketInfo bucket)
    {
        using var key = IndexKeys.Bucket(stackalloc byte[KeyBuffer.StackSize], bucket.Name);
        var value = ManifestSerializer.RentScratch();
        ManifestSerializer.Write(value, bucket);
        using var batch = new WriteBatch();
        batch.Put(key.Span, value.WrittenSpan);
        _db.Write(batch, _syncWrite);
    }
}
