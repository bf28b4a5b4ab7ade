using Tessera.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// How a listing reads etcd: etcd 3.4 walks the whole span of a Range request before it applies the limit, so the
/// cursor's requests end at the listing's prefix and its pages grow, and a 1,000-key page takes one request, not ten.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreListingTests(IndexGroupsFixture etcd)
{
    [Fact]
    public void AThousandKeyPageTakesOneRequestAndAPrefixListingSeesOnlyItsKeys()
    {
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(Directory(a, b, "list/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        store.CreateBucket(Bucket("list"));
        string[] keys = [.. Enumerable.Range(0, 1_150).Select(i => $"a/{i:D5}"), .. Enumerable.Range(0, 30).Select(i => $"b/{i:D2}"), "m/x", "z"];
        Parallel.ForEach(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, key => Assert.Equal(PutObjectStatus.Committed, store.PutObject("list", Manifest(key)).Status));

        // The first page of 1,000: the cursor is told the listing wants 1,000, so it asks for 1,001 at once: one request
        // where pages growing from 100 by doubling made four and a fixed page of 100 eleven.
        var before = store.Stats.Txns;
        var first = store.ListObjects("list", new ListObjectsQuery("", null, null, 1000));
        var requests = store.Stats.Txns - before;
        Assert.Equal(keys.Order(StringComparer.Ordinal).Take(1000), first.Objects.Select(o => o.Key));
        Assert.True(first.IsTruncated);
        Assert.InRange(requests, 1, 2);

        // The rest, across the boundary at "list/m" into the other group.
        var rest = store.ListObjects("list", new ListObjectsQuery("", null, first.NextMarker, 1000));
        Assert.Equal(keys.Order(StringComparer.Ordinal).Skip(1000), rest.Objects.Select(o => o.Key));
        Assert.False(rest.IsTruncated);

        // A prefix listing ends at its prefix: b/ only, then a delimiter roll-up of the whole bucket.
        var b2 = store.ListObjects("list", new ListObjectsQuery("b/", null, null, 1000));
        Assert.Equal(keys.Where(k => k.StartsWith("b/", StringComparison.Ordinal)), b2.Objects.Select(o => o.Key));
        var folders = store.ListObjects("list", new ListObjectsQuery("", "/", null, 1000));
        Assert.Equal(["a/", "b/", "m/"], folders.CommonPrefixes);
        Assert.Equal(["z"], folders.Objects.Select(o => o.Key));
        Within.Log($"{keys.Length} keys; the first 1,000-key page took {requests} requests");
    }
}
