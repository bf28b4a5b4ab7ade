using System.Diagnostics;
using System.Globalization;
using dotnet_etcd;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// The per-prefix ceiling: PutObject of small objects' manifests through <see cref="EtcdIndexStore"/> over an
/// <see cref="EtcdRangeDirectory"/> of two index groups (two single-member etcds) and a control plane (a third),
/// from <c>--threads</c> threads, in phases of <c>--seconds</c>:
/// <list type="number">
/// <item>etcd's own Txn rate (<see cref="RawEtcdLoad"/>) on g1 alone and on g1 and g2 together: the baselines;</item>
/// <item><b>one prefix</b>: random keys under <c>hot/</c>, all in the one range on g1;</item>
/// <item><b>automatic split</b>: the same load with a <see cref="RangeSplitter"/> passing every <c>--split-interval</c>
/// seconds (load threshold <c>--split-keys</c> keys written per interval); the busy range splits at the median of its
/// written keys and the right half moves to g2; rates before the pass that split and after the move;</item>
/// <item><b>one prefix after the split</b>: <c>hot/</c> again, now over two ranges on two groups;</item>
/// <item><b>spread over groups</b>: two prefixes, <c>a-spread/</c> (in g1's range) and <c>z-spread/</c> (in g2's);</item>
/// <item><b>spread in one group</b>: <c>a-spread/</c> and <c>b-spread/</c>, both in g1's range.</item>
/// </list>
/// Keys are random (16 hex digits), so both halves of a split range keep getting writes; sequential keys would all go
/// to the right half, and a split would not help.
/// </summary>
internal static class PrefixRun
{
    private const string Bucket = "b";

