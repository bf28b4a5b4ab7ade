using System.Collections.Concurrent;
using Tessera.Index;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>Bucket records in memory: the benchmarks measure the object index, not the bucket catalog.</summary>
internal sealed class MemoryBucketCatalog : IBucketCatalog
{
    private readonly ConcurrentDictionary<string, BucketInfo> _buckets = new(StringComparer.Ordinal);

    public BucketInfo? Get(string name) => _buckets.GetValueOrDefault(name);

    public void Put(BucketInfo bucket) => _buckets[bucket.Name] = bucket;

    public void Delete(string name) => _buckets.TryRemove(name, out _);

    public IReadOnlyList<BucketInfo> List() => [.. _buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal)];
}
