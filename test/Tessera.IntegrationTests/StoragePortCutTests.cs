using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using dotnet_etcd;

namespace Tessera.IntegrationTests;

/// <summary>
/// Issue #15's storage-port cut with real network namespaces: n1..n3 each run in their own namespace, joined by veth
/// pairs to a bridge whose address serves etcd. The fault is an nftables table inside n3's namespace that drops every
/// TCP packet arriving from the bridge for n3's storage port (new and established connections: a dead link, no
/// refusal), while n3's S3 port and its etcd traffic stay up, so its lease lives on. Clients write through n1 and n2
/// throughout. Checked: (1) PUTs keep being acknowledged (failures only for PUTs started within
/// <see cref="FailureWindow"/> of the cut, while n1 and n2 still place on n3); (2) no disk is declared failed before
/// the down-out interval since the cut, and none of n1's or n2's ever; (3) n3's four disks are declared failed after
/// it and repair rebuilds every fragment n3 held at the cut on n1 and n2; (4) every acknowledged object reads back
/// byte-identical; and that the fault was the one claimed: n3 registered in etcd throughout, its S3 port answering,
/// the nft counters non-zero. <see cref="TheCutChecksReportACutOfEtcdAndADiskDeclaredFailedBeforeTheDownOutInterval"/>
/// is the negative control. <c>TESSERA_LONG_FAULTS=1</c> runs it with a 30 s down-out interval and 8 clients.
/// </summary>
public sealed partial class StoragePortCutTests
{
    private const string Victim = "n3";
    private const int LeaseTtl = 3;
    private const int DiskCheckInterval = 1;

    /// <summary>
    /// How long after the cut a PUT may still fail (by its start). Until n1 and n2 take n3 out of placement, every coded
    /// PUT puts two fragments on n3, waits out the 10 s fragment write timeout and, left with k = 4 fragments, fewer
    /// than k + 1, is refused (503). The first such timeout takes n3 out of that gateway's placement at once (about 10 s
    /// after the cut), and three failed probes do it anyway: every 2 s, each failing when its 2 s timeout runs out
    /// against the dropping port, 3 × (2 + 2) = 12 s. A PUT started later must be acknowledged; 20 s leaves 8 s for a
    /// loaded 2-core machine.
    /// </summary>
    private static readonly TimeSpan FailureWindow = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan MaxGap = FailureWindow + TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after the down-out interval n3's disks must all be declared failed: the index node's monitor probes the
    /// disks one after the other every second, and each probe of a cut disk takes 2–5 s, so a pass over n3's four disks
    /// takes up to 20 s and a disk is declared at the first pass after its interval ran out.
    /// </summary>
    private static readonly TimeSpan DeclareSlack = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan RepairTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan PutTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private static ITestOutputHelper Output => TestContext.Current.TestOutputHelper!;

    private static bool Long => Environment.GetEnvironmentVariable("TESSERA_LONG_FAULTS") == "1";

    private static TimeSpan DownOut => TimeSpan.FromSeconds(Long ? 30 : 10);

