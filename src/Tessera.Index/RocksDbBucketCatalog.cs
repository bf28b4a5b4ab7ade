using RocksDbSharp;

namespace Tessera.Index;

/// <summary>
/// The default <see cref="IBucketCatalog"/>: bucket records in the index's own RocksDB under <c>01 'B' bucket</c>,
/// each change one synced write (the layout and encoding of <see cref="IndexKeys"/> and <see cref="ManifestSerializer"/>).
/// </summary>
internal sealed class RocksDbBucketCatalog(RocksDb db, WriteOptions syncWrite) : IBucketCatalog
{
    private static readonly SpanDeserializer<BucketInfo> Decoder = new(static s => ManifestSerializer.ReadBucketInfo(s));

    /// <inheritdoc/>
    public BucketInfo? Get(string name)
    {
        using var key = IndexKeys.Bucket(stackalloc byte[KeyBuffer.StackSize], name);
        return db.Get(key.Span, Decoder);
    }

    /// <inheritdoc/>
    public void Put(BucketInfo bucket)
    {
        using var key = IndexKeys.Bucket(stackalloc byte[KeyBuffer.StackSize], bucket.Name);
        var value = ManifestSerializer.RentScratch();
        ManifestSerializer.Write(value, bucket);
        using var batch = new WriteBatch();
        batch.Put(key.Span, value.WrittenSpan);
        db.Write(batch, syncWrite);
    }

    /// <inheritdoc/>
    public void Delete(string name)
    {
        using var key = IndexKeys.Bucket(stackalloc byte[KeyBuffer.StackSize], name);
        using var batch = new WriteBatch();
        batch.Delete(key.Span);
        db.Write(batch, syncWrite);
    }

    /// <inheritdoc/>
    public IReadOnlyList<BucketInfo> List()
    {
        var buckets = new List<BucketInfo>();
        using var iterator = db.NewIterator();
        for (iterator.Seek(IndexKeys.BucketSpace); iterator.Valid() && iterator.GetKeySpan().StartsWith(IndexKeys.BucketSpace); iterator.Next())
        {
            buckets.Add(ManifestSerializer.ReadBucketInfo(iterator.GetValueSpan()));
        }

        return buckets;
    }
}
