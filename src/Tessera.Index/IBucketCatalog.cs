namespace Tessera.Index;

/// <summary>
/// Where <see cref="RocksDbIndexStore"/> keeps its bucket records. The default (a single node) is the index's own
/// RocksDB keys (<c>01 'B' bucket</c>); a cluster's index node passes a catalog in etcd instead.
/// </summary>
/// <remarks>
/// <para>The store calls <see cref="Put"/> and <see cref="Delete"/> only while it holds that bucket's writer lock, after
/// reading the record with <see cref="Get"/> under the same lock, so a catalog sees the changes of one bucket one at a
/// time and may keep an exact copy when the store is its only writer.</para>
/// <para><see cref="Get"/> is on the request path (every object write checks its bucket under the bucket's reader
/// lock): it must be cheap. A write must be durable before it returns. A write that fails throws (the store passes
/// the exception to its caller); when the catalog cannot tell whether it happened (a timeout), the next
/// <see cref="Get"/> of that bucket answers what was really stored.</para>
/// </remarks>
public interface IBucketCatalog
{
    /// <summary>The record of bucket <paramref name="name"/>, or null when there is none.</summary>
    BucketInfo? Get(string name);

    /// <summary>Creates or replaces the record of <paramref name="bucket"/>; durable when it returns.</summary>
    void Put(BucketInfo bucket);

    /// <summary>Deletes the record of bucket <paramref name="name"/> (nothing when there is none); durable when it returns.</summary>
    void Delete(string name);

    /// <summary>Every record, by name in ordinal order.</summary>
    IReadOnlyList<BucketInfo> List();
}
