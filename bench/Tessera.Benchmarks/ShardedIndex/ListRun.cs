using System.Diagnostics;
using dotnet_etcd;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// ListObjectsV2 pages of 1,000 keys through <see cref="IIndexStore.ListObjects"/> (the index API the S3 handler calls,
/// not HTTP), on <see cref="EtcdIndexStore"/> (one group, the objects <see cref="CapacityRun"/> wrote, filled up to
/// <c>--keys</c> when fewer) against <see cref="RocksDbIndexStore"/> holding the same keys, in one process. Each query
/// runs on both stores back to back, in alternating order, so both see the same seconds of the shared machine; both must
/// answer the same keys.
/// </summary>
/// <remarks>
/// Three shapes: <b>flat</b>, no prefix or delimiter, start-after a random key of the whole keyspace; <b>folder</b>,
/// prefix a random <c>tenant-TT/2025-11-DD/</c> and delimiter <c>/</c>, start-after a random key in its first half (the
/// folder's leaves, no roll-up); <b>rollup</b>, prefix a random <c>tenant-TT/</c> and delimiter <c>/</c>: the 30 day
/// folders come back as common prefixes, each skipping its keys.
/// </remarks>
internal static class ListRun
{
    public static int Run(RunArguments a)
    {
        var endpoint = a.String("etcd", "http://127.0.0.1:23791");
        var keys = a.Long("keys", 100_000);
        var pages = a.Int("pages", 200);
        var threads = a.Int("threads", 48);
        var rocksPath = a.String("rocksdb", Path.Combine(Path.GetTempPath(), "tessera-bench-list-rocksdb"));
        LoadDriver.PrepareThreadPool(threads);
        using var client = new EtcdClient(endpoint);
        var directory = new FixedRangeDirectory([("r0", [], new IndexGroup("g1", client, CapacityRun.GroupPrefix))]);
        var catalog = new MemoryBucketCatalog();
        using var etcd = new EtcdIndexStore(directory, catalog, TimeProvider.System);

        // The same index read in Range requests of up to 1,001 records instead of EtcdIndexOptions.PageSize's 100: what
        // a page of 1,000 keys costs in one request (the option's default keeps a page of 24 KiB manifests below gRPC's 4 MiB).
        using var etcdLarge = new EtcdIndexStore(directory, catalog, TimeProvider.System, new EtcdIndexOptions { PageSize = 1001 });
        var bucket = new BucketInfo(CapacityRun.Bucket, "AKIAIOSFODNN7EXAMPLE", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned);
        etcd.CreateBucket(bucket);
        var present = EtcdMaintenance.Count(client, CapacityRun.LatestPrefix(CapacityRun.Bucket));
        Report.Line($"list: {keys:N0} keys, {pages} pages of each shape, etcd {endpoint} holds {present:N0}; {Report.Machine()}");
        if (present < keys)
        {
            var fill = LoadDriver.ForEach(threads, present, keys, i => CapacityRun.Put(etcd, CapacityRun.Bucket, BenchObjects.Key(i)));
            Report.Line($"  etcd filled {present:N0} to {keys:N0}: {fill.Rate:F0} objects/s, {fill.Errors} errors; load {Report.Load()}");
        }

        Directory.CreateDirectory(rocksPath);
        using var rocks = new RocksDbIndexStore(rocksPath, TimeProvider.System);
        rocks.CreateBucket(bucket);
        var rocksPresent = rocks.ListObjects(CapacityRun.Bucket, new ListObjectsQuery("", null, null, 1)).Objects.Count;
        if (rocksPresent == 0)
        {
            var fill = LoadDriver.ForEach(threads, 0, keys, i => CapacityRun.Put(rocks, CapacityRun.Bucket, BenchObjects.Key(i)));
            Report.Line($"  RocksDB filled with the same {keys:N0} keys: {fill.Rate:F0} objects/s, {fill.Errors} errors; load {Report.Load()}");
        }

        var random = new Random(16);
        var shapes = new (string Name, Func<ListObjectsQuery> Next)[]
        {
            ("flat", () => new ListObjectsQuery("", null, BenchObjects.Key(random.NextInt64(keys)), 1000)),
            ("folder", () =>
            {
                var i = random.NextInt64(keys / 2);
                return new ListObjectsQuery(BenchObjects.Folder(i), "/", BenchObjects.Key(i), 1000);
            }),
            ("rollup", () => new ListObjectsQuery(BenchObjects.TenantPrefix(random.Next(BenchObjects.Tenants)), "/", null, 1000)),
        };
        Report.Line("| shape | store | p50 ms | p99 ms | mean ms | entries/page | load |");
        Report.Line("| --- | --- | --: | --: | --: | --: | --- |");
        foreach (var (name, next) in shapes)
        {
            for (var w = 0; w < 10; w++)
            {
                var q = next();
                etcd.ListObjects(CapacityRun.Bucket, q);
                etcdLarge.ListObjects(CapacityRun.Bucket, q);
                rocks.ListObjects(CapacityRun.Bucket, q);
            }

            var etcdMs = new double[pages];
            var rocksMs = new double[pages];
            var largeMs = new double[pages];
            long entries = 0;
            for (var p = 0; p < pages; p++)
            {
                var q = next();
                ObjectListing first;
                ObjectListing second;
                if (p % 2 == 0)
                {
                    first = Timed(etcd, q, out etcdMs[p]);
                    second = Timed(rocks, q, out rocksMs[p]);
                }
                else
                {
                    second = Timed(rocks, q, out rocksMs[p]);
                    first = Timed(etcd, q, out etcdMs[p]);
                }

                if (first.Objects.Count != second.Objects.Count || first.CommonPrefixes.Count != second.CommonPrefixes.Count || first.NextMarker != second.NextMarker)
                {
                    throw new InvalidOperationException($"The stores answered {q} differently: {first.Objects.Count}+{first.CommonPrefixes.Count} against {second.Objects.Count}+{second.CommonPrefixes.Count}.");
                }

                var large = Timed(etcdLarge, q, out largeMs[p]);
                if (large.Objects.Count != first.Objects.Count || large.NextMarker != first.NextMarker)
                {
                    throw new InvalidOperationException($"PageSize 1001 answered {q} differently.");
                }

                entries += first.Objects.Count + first.CommonPrefixes.Count;
            }

            var load = Report.Load();
            Array.Sort(etcdMs);
            Array.Sort(rocksMs);
            Array.Sort(largeMs);
            foreach (var (store, ms) in new[] { ("etcd", etcdMs), ("etcd, PageSize 1001", largeMs), ("RocksDB", rocksMs) })
            {
                Report.Line($"| {name} | {store} | {Report.Quantile(ms, 0.5):F2} | {Report.Quantile(ms, 0.99):F2} | {ms.Average():F2} | {entries / (double)pages:F0} | {load} |");
                Report.Json("list", new() { ["shape"] = name, ["store"] = store, ["keys"] = keys, ["pages"] = pages, ["p50"] = Report.Quantile(ms, 0.5), ["p99"] = Report.Quantile(ms, 0.99), ["mean"] = ms.Average(), ["load"] = load });
            }

            Report.Line($"| {name} | etcd / RocksDB | {Report.Quantile(etcdMs, 0.5) / Report.Quantile(rocksMs, 0.5):F1}x | {Report.Quantile(etcdMs, 0.99) / Report.Quantile(rocksMs, 0.99):F1}x | {etcdMs.Average() / rocksMs.Average():F1}x | | |");
            Report.Line($"| {name} | etcd PageSize 1001 / RocksDB | {Report.Quantile(largeMs, 0.5) / Report.Quantile(rocksMs, 0.5):F1}x | {Report.Quantile(largeMs, 0.99) / Report.Quantile(rocksMs, 0.99):F1}x | {largeMs.Average() / rocksMs.Average():F1}x | | |");
        }

        return 0;
    }

    private static ObjectListing Timed(IIndexStore store, ListObjectsQuery query, out double ms)
    {
        var clock = Stopwatch.StartNew();
        var listing = store.ListObjects(CapacityRun.Bucket, query);
        ms = clock.Elapsed.TotalMilliseconds;
        return listing;
    }
}