    public static int Run(RunArguments a)
    {
        var control = a.String("control", "http://127.0.0.1:23791");
        var g1 = a.String("g1", "http://127.0.0.1:23792");
        var g2 = a.String("g2", "http://127.0.0.1:23793");
        var threads = a.Int("threads", 48);
        var seconds = TimeSpan.FromSeconds(a.Int("seconds", 10));
        var splitSeconds = TimeSpan.FromSeconds(a.Int("split-seconds", 40));
        var interval = TimeSpan.FromSeconds(a.Int("split-interval", 5));
        var splitKeys = a.Long("split-keys", 500);
        LoadDriver.PrepareThreadPool(threads);
        Report.Line($"prefix: control {control}, g1 {g1}, g2 {g2}; {threads} threads, phases of {seconds.TotalSeconds} s; {Report.Machine()}");
        using var controlClient = new EtcdClient(control);
        using var directory = EtcdRangeDirectory.OpenAsync(
            controlClient,
            new ControlPlaneOptions { KeyPrefix = "/bench/" },
            [Group("g1", g1), Group("g2", g2)]).GetAwaiter().GetResult();
        using var store = new EtcdIndexStore(directory, new MemoryBucketCatalog(), TimeProvider.System);
        store.CreateBucket(new BucketInfo(Bucket, "AKIAIOSFODNN7EXAMPLE", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned));
        var clients = directory.Groups.OrderBy(g => g.Name, StringComparer.Ordinal).Select(g => g.Client).ToArray();
        var manifestBytes = BenchObjects.ManifestBytes();

        Report.Line("| phase | PUT/s | errors | ratio | load | where the time went |");
        Report.Line("| --- | --: | --: | --- | --- | --- |");
        var rawPut = Raw("etcd Txn, 1 put, g1", [clients[0]], threads, seconds, false, manifestBytes, g1);
        var rawG1 = Raw("etcd Txn, 4 puts (commit-shaped), g1", [clients[0]], threads, seconds, true, manifestBytes, g1);
        var rawBoth = Raw("etcd Txn, 4 puts, g1 + g2 together", clients, threads, seconds, true, manifestBytes, g1, g2);
        foreach (var client in clients)
        {
            EtcdMaintenance.DeletePrefix(client, "/bench/raw/");
        }

        var hot = Phase("one prefix (hot/), one range on g1", threads, seconds, t => Key("hot/"), store, g1, g2);
        Row(hot, $"{hot.Rate / rawG1.Rate:F2} of raw g1 (commit-shaped), {hot.Rate / rawPut.Rate:F2} of 1-put");

        // Automatic split: the splitter's passes run beside the load; the first pass only notes the revision.
        var splitter = new RangeSplitter(directory, new RangeMover(directory, EtcdIndexLayout.Instance), EtcdIndexLayout.LatestSpace,
            new SplitPolicy { Interval = interval, MaxWrittenKeysPerInterval = splitKeys, MaxKeys = long.MaxValue, MoveGrace = TimeSpan.FromSeconds(2) });
        var clock = Stopwatch.StartNew();
        double splitStarted = double.NaN;
        double moved = double.NaN;
        SplitDecision? decision = null;
        using var stop = new CancellationTokenSource();
        var passes = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && decision is null)
            {
                await Task.Delay(interval, stop.Token).ConfigureAwait(false);
                var started = clock.Elapsed.TotalSeconds;
                var made = await splitter.PassAsync(stop.Token).ConfigureAwait(false);
                if (made.Count > 0)
                {
                    (splitStarted, moved, decision) = (started, clock.Elapsed.TotalSeconds, made[0]);
                }
            }
        });
        var metrics = EtcdMetrics.Start(g1, g2);
        clock.Restart();
        var during = LoadDriver.ForDuration(threads, splitSeconds, _ => Put(store, Key("hot/")));
        var spent = metrics.Stop(during.Ops);
        stop.Cancel();
        try
        {
            passes.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        if (decision is null)
        {
            Report.Line($"| automatic split: none in {splitSeconds.TotalSeconds} s (threshold {splitKeys} keys per {interval.TotalSeconds} s) | {during.Rate:F0} | {during.Errors} | | {Report.Load()} | {spent} |");
            return 1;
        }

        var before = during.RateBetween(1, (int)Math.Floor(splitStarted));
        var after = during.RateBetween((int)Math.Ceiling(moved) + 1, during.PerSecond.Length - 1);
        Report.Line($"| automatic split of hot/ at '{Show(decision.At)}' ({decision.Reason}, {decision.Keys} keys written in {interval.TotalSeconds} s), right half to {decision.Move?.To ?? "(not moved)"}: pass began at {splitStarted:F1} s, moved at {moved:F1} s (frozen {decision.Move?.Frozen.TotalMilliseconds:F0} ms, {decision.Move?.PreCopied}+{decision.Move?.DeltaCopied} records copied) | before {before:F0}, after {after:F0} | {during.Errors} | after/before {after / before:F2} | {Report.Load()} | {spent} |");
        Report.Line($"  per second during the split run: {string.Join(' ', during.PerSecond)}");
        Report.Json("prefix-split", new() { ["before"] = before, ["after"] = after, ["splitStarted"] = splitStarted, ["moved"] = moved, ["frozenMs"] = decision.Move?.Frozen.TotalMilliseconds, ["perSecond"] = string.Join(' ', during.PerSecond), ["load"] = Report.Load() });

        var hotAfter = Phase("one prefix (hot/) after the split: two ranges, g1 and g2", threads, seconds, t => Key("hot/"), store, g1, g2);
        Row(hotAfter, $"{hotAfter.Rate / hot.Rate:F2} of one prefix before the split, {hotAfter.Rate / rawBoth.Rate:F2} of raw g1 + g2");
        Report.Line($"  routes: a-spread/ on {directory.Route(IndexCoordinates.Of(Bucket, "a-spread/0")).Group.Name}, b-spread/ on {directory.Route(IndexCoordinates.Of(Bucket, "b-spread/0")).Group.Name}, z-spread/ on {directory.Route(IndexCoordinates.Of(Bucket, "z-spread/0")).Group.Name}");
        var spread = Phase("two prefixes in ranges on g1 and g2 (a-spread/, z-spread/)", threads, seconds, t => Key(t % 2 == 0 ? "a-spread/" : "z-spread/"), store, g1, g2);
        Row(spread, $"{spread.Rate / hot.Rate:F2} of one prefix on g1, {spread.Rate / rawBoth.Rate:F2} of raw g1 + g2");
        var oneGroup = Phase("two prefixes both on g1 (a-spread/, b-spread/)", threads, seconds, t => Key(t % 2 == 0 ? "a-spread/" : "b-spread/"), store, g1, g2);
        Row(oneGroup, $"{oneGroup.Rate / hot.Rate:F2} of one prefix on g1, {oneGroup.Rate / rawG1.Rate:F2} of raw g1");
        return 0;

        static GroupRecord Group(string name, string endpoints) => new() { Name = name, Endpoints = endpoints, KeyPrefix = "/tessera/idx/" + name + "/" };
    }

    private static string Key(string prefix) => prefix + Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture);

    private static void Put(EtcdIndexStore store, string key) => CapacityRun.Put(store, Bucket, key);

    private static LoadResult Raw(string name, EtcdClient[] clients, int threads, TimeSpan seconds, bool shaped, int manifestBytes, params string[] endpoints)
    {
        var metrics = EtcdMetrics.Start(endpoints);
        var result = RawEtcdLoad.Run(clients, "/bench/raw/", threads, seconds, shaped, manifestBytes);
        var spent = metrics.Stop(result.Ops);
        var phase = new Named(name, result, spent);
        Row(phase, "baseline");
        return result;
    }

    private static Named Phase(string name, int threads, TimeSpan seconds, Func<int, string> key, EtcdIndexStore store, params string[] endpoints)
    {
        var metrics = EtcdMetrics.Start(endpoints);
        var result = LoadDriver.ForDuration(threads, seconds, t => Put(store, key(t)));
        return new Named(name, result, metrics.Stop(result.Ops));
    }

    private static void Row(Named phase, string ratio)
    {
        var load = Report.Load();
        Report.Line($"| {phase.Name} | {phase.Result.Rate:F0} | {phase.Result.Errors}{(phase.Result.FirstError is { } e ? $" ({e})" : "")} | {ratio} | {load} | {phase.Spent} |");
        Report.Json("prefix", new() { ["phase"] = phase.Name, ["rate"] = phase.Result.Rate, ["errors"] = phase.Result.Errors, ["ratio"] = ratio, ["load"] = load, ["spent"] = phase.Spent });
    }

    private static string Show(byte[] coordinate) => System.Text.Encoding.UTF8.GetString(coordinate).Replace('\0', '/');

    private sealed record Named(string Name, LoadResult Result, string Spent)
    {
        public double Rate => Result.Rate;

        public long Errors => Result.Errors;
    }
}
