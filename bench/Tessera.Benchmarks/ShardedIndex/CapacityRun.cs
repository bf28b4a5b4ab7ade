using System.Globalization;
using dotnet_etcd;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// How many objects one index group holds: fills one etcd through <see cref="EtcdIndexStore"/> to each count of
/// <c>--counts</c> and reads etcd's backend size there (as written; after a physical compaction; after a defrag), then
/// fits bytes per object and extrapolates to the 8 GiB quota. Before the fill, etcd's own put rate on the same client
/// and threads (<see cref="RawEtcdLoad"/>) is the fill rate's baseline. A versioned bucket with several versions per key
/// is measured last, as the growth it adds. The objects stay in etcd for <see cref="ListRun"/>.
/// </summary>
internal static class CapacityRun
{
    public const string Bucket = "capacity";
    public const string VersionedBucket = "capacity-versioned";
    public const string GroupPrefix = "/tessera/idx/g1/";

    public static int Run(RunArguments a)
    {
        var endpoint = a.String("etcd", "http://127.0.0.1:23791");
        var counts = a.Longs("counts", [25_000, 50_000, 100_000]);
        var threads = a.Int("threads", 48);
        var rawSeconds = a.Int("raw-seconds", 10);
        var versionedKeys = a.Long("versioned-keys", 10_000);
        var versions = a.Int("versions", 3);
        LoadDriver.PrepareThreadPool(threads);
        using var client = new EtcdClient(endpoint);
        var manifestBytes = BenchObjects.ManifestBytes();
        Report.Line($"capacity: etcd {endpoint}, {threads} threads, key {BenchObjects.Key(123_456).Length} B ('{BenchObjects.Key(123_456)}'), encoded manifest {manifestBytes} B; {Report.Machine()}");

        // Baseline: etcd's own put rate, then its scratch keys removed and the backend compacted and defragmented.
        foreach (var shaped in new[] { false, true })
        {
            var raw = RawEtcdLoad.Run([client], "/bench/raw/", threads, TimeSpan.FromSeconds(rawSeconds), shaped, manifestBytes);
            Report.Line($"  raw etcd Txn ({(shaped ? "4 puts, a PutObject commit's sizes" : "1 put of a manifest")}): {raw.Rate:F0}/s over {raw.Seconds:F1} s, {raw.Errors} errors; load {Report.Load()}");
            Report.Json("capacity-raw", new() { ["shape"] = shaped ? "commit" : "put", ["rate"] = raw.Rate, ["errors"] = raw.Errors, ["load"] = Report.Load() });
            EtcdMaintenance.DeletePrefix(client, "/bench/raw/");
        }

        EtcdMaintenance.Compact(client);
        EtcdMaintenance.Defragment(client);
        var group = new IndexGroup("g1", client, GroupPrefix);
        var directory = new FixedRangeDirectory([("r0", [], group)]);
        var catalog = new MemoryBucketCatalog();
        using var store = new EtcdIndexStore(directory, catalog, TimeProvider.System);
        store.CreateBucket(new BucketInfo(Bucket, "AKIAIOSFODNN7EXAMPLE", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned));
        var latestPrefix = LatestPrefix(Bucket);
        var present = EtcdMaintenance.Count(client, latestPrefix);
        var empty = EtcdMaintenance.Status(client);
        Report.Line($"  start: {present} objects present, db {empty.DbSize} B ({empty.DbSizeInUse} B in use)");
        Report.Line("| objects | fill objects/s | load | db as written | in use | after compaction (in use) | after defrag | B/object (defragged, over empty) |");
        Report.Line("| --: | --: | --- | --: | --: | --: | --: | --: |");
        var points = new List<(double Objects, double Bytes)>();
        foreach (var count in counts)
        {
            LoadResult? fill = null;
            if (count > present)
            {
                fill = LoadDriver.ForEach(threads, present, count, i => Put(store, Bucket, BenchObjects.Key(i)));
                present = count;
            }

            var load = Report.Load();
            var written = EtcdMaintenance.Status(client);
            EtcdMaintenance.Compact(client);
            var compacted = EtcdMaintenance.Status(client);
            EtcdMaintenance.Defragment(client);
            var defragged = EtcdMaintenance.Status(client);
            var perObject = (defragged.DbSize - empty.DbSize) / (double)count;
            points.Add((count, defragged.DbSize));
            Report.Line($"| {count:N0} | {(fill is null ? "-" : fill.Rate.ToString("F0", CultureInfo.InvariantCulture))}{(fill is { Errors: > 0 } ? $" ({fill.Errors} errors: {fill.FirstError})" : "")} | {load} | {written.DbSize:N0} | {written.DbSizeInUse:N0} | {compacted.DbSizeInUse:N0} | {defragged.DbSize:N0} | {perObject:F0} |");
            Report.Json("capacity-point", new()
            {
                ["objects"] = count,
                ["fillRate"] = fill?.Rate,
                ["fillSeconds"] = fill?.Seconds,
                ["errors"] = fill?.Errors,
                ["load"] = load,
                ["dbWritten"] = written.DbSize,
                ["inUseWritten"] = written.DbSizeInUse,
                ["inUseCompacted"] = compacted.DbSizeInUse,
                ["dbDefragged"] = defragged.DbSize,
                ["bytesPerObject"] = perObject,
            });
        }

        Fit(points);
        if (versionedKeys > 0)
        {
            Versioned(client, store, versionedKeys, versions, threads);
        }

        return 0;
    }

    /// <summary>The etcd key prefix of <paramref name="bucket"/>'s latest pointers in group g1.</summary>
    public static byte[] LatestPrefix(string bucket) =>
        [.. System.Text.Encoding.UTF8.GetBytes(GroupPrefix), .. EtcdIndexLayout.LatestSpace, .. IndexCoordinates.BucketStart(bucket)];

    /// <summary>One PutObject that must commit.</summary>
    public static void Put(IIndexStore store, string bucket, string key)
    {
        var result = store.PutObject(bucket, BenchObjects.Manifest(key));
        if (result.Status != PutObjectStatus.Committed)
        {
            throw new InvalidOperationException($"PutObject {key}: {result.Status}");
        }
    }

    /// <summary>Least squares of defragmented size over objects: bytes per object, fixed bytes, R², and the 8 GiB extrapolation.</summary>
    private static void Fit(List<(double Objects, double Bytes)> points)
    {
        if (points.Count < 2)
        {
            return;
        }

        var n = points.Count;
        var mx = points.Average(p => p.Objects);
        var my = points.Average(p => p.Bytes);
        var sxy = points.Sum(p => (p.Objects - mx) * (p.Bytes - my));
        var sxx = points.Sum(p => (p.Objects - mx) * (p.Objects - mx));
        var syy = points.Sum(p => (p.Bytes - my) * (p.Bytes - my));
        var slope = sxy / sxx;
        var intercept = my - (slope * mx);
        var r2 = sxy * sxy / (sxx * syy);
        const double Quota = 8.0 * 1024 * 1024 * 1024;
        Report.Line($"  fit over {n} points: db = {intercept:F0} B + {slope:F1} B x objects, R² = {r2:F5}");
        foreach (var fraction in new[] { 1.0, 0.75, 0.5 })
        {
            var objects = ((Quota * fraction) - intercept) / slope;
            Report.Line($"  at {fraction:P0} of 8 GiB: {objects / 1e6:F1} M objects per group; 1 billion objects need {Math.Ceiling(1e9 / objects):F0} groups");
        }

        Report.Json("capacity-fit", new() { ["slope"] = slope, ["intercept"] = intercept, ["r2"] = r2, ["objectsAt8GiB"] = (Quota - intercept) / slope });
    }

    /// <summary>Versioning on: <paramref name="keys"/> keys with <paramref name="versions"/> versions each; the growth per key and per version.</summary>
    private static void Versioned(EtcdClient client, EtcdIndexStore store, long keys, int versions, int threads)
    {
        store.CreateBucket(new BucketInfo(VersionedBucket, "AKIAIOSFODNN7EXAMPLE", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Enabled));
        var before = EtcdMaintenance.Status(client);
        var fill = LoadDriver.ForEach(threads, 0, keys * versions, i => Put(store, VersionedBucket, BenchObjects.Key(i % keys)));
        var written = EtcdMaintenance.Status(client);
        EtcdMaintenance.Compact(client);
        var compacted = EtcdMaintenance.Status(client);
        EtcdMaintenance.Defragment(client);
        var after = EtcdMaintenance.Status(client);
        var grown = after.DbSize - before.DbSize;
        Report.Line($"  versioning on: {keys:N0} keys x {versions} versions ({fill.Rate:F0} puts/s, {fill.Errors} errors; load {Report.Load()}): db grew {grown:N0} B after defrag " +
            $"({grown / (double)keys:F0} B per key, {grown / (double)(keys * versions):F0} B per version); as written {written.DbSize - before.DbSize:N0} B, in use after compaction {compacted.DbSizeInUse:N0} B");
        Report.Json("capacity-versioned", new() { ["keys"] = keys, ["versions"] = versions, ["fillRate"] = fill.Rate, ["grownBytes"] = grown, ["bytesPerKey"] = grown / (double)keys, ["load"] = Report.Load() });
    }
}
