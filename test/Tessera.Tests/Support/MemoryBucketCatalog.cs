using System.Collections.Concurrent;
using Tessera.Index;

namespace Tessera.Tests;

/// <summary>An <see cref="IBucketCatalog"/> in memory, shared by the index stores of a test.</summary>
public sealed class MemoryBucketCatalog : IBucketCatalog
{
    private readonly ConcurrentDictionary<string, BucketInfo> _buckets = new(StringComparer.Ordinal);

    public BucketInfo? Get(string name) => _buckets.GetValueOrDefault(name);

    public void Put(BucketInfo bucket) => _buckets[bucket.Name] = bucket;

    public void Delete(string name) => _buckets.TryRemove(name, out _);

    public IReadOnlyList<BucketInfo> List() => [.. _buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal)];
}