    [Fact(Timeout = 240_000)]
    public async Task CuttingANodesStoragePortInItsNamespaceKeepsWritesGoingAndItsDisksAreDeclaredFailedOnlyAfterTheDownOutInterval()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = Stopwatch.StartNew();
        var clients = Long ? 8 : 4;
        Volatile.Write(ref _lastCoordinator, null); // Another cluster's.
        await using var network = NamespaceNetwork.Create(["n1", "n2", "n3"]);
        await using var cluster = await ProcessCluster.StartAsync(LeaseTtl, ct, network, _ => Settings(DownOut));
        var up = run.Elapsed;
        var gateways = new[] { Client(cluster, "n1"), Client(cluster, "n2") };
        try
        {
            const string Bucket = "cut";
            await gateways[0].PutBucketAsync(Bucket, ct);

            // Before the cut: objects with fragments on n3, for repair to rebuild.
            var before = Enumerable.Range(0, 48).Select(i => $"pre/{i:000}").ToList();
            var preFailures = await WriteBeforeTheCutAsync(gateways, Bucket, before, ct);
            var onVictim = FragmentFiles(cluster, Victim);
            Assert.NotEmpty(onVictim);

            // The hardest case: the cut node coordinates. It still reaches its own disks and the others' storage ports;
            // only the others' reports (they cannot reach it) tell it its disks are down.
            var stepDowns = await CoordinateOnAsync(cluster, Victim, ct);
            Output.WriteLine($"{Victim} coordinates after {stepDowns} step-downs (POST /_tessera/admin/v1/coordinator)");

            // The storm: writers through n1 and n2 from 2 s before the cut; an observer of the admin status, of n3's
            // registration in etcd and of n3's S3 port. Times are from the start of the nft command that cuts.
            var clock = Stopwatch.StartNew();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var operations = new ConcurrentQueue<StormOperation>();
            var writers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var key = $"c{c}/{i:00000}";
                    var start = clock.Elapsed;
                    var (outcome, code) = await PutAsync(gateways[c % 2], Bucket, key, ct);
                    operations.Enqueue(new StormOperation(c, c % 2 == 0 ? "n1" : "n2", key, start, clock.Elapsed, outcome, code));
                }
            }, ct)).ToList();
            using var stopObserving = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var observing = ObserveAsync(cluster, clock, stopObserving.Token);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);

            var cutAt = clock.Elapsed;
            await network.CutAsync(Victim, [cluster.StoragePort(Victim)], cancellationToken: ct);
            Output.WriteLine($"cluster of 3 nodes in namespaces {string.Join(", ", cluster.NodeIds.Select(network.Namespace))} on {network.Subnet}.0/24 (bridge {network.Bridge}, etcd on {network.HostAddress}) up in {up.TotalSeconds:F1} s; {before.Count} objects written before the cut ({preFailures.Count} attempts retried{Sample(preFailures)}), {onVictim.Count} fragment files on {Victim}");
            Output.WriteLine($"injected: nft table in {network.Namespace(Victim)} dropping TCP to {Victim}'s storage port {cluster.StoragePort(Victim)} from the bridge, at {cutAt.TotalSeconds:F1} s; down-out interval {DownOut.TotalSeconds:F0} s, disk checks every {DiskCheckInterval} s, lease TTL {LeaseTtl} s, {clients} clients");

            // Wait for n3's disks to be declared failed, then let the writers go on 3 s more.
            var deadline = cutAt + DownOut + DeclareSlack;
            while (clock.Elapsed < deadline && !AllFailed(observing.Observations, Victim, ProcessCluster.DisksPerNode))
            {
                await Task.Delay(PollInterval, ct);
            }

            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            var stormEnd = clock.Elapsed;

            // Repair: every fragment n3 held at the cut is rebuilt on n1 or n2.
            var repairClock = Stopwatch.StartNew();
            var missing = onVictim.ToList();
            while (repairClock.Elapsed < RepairTimeout)
            {
                var elsewhere = FragmentFiles(cluster, "n1").Concat(FragmentFiles(cluster, "n2")).ToHashSet(StringComparer.Ordinal);
                missing = [.. onVictim.Where(f => !elsewhere.Contains(f))];
                if (missing.Count == 0)
                {
                    break;
                }

                await Task.Delay(PollInterval, ct);
            }

            var repairedAt = clock.Elapsed;
            await Task.Delay(PollInterval * 2, ct);
            await stopObserving.CancelAsync();
            var (observations, registrations, s3) = await observing.Task;
            var missedSamples = observing.Missed.Count(m => m.At >= cutAt);
            var s3Answers = s3.Where(a => a.At >= cutAt).ToList();
            var (dropped, _) = await network.DroppedAsync(Victim, ct);

            // 4. Every acknowledged object reads back byte-identical through n1 or n2.
            var ops = operations.OrderBy(o => o.Start).Select(o => o with { Start = o.Start - cutAt, End = o.End - cutAt }).ToList();
            var acked = ops.Where(o => o.Outcome == StormOutcome.Acknowledged).Select(o => o.Key).Concat(before).ToList();
            var readClock = Stopwatch.StartNew();
            var lost = await FaultChecks.FindUnreadableAsync(gateways, Bucket, acked, 1, ct);

            var timeline = observations.Select(o => o with { At = o.At - cutAt }).ToList();
            var regs = registrations.Select(r => (r.At - cutAt, r.Registered)).ToList();
            var early = EarlyDeclarations(timeline, DownOut);
            var lapses = RegistrationLapses(regs);
            var late = LateFailures(ops, FailureWindow);
            var others = timeline.SelectMany(o => o.Disks).Where(d => d.Node != Victim && d.State == "failed").Select(d => d.Id).Distinct().ToList();
            var declared = Declarations(timeline, Victim);
            var badETags = ops.Where(o => o.Outcome == StormOutcome.Acknowledged && o.Code is not null).ToList();
            var during = ops.Where(o => o.Start >= TimeSpan.Zero).ToList();
            var failed = during.Where(o => o.Outcome != StormOutcome.Acknowledged).ToList();
            var repair = timeline.Where(o => o.Observer == ProcessCluster.IndexNode).ToList();
            var beforeDeclared = repair.LastOrDefault(o => declared.Count == 0 || o.At < declared.Values.Min(d => d.First));
            var rebuiltEarly = repair.Where(o => declared.Count == 0 || o.At < declared.Values.Min(d => d.First)).Max(o => (long?)o.Repair.FragmentsRebuilt) ?? 0;
            var gap = FaultChecks.LongestGap(during, TimeSpan.Zero, stormEnd - cutAt);
            var afterDeclared = declared.Count == 0 ? [] : during.Where(o => o.Start > declared.Values.Max(d => d.First)).ToList();

            Output.WriteLine($"(1) PUTs from the cut to {(stormEnd - cutAt).TotalSeconds:F1} s: {during.Count}; acknowledged {during.Count - failed.Count}; failed {failed.Count} ({Counts(failed)}), started between {Range(failed.Select(o => o.Start))}; allowed: failures of PUTs started within {FailureWindow.TotalSeconds:F0} s of the cut, {late.Count} later{Sample(late)}");
            Output.WriteLine($"    longest time without an acknowledged PUT after the cut: {gap.TotalSeconds:F1} s (bound {MaxGap.TotalSeconds:F0} s); PUTs started after the last of {Victim}'s disks was declared failed: {afterDeclared.Count}, {afterDeclared.Count(o => o.Outcome != StormOutcome.Acknowledged)} failed");
            Output.WriteLine("    acknowledged per second since the cut: " + string.Join(' ', PerSecond(during, StormOutcome.Acknowledged)));
            Output.WriteLine("    failed per second since the cut:       " + string.Join(' ', PerSecond(during, StormOutcome.Refused).Zip(PerSecond(during, StormOutcome.Indeterminate), (a, b) => a + b)));
            Output.WriteLine($"(2) disks declared failed before the down-out interval ({DownOut.TotalSeconds:F0} s): {early.Count}{Sample(early)}; disks of other nodes ever failed: {others.Count}{Sample(others)}; {timeline.Count} status samples, {missedSamples} missed after the cut");
            Output.WriteLine($"(3) {Victim}'s disks declared failed (between the last sample showing it not failed and the first failed): {string.Join("; ", declared.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key} {d.Value.Last.TotalSeconds:F1}–{d.Value.First.TotalSeconds:F1} s"))}");
            Output.WriteLine($"    repair on the coordinator: before the first declaration {RepairText(beforeDeclared)}; at the end {RepairText(repair.LastOrDefault())}; {onVictim.Count - missing.Count} of the {onVictim.Count} fragments {Victim} held rebuilt on n1/n2 by {(repairedAt - cutAt).TotalSeconds:F1} s{Sample(missing)}");
            Output.WriteLine($"(4) {acked.Count} acknowledged objects ({before.Count} before the cut) read back in {readClock.Elapsed.TotalSeconds:F1} s: {lost.Count} lost or wrong{Sample(lost)}; {badETags.Count} wrong ETags");
            Output.WriteLine($"fault as claimed: {Victim} registered in etcd in {regs.Count(r => r.Registered)} of {regs.Count} samples{Sample(lapses)}; its S3 port answered /health/live {s3Answers.Count(a => a.Answered)} of {s3Answers.Count} times during the cut; nft dropped {dropped} packets");
            Output.WriteLine($"total {run.Elapsed.TotalSeconds:F1} s");

            Assert.True(dropped > 0, "The nft rule dropped nothing: the cut did not happen.");
            Assert.True(lapses.Count == 0, $"{Victim}'s registration lapsed: etcd was not reachable{Sample(lapses)}");
            Assert.True(s3Answers.Count(a => a.Answered) > 0, $"{Victim}'s S3 port never answered during the cut: more than its storage port was cut.");
            Assert.True(during.Count - failed.Count >= 20, $"Only {during.Count - failed.Count} PUTs acknowledged during the cut.");
            Assert.True(late.Count == 0, $"{late.Count} PUTs started more than {FailureWindow.TotalSeconds} s after the cut failed{Sample(late)}");
            Assert.True(gap <= MaxGap, $"No PUT acknowledged for {gap.TotalSeconds:F1} s after the cut.");
            Assert.True(afterDeclared.Count > 0 && afterDeclared.All(o => o.Outcome == StormOutcome.Acknowledged), $"{afterDeclared.Count(o => o.Outcome != StormOutcome.Acknowledged)} of {afterDeclared.Count} PUTs started after {Victim}'s disks were declared failed failed ({Counts(afterDeclared.Where(o => o.Outcome != StormOutcome.Acknowledged))})");
            var samplesInInterval = timeline.Count(o => o.At >= TimeSpan.Zero && o.At < DownOut);
            Assert.True(samplesInInterval >= 5, $"Only {samplesInInterval} status samples within the down-out interval ({missedSamples} missed): check 2 saw too little.");
            Assert.True(early.Count == 0, $"Disks declared failed before the down-out interval{Sample(early)}");
            Assert.True(others.Count == 0, $"Disks of live nodes declared failed{Sample(others)}");
            Assert.True(declared.Count == ProcessCluster.DisksPerNode, $"Only {declared.Count} of {Victim}'s disks declared failed by {(deadline - cutAt).TotalSeconds:F0} s after the cut.");
            Assert.True(rebuiltEarly == 0, $"The coordinator rebuilt {rebuiltEarly} fragments before any disk was declared failed.");
            Assert.True(missing.Count == 0, $"{missing.Count} of {Victim}'s {onVictim.Count} fragments not rebuilt within {RepairTimeout.TotalSeconds} s{Sample(missing)}");
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged objects lost or wrong{Sample(lost)}");
            Assert.True(badETags.Count == 0, $"{badETags.Count} acknowledged PUTs returned a wrong ETag");
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                gateway.Dispose();
            }
        }
    }

    /// <summary>
    /// The negative control: the checks of the test above, fed a fault that is not the one claimed and a down-out
    /// interval the coordinator does not honour. n3's namespace drops its storage port and also everything n3 sends to
    /// etcd, and every node runs with a down-out interval of 10 s while the checks expect 60 s. They must report n3's
    /// registration lapsing and n3's disks declared failed early (the first of them at least).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task TheCutChecksReportACutOfEtcdAndADiskDeclaredFailedBeforeTheDownOutInterval()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = Stopwatch.StartNew();
        // The nodes run with the test's interval (10 s), the checks are told 60 s: a declaration at 10 s is early to them.
        var expected = TimeSpan.FromSeconds(60);
        Volatile.Write(ref _lastCoordinator, null); // Another cluster's.
        await using var network = NamespaceNetwork.Create(["n1", "n2", "n3"]);
        await using var cluster = await ProcessCluster.StartAsync(LeaseTtl, ct, network, _ => Settings(DownOut));
        var up = run.Elapsed;
        using var gateway = Client(cluster, "n1");
        await gateway.PutBucketAsync("control", ct);
        Assert.Equal((StormOutcome.Acknowledged, (string?)null), await PutAsync(gateway, "control", "pre/000", ct));

        // Cut only once every disk is active and in placement, so what the checks report follows from the cut.
        var clock = Stopwatch.StartNew();
        Observation? seen = null;
        while ((seen = await ReadStatusAsync(cluster, ProcessCluster.IndexNode, clock, ct) ?? seen) is null || seen.At < clock.Elapsed - TimeSpan.FromSeconds(1)
            || seen.Disks.Any(d => d.State != "active" || !d.Present))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Not every disk active and in placement within 30 s; last status: {(seen is null ? "none answered" : string.Join(", ", seen.Disks.Where(d => d.State != "active" || !d.Present).Select(d => $"{d.Id} {d.State}{(d.Present ? "" : " absent")}")))}");
            await Task.Delay(PollInterval, ct);
        }

        var settledAfter = clock.Elapsed;

        // The coordinator on n1, not on the node cut: its monitor probes n3's disks from the start of the cut (a
        // coordinator on n3 would first have to lose its lease and a new one be elected, which takes seconds of the 10).
        await CoordinateOnAsync(cluster, ProcessCluster.IndexNode, ct);
        using var stopObserving = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var observing = ObserveAsync(cluster, clock, stopObserving.Token);
        var cutAt = clock.Elapsed;
        var etcdPorts = Enumerable.Range(0, cluster.Etcd.Count).Select(cluster.Etcd.ClientPort).ToList();
        await network.CutAsync(Victim, [cluster.StoragePort(Victim)], etcdPorts, ct);
        while (clock.Elapsed - cutAt < TimeSpan.FromSeconds(45)
            && !(AllFailed(observing.Observations, Victim, 1) && observing.Registrations.Any(r => !r.Registered)))
        {
            await Task.Delay(PollInterval, ct);
        }

        await stopObserving.CancelAsync();
        var (observations, registrations, _) = await observing.Task;
        var (inbound, outbound) = await network.DroppedAsync(Victim, ct);
        var timeline = observations.Select(o => o with { At = o.At - cutAt }).ToList();
        var early = EarlyDeclarations(timeline, expected);
        var lapses = RegistrationLapses([.. registrations.Select(r => (r.At - cutAt, r.Registered))]);
        Output.WriteLine($"cluster up in {up.TotalSeconds:F1} s, every disk active on {ProcessCluster.IndexNode} {settledAfter.TotalSeconds:F1} s later; injected: {Victim}'s storage port {cluster.StoragePort(Victim)} and its traffic to etcd ports {string.Join(",", etcdPorts)} dropped; every node with down-out interval {DownOut.TotalSeconds:F0} s, the checks told {expected.TotalSeconds:F0} s; nft dropped {inbound} inbound and {outbound} outbound packets");
        Output.WriteLine($"early declarations reported: {early.Count}{Sample(early)}");
        Output.WriteLine($"registration lapses reported: {lapses.Count}{Sample(lapses)}");
        Output.WriteLine($"total {run.Elapsed.TotalSeconds:F1} s");

        Assert.True(outbound > 0, "The nft rule dropped nothing bound for etcd.");
        Assert.Contains(early, e => e.StartsWith(Victim + "-disk", StringComparison.Ordinal));
        Assert.NotEmpty(lapses);
    }

    /// <summary>
    /// Writes <paramref name="keys"/> before the cut, two at a time through each gateway, retrying a failed PUT up to
    /// three times (set-up, not what is measured: a loaded machine can time one out); returns the failed attempts.
    /// </summary>
    private static async Task<List<string>> WriteBeforeTheCutAsync(AmazonS3Client[] gateways, string bucket, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var failures = new ConcurrentQueue<string>();
        var queue = new ConcurrentQueue<string>(keys);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var key))
            {
                for (var attempt = 1; ; attempt++)
                {
                    var (outcome, code) = await PutAsync(gateways[w % gateways.Length], bucket, key, cancellationToken);
                    if (outcome == StormOutcome.Acknowledged && code is null)
                    {
                        break;
                    }

                    failures.Enqueue($"{key}: {outcome} {code}");
                    Assert.True(attempt < 4, $"Writing {key} before the cut failed 4 times: {string.Join("; ", failures)}");
                }
            }
        }, cancellationToken)));
        return [.. failures];
    }

    /// <summary>Makes <paramref name="node"/> the coordinator: the coordinator steps down until the election picks it. Returns the step-downs.</summary>
    private static async Task<int> CoordinateOnAsync(ProcessCluster cluster, string node, CancellationToken cancellationToken)
    {
        for (var stepDowns = 0; ;)
        {
            var (status, body) = await cluster.AdminAsync(node, HttpMethod.Get, "status", cancellationToken);
            if (status == 200 && body.GetProperty("coordinator").GetString() == node)
            {
                return stepDowns;
            }

            Assert.True(stepDowns < 20, $"{node} did not become coordinator after {stepDowns} step-downs.");
            if (status == 200)
            {
                var (stepped, answer) = await cluster.AdminAsync(node, HttpMethod.Post, "coordinator", cancellationToken);
                Assert.True(stepped == 202, $"POST coordinator answered {stepped}: {answer}");
                stepDowns++;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>The server options of the tests: disk checks every second and the down-out interval given.</summary>
    private static Dictionary<string, string> Settings(TimeSpan downOut) => new(StringComparer.Ordinal)
    {
        ["--disk-check-interval"] = DiskCheckInterval.ToString(CultureInfo.InvariantCulture),
        ["--down-out-interval"] = downOut.TotalSeconds.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The coordinator the last status named: asked first next time.</summary>
    private static string? _lastCoordinator;

    /// <summary>
    /// THE one place that reads disk states: <paramref name="observer"/>'s admin status (GET
    /// /_tessera/admin/v1/status signed as root on its S3 port), each disk's state, whether that node places on it,
    /// and since when it fails its probes; with the repair counters: the elected coordinator's, whichever node it is
    /// (it declares disks failed and writes their states to etcd).
    /// </summary>
    private static async Task<Observation?> ReadStatusAsync(ProcessCluster cluster, string observer, Stopwatch clock, CancellationToken cancellationToken)
    {
        // Any node's admin API answers with the coordinator's view (forwarded over the storage port); the coordinator's
        // own S3 port answers it without forwarding, so it is asked first: when it is the cut node, the others cannot
        // forward to it (503 after 15 s), but its S3 port still answers. Each node gets 4 s.
        System.Text.Json.JsonElement body = default;
        var answered = false;
        var candidates = cluster.NodeIds.Where(n => n != observer).Prepend(observer);
        if (Volatile.Read(ref _lastCoordinator) is { } last && cluster.NodeIds.Contains(last))
        {
            candidates = candidates.Where(n => n != last).Prepend(last);
        }

        foreach (var node in candidates)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(4));
            try
            {
                int status;
                (status, body) = await cluster.AdminAsync(node, HttpMethod.Get, "status", limit.Token);
                if (status == 200)
                {
                    answered = true;
                    Volatile.Write(ref _lastCoordinator, body.TryGetProperty("coordinator", out var c) ? c.GetString() : null);
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
        }

        if (!answered)
        {
            return null;
        }

        var disks = body.GetProperty("disks").EnumerateArray().Select(d => new DiskView(
            d.GetProperty("id").GetString()!,
            d.GetProperty("node").GetString()!,
            d.GetProperty("state").GetString()!,
            d.GetProperty("present").GetBoolean(),
            d.TryGetProperty("downSince", out var since) ? since.GetString() : null)).ToList();
        var repair = body.GetProperty("repair");
        return new Observation(clock.Elapsed, observer, disks, new RepairCounters(
            repair.GetProperty("queued").GetInt64(), repair.GetProperty("inProgress").GetInt64(), repair.GetProperty("segmentsRepaired").GetInt64(),
            repair.GetProperty("fragmentsRebuilt").GetInt64(), repair.GetProperty("blocked").GetInt64()));
    }

    /// <summary>
    /// Every <see cref="PollInterval"/> until cancelled: n1's and n2's status, whether n3's record is in etcd (the
    /// lease of a node that reaches etcd lives on), and whether n3's S3 port answers /health/live.
    /// </summary>
    private static Observer ObserveAsync(ProcessCluster cluster, Stopwatch clock, CancellationToken cancellationToken)
    {
        var observer = new Observer();
        observer.Task = Task.Run(async () =>
        {
            using var etcd = new EtcdClient(cluster.Etcd.Endpoints);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var node in new[] { "n1", "n2" })
                {
                    // A status that does not come within 5 s is a missed sample, not a stalled observer.
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    limit.CancelAfter(TimeSpan.FromSeconds(5));
                    try
                    {
                        if (await ReadStatusAsync(cluster, node, clock, limit.Token) is { } observation)
                        {
                            observer.Observations.Enqueue(observation);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                    {
                        observer.Missed.Enqueue((clock.Elapsed, node));
                        if (cancellationToken.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                }

                try
                {
                    var record = await etcd.GetAsync("/tessera/nodes/" + Victim, deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                    observer.Registrations.Enqueue((clock.Elapsed, record.Count > 0));
                }
                catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException)
                {
                }

                try
                {
                    using var live = await http.GetAsync(new Uri(cluster.Endpoint(Victim), "/health/live"), cancellationToken);
                    observer.S3.Enqueue((clock.Elapsed, true));
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        observer.S3.Enqueue((clock.Elapsed, false));
                    }
                }

                try
                {
                    await Task.Delay(PollInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return (observer.Observations.ToList(), observer.Registrations.ToList(), observer.S3.ToList());
        }, CancellationToken.None);
        return observer;
    }

    /// <summary>Disks some observer showed failed at a time before <paramref name="downOut"/> after the cut (the sample's time is an upper bound of the declaration's).</summary>
    private static List<string> EarlyDeclarations(IEnumerable<Observation> timeline, TimeSpan downOut) =>
        [.. timeline.Where(o => o.At >= TimeSpan.Zero && o.At < downOut)
            .SelectMany(o => o.Disks.Where(d => d.State == "failed").Select(d => (d.Id, o.At, o.Observer)))
            .GroupBy(d => d.Id, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} failed at {g.Min(d => d.At).TotalSeconds:F1} s (seen by {g.First().Observer})")];

    /// <summary>Samples after the cut in which the victim had no record in etcd.</summary>
    private static List<string> RegistrationLapses(IEnumerable<(TimeSpan At, bool Registered)> registrations) =>
        [.. registrations.Where(r => r.At >= TimeSpan.Zero && !r.Registered).Select(r => $"no record at {r.At.TotalSeconds:F1} s")];

    /// <summary>PUTs that failed although they started more than <paramref name="window"/> after the cut.</summary>
    private static List<string> LateFailures(IEnumerable<StormOperation> operations, TimeSpan window) =>
        [.. operations.Where(o => o.Outcome != StormOutcome.Acknowledged && o.Start > window).Select(o => $"{o.Key} via {o.Gateway} started at {o.Start.TotalSeconds:F1} s: {o.Code}")];

    /// <summary>For each disk of <paramref name="node"/> that some observer showed failed: the last time before that it was shown otherwise, and the first time failed.</summary>
    private static Dictionary<string, (TimeSpan Last, TimeSpan First)> Declarations(IReadOnlyList<Observation> timeline, string node)
    {
        var result = new Dictionary<string, (TimeSpan, TimeSpan)>(StringComparer.Ordinal);
        foreach (var id in timeline.SelectMany(o => o.Disks).Where(d => d.Node == node).Select(d => d.Id).Distinct())
        {
            var first = timeline.FirstOrDefault(o => o.Disks.Any(d => d.Id == id && d.State == "failed"));
            if (first is not null)
            {
                var last = timeline.LastOrDefault(o => o.At < first.At && o.Disks.Any(d => d.Id == id && d.State != "failed"));
                result[id] = (last?.At ?? TimeSpan.Zero, first.At);
            }
        }

        return result;
    }

    private static bool AllFailed(IEnumerable<Observation> observations, string node, int disks) =>
        observations.SelectMany(o => o.Disks).Where(d => d.Node == node && d.State == "failed").Select(d => d.Id).Distinct().Count() >= disks;

    /// <summary>The names of the fragment files in <paramref name="node"/>'s disk directories (the test shares their file system).</summary>
    private static HashSet<string> FragmentFiles(ProcessCluster cluster, string node) =>
        [.. cluster.DiskPaths(node)
            .Select(d => Path.Combine(d, "fragments"))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Select(f => Path.GetFileName(f))
            .Where(f => FragmentName().IsMatch(f))];

    private static AmazonS3Client Client(ProcessCluster cluster, string node) =>
        new(new BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = cluster.Endpoint(node).ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            Timeout = PutTimeout,
        });

    private static async Task<(StormOutcome, string?)> PutAsync(AmazonS3Client client, string bucket, string key, CancellationToken cancellationToken)
    {
        var body = FaultChecks.Content(key);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PutTimeout);
        try
        {
            var put = await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(body) }, timeout.Token);
            var etag = FaultChecks.ETag(body);
            return (StormOutcome.Acknowledged, put.ETag == etag ? null : $"ETag {put.ETag} instead of {etag}");
        }
        catch (AmazonServiceException e) when (e.StatusCode != 0)
        {
            return (StormOutcome.Refused, string.IsNullOrEmpty(e.ErrorCode) ? ((int)e.StatusCode).ToString(CultureInfo.InvariantCulture) : e.ErrorCode);
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException or IOException or SocketException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (StormOutcome.Indeterminate, e is OperationCanceledException ? "Timeout" : e.GetType().Name);
        }
    }

    private static string RepairText(Observation? o) => o is null ? "no sample"
        : $"{o.Repair.SegmentsRepaired} segments repaired, {o.Repair.FragmentsRebuilt} fragments rebuilt, {o.Repair.Queued} queued, {o.Repair.InProgress} in progress, {o.Repair.Blocked} blocked (at {o.At.TotalSeconds:F1} s)";

    private static string Range(IEnumerable<TimeSpan> times)
    {
        var list = times.ToList();
        return list.Count == 0 ? "-" : $"{list.Min().TotalSeconds:F1} s and {list.Max().TotalSeconds:F1} s";
    }

    private static string Counts(IEnumerable<StormOperation> operations) =>
        string.Join(", ", operations.GroupBy(o => o.Code ?? "?").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));

    private static IEnumerable<int> PerSecond(IReadOnlyCollection<StormOperation> operations, StormOutcome outcome)
    {
        var counts = new int[operations.Count == 0 ? 1 : (int)Math.Ceiling(operations.Max(o => o.End).TotalSeconds) + 1];
        foreach (var o in operations.Where(o => o.Outcome == outcome))
        {
            counts[Math.Clamp((int)o.End.TotalSeconds, 0, counts.Length - 1)]++;
        }

        return counts;
    }

    private static string Sample<T>(IReadOnlyCollection<T> items) =>
        items.Count == 0 ? "" : ": " + string.Join("; ", items.Take(5)) + (items.Count > 5 ? " …" : "");

    [GeneratedRegex(@"^[0-9a-f]{32}\.[0-9]+$")]
    private static partial Regex FragmentName();

    private sealed record DiskView(string Id, string Node, string State, bool Present, string? DownSince);

    private sealed record RepairCounters(long Queued, long InProgress, long SegmentsRepaired, long FragmentsRebuilt, long Blocked);

    /// <summary>One admin status sample: when it was answered (since the cut, once shifted), by whom, what it said.</summary>
    private sealed record Observation(TimeSpan At, string Observer, IReadOnlyList<DiskView> Disks, RepairCounters Repair);

    private sealed class Observer
    {
        public ConcurrentQueue<Observation> Observations { get; } = new();

        public ConcurrentQueue<(TimeSpan At, bool Registered)> Registrations { get; } = new();

        public ConcurrentQueue<(TimeSpan At, bool Answered)> S3 { get; } = new();

        /// <summary>Status requests that failed or took more than 5 s (when, to whom).</summary>
        public ConcurrentQueue<(TimeSpan At, string Node)> Missed { get; } = new();

        public Task<(List<Observation> Observations, List<(TimeSpan At, bool Registered)> Registrations, List<(TimeSpan At, bool Answered)> S3)> Task { get; set; } = null!;
    }
}
