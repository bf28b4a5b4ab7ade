using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Index;
using Tessera.Index.Lifecycle;
using Tessera.Store;

namespace Tessera.Benchmarks.Lifecycle;

/// <summary>
/// The lifecycle worker's scan rate on one RocksDB index, against a PUT of the same objects in the same run:
/// <c>dotnet run -c Release --project bench/Tessera.Benchmarks -- lifecycle [N]</c> (default 20,000).
/// </summary>
/// <remarks>
/// Three timed phases over N 0-byte objects in one bucket (the worker's cost is per index entry, not per byte):
/// PUT (one writer, a synced index commit each, as the worker's own writes are one at a time); a pass where nothing is
/// due (a rule whose expiration is 100,000 days away: listing and evaluation only); a pass where everything is due (an
/// expiration date in the past: one synced conditional delete per object). The worker runs without a rate limit.
/// </remarks>
public static class LifecycleScanRun
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var root = Path.Combine(Path.GetTempPath(), "tessera-lcbench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            using var index = new RocksDbIndexStore(root, TimeProvider.System);
            var store = new StoreServices(index, null!, TimeProvider.System, NullLoggerFactory.Instance);
            var worker = new LifecycleWorker(store, new LifecycleWorkerOptions { Day = TimeSpan.FromDays(1), ScanRate = 0 });

            var never = new LifecycleConfiguration { Rules = [new LifecycleRule { Id = "never", Enabled = true, Expiration = new LifecycleExpiration { Days = 100_000 } }] };
            index.CreateBucket(new BucketInfo("bench", "root", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned, LifecycleXml.ToStored(never)));

            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                index.PutObject("bench", new ObjectManifest
                {
                    Key = "o" + i.ToString("D8", CultureInfo.InvariantCulture),
                    VersionId = "",
                    ETag = "\"d41d8cd98f00b204e9800998ecf8427e\"",
                    LastModified = DateTimeOffset.UtcNow,
                });
            }

            var put = clock.Elapsed;
            clock.Restart();
            worker.RunPassAsync(CancellationToken.None).GetAwaiter().GetResult();
            var scan = clock.Elapsed;
            var scanned = worker.Status.Buckets.Single().ObjectsScanned;

            var past = new LifecycleConfiguration { Rules = [new LifecycleRule { Id = "past", Enabled = true, Expiration = new LifecycleExpiration { Date = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) } }] };
            index.UpdateBucket(index.GetBucket("bench")! with { Lifecycle = LifecycleXml.ToStored(past) });
            clock.Restart();
            worker.RunPassAsync(CancellationToken.None).GetAwaiter().GetResult();
            var expire = clock.Elapsed;
            var expired = worker.Status.Buckets.Single().ActionsSinceStart.GetValueOrDefault("expired");
            var left = index.ListObjects("bench", new ListObjectsQuery("", null, null, 1)).Objects.Count;

            double Rate(TimeSpan t) => count / t.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"objects {count}; scanned {scanned}; expired {expired}; left {left}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PUT (index commit, 1 writer)   {put.TotalSeconds,8:F2} s  {Rate(put),10:F0} objects/s  ratio 1.00"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lifecycle scan, nothing due    {scan.TotalSeconds,8:F2} s  {Rate(scan),10:F0} objects/s  ratio {put / scan:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lifecycle pass, everything due {expire.TotalSeconds,8:F2} s  {Rate(expire),10:F0} objects/s  ratio {put / expire:F2}"));
            Console.WriteLine("load average: " + File.ReadAllText("/proc/loadavg").Trim());
            return scanned == count && expired == count && left == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
