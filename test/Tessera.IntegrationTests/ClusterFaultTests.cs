using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// Issue #15's node-kill fault test, CI-sized: three tessera processes and three etcd members on loopback, eight S3
/// clients writing objects of mixed sizes without a pause, and two cycles that SIGKILL a node together with its etcd
/// member (one the etcd leader, one a follower) and start both again. Then: no acknowledged write is lost or wrong,
/// nothing listed is unreadable or was refused, writes stopped for at most 10 s per kill, and once n1's repairer has
/// respread what was written degraded, a scrub finds every fragment and no segment has more than two on a node.
/// <c>TESSERA_LONG_FAULTS=1</c> runs the issue's longer schedule (60 s of writes, the first node down from 20 s to 40 s).
/// </summary>
public sealed class ClusterFaultTests
{
    private const int Clients = 8;
    private const int LeaseTtl = 3;
    private const string IndexNode = ProcessCluster.IndexNode;
    private static readonly TimeSpan MaxUnavailable = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PutTimeout = TimeSpan.FromSeconds(20);
    /// <summary>
    /// How long repair may take to drain after the storm: the coordinator may be any node (repairing through the remote
    /// index, slower than on the index node), and each new coordinator sweeps the whole index once. The issue bounds
    /// no repair time; what counts is that it drains and the scrub after it is clean.
    /// </summary>
    private static readonly TimeSpan RepairTimeout = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper Output => TestContext.Current.TestOutputHelper!;

    private static bool Long => Environment.GetEnvironmentVariable("TESSERA_LONG_FAULTS") == "1";

    [Fact(Timeout = 240_000)]
    public async Task KillingANodeWithItsEtcdMemberTwiceDuringAWriteStormLosesNoAcknowledgedWrite()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = Stopwatch.StartNew();
        var (duration, cycles) = Long
            ? (Seconds(60), new[] { (Kill: Seconds(20), Restart: Seconds(40)), (Kill: Seconds(45), Restart: Seconds(55)) })
            : (Seconds(30), new[] { (Kill: Seconds(6), Restart: Seconds(13)), (Kill: Seconds(18), Restart: Seconds(25)) });
        await using var cluster = await ProcessCluster.StartAsync(LeaseTtl, ct);
        var gateways = cluster.NodeIds.Select(cluster.CreateClient).ToList();
        try
        {
            const string Bucket = "storm";
            await gateways[0].PutBucketAsync(Bucket, ct);
            var started = run.Elapsed;
            var (operations, injections) = await StormAsync(cluster, Bucket, duration, cycles);
            Output.WriteLine($"cluster up in {started.TotalSeconds:F1} s; storm of {duration.TotalSeconds:F0} s with {Clients} clients, lease TTL {LeaseTtl} s");
            foreach (var injection in injections)
            {
                var member = injection.Member is { } m ? $"etcd member {m} ({ProcessCluster.NodeOfMember(m)}'s, {(injection.MemberWasLeader ? "the leader" : "a follower")})" : "no etcd member";
                Output.WriteLine($"cycle {injection.Cycle}: SIGKILL {injection.Node} and {member} at {injection.Killed.TotalSeconds:F1} s; restarted at {injection.Restarted.TotalSeconds:F1} s, ready at {injection.Ready.TotalSeconds:F1} s{(injection.Note.Length > 0 ? "; " + injection.Note : "")}");
            }

            // What the clients were told.
            var acked = operations.Where(o => o.Outcome == StormOutcome.Acknowledged).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            var indeterminate = operations.Where(o => o.Outcome == StormOutcome.Indeterminate).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            var refused = operations.Where(o => o.Outcome == StormOutcome.Refused).ToList();
            var badETags = operations.Where(o => o.Outcome == StormOutcome.Acknowledged && o.Code is not null).ToList();
            Output.WriteLine($"PUTs: {operations.Count}; acknowledged {acked.Count}; refused {refused.Count} ({Counts(refused)}); indeterminate {indeterminate.Count} ({Counts(operations.Where(o => o.Outcome == StormOutcome.Indeterminate))})");
            Output.WriteLine("acknowledged per second: " + string.Join(' ', PerSecond(operations, StormOutcome.Acknowledged, duration)));
            Output.WriteLine("refused per second:      " + string.Join(' ', PerSecond(operations, StormOutcome.Refused, duration)));

            // 3. Writes unavailable for at most 10 s per kill: from the kill to the next kill (or the end of the storm).
            // Small objects are written as three copies, which two nodes take at once: the coded ones are the ones that
            // wait for the lease to lapse, so they are measured apart too.
            var coded = operations.Where(o => FaultChecks.Content(o.Key).Length > ProcessCluster.CopiesLimit).ToList();
            var gaps = new List<(TimeSpan Any, TimeSpan Coded)>();
            for (var i = 0; i < injections.Count; i++)
            {
                var until = i + 1 < injections.Count ? injections[i + 1].Killed : duration;
                gaps.Add((FaultChecks.LongestGap(operations, injections[i].Killed, until), FaultChecks.LongestGap(coded, injections[i].Killed, until)));
                Output.WriteLine($"check 3, cycle {injections[i].Cycle}: between {injections[i].Killed.TotalSeconds:F1} s and {until.TotalSeconds:F1} s the longest time without an acknowledged PUT was {gaps[^1].Any.TotalSeconds:F1} s, without an acknowledged coded PUT (> {ProcessCluster.CopiesLimit} B) {gaps[^1].Coded.TotalSeconds:F1} s");
            }

            // Repair: the coordinator (whichever node won the election last) respreads what was written on two nodes (heal
            // sweeps every segment for crowding and missing files); n1's admin API forwards to it.
            var repair = await DrainRepairAsync(cluster);
            var (_, status) = await cluster.AdminAsync(IndexNode, HttpMethod.Get, "status", ct);
            Output.WriteLine($"repair on the coordinator, {status.GetProperty("coordinator").GetString()} (fencing token {status.GetProperty("fencingToken").GetInt64()}): {repair}");

            // 4, started first (it reads every fragment, one after the other, beside the checks that follow): a scrub on
            // n1 finds every fragment intact.
            var clock = Stopwatch.StartNew();
            var scrubbing = cluster.AdminAsync(IndexNode, HttpMethod.Post, "scrub", ct, ("scope", "cluster"));

            // 1. Every acknowledged key reads back exactly, through a random gateway.
            var lost = await FaultChecks.FindUnreadableAsync(gateways, Bucket, acked, 1, ct);
            Output.WriteLine($"check 1: {acked.Count} acknowledged objects read back in {clock.Elapsed.TotalSeconds:F1} s, {lost.Count} lost or wrong{Sample(lost)}");

            // 2. Every listed key reads back (those acknowledged were just read) and was acknowledged or indeterminate, never refused.
            var listed = await FaultChecks.ListAsync(gateways[Random.Shared.Next(gateways.Count)], Bucket, ct);
            var unreadable = lost.Where(l => listed.Contains(l.Key)).Concat(await FaultChecks.FindUnreadableAsync(gateways, Bucket, listed.Where(k => !acked.Contains(k)), 2, ct)).ToList();
            var unexpected = listed.Where(k => !acked.Contains(k) && !indeterminate.Contains(k)).ToList();
            var missingAcked = acked.Except(listed, StringComparer.Ordinal).ToList();
            Output.WriteLine($"check 2: {listed.Count} keys listed ({listed.Count(indeterminate.Contains)} of the {indeterminate.Count} indeterminate ones); {unreadable.Count} unreadable{Sample(unreadable)}; {unexpected.Count} neither acknowledged nor indeterminate{Sample(unexpected)}; {missingAcked.Count} acknowledged not listed{Sample(missingAcked)}");

            // 4. Every segment has at most two fragments per node, each where the index says.
            var crowded = await FindBadPlacementAsync(cluster, Bucket, listed);
            Output.WriteLine($"check 4: fragments of {listed.Count} objects by node: {crowded.Count} segments with a fragment absent or more than two on a node{Sample(crowded)}");
            var (scrubStatus, scrub) = await scrubbing;
            Assert.Equal(200, scrubStatus);
            var (missing, corrupt) = (scrub.GetProperty("missing").GetInt64(), scrub.GetProperty("corrupt").GetInt64());
            Output.WriteLine($"check 4: scrub on {IndexNode} in {scrub.GetProperty("seconds").GetDouble():F1} s: {scrub.GetProperty("segments").GetInt64()} segments, {scrub.GetProperty("fragmentsChecked").GetInt64()} fragments, {missing} missing, {corrupt} corrupt, {scrub.GetProperty("orphans").GetInt64()} orphans (refused writes' fragments, the garbage collector's), {scrub.GetProperty("failedDisks").GetInt64()} failed disks; checks took {clock.Elapsed.TotalSeconds:F1} s");
            Output.WriteLine($"total {run.Elapsed.TotalSeconds:F1} s");

            Assert.True(acked.Count >= 100, $"Only {acked.Count} PUTs were acknowledged: the storm exercised too little.");
            Assert.Equal(cycles.Length, injections.Count);
            Assert.True(badETags.Count == 0, $"{badETags.Count} acknowledged PUTs returned the wrong ETag{Sample(badETags.Select(o => $"{o.Key}: {o.Code}").ToList())}");
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged objects lost or wrong{Sample(lost)}");
            Assert.True(unreadable.Count == 0, $"{unreadable.Count} listed objects unreadable{Sample(unreadable)}");
            Assert.True(unexpected.Count == 0, $"{unexpected.Count} listed keys were neither acknowledged nor indeterminate{Sample(unexpected)}");
            Assert.True(missingAcked.Count == 0, $"{missingAcked.Count} acknowledged keys are not listed{Sample(missingAcked)}");
            Assert.All(gaps, (gap, i) => Assert.True(gap.Any <= MaxUnavailable && gap.Coded <= MaxUnavailable, $"Cycle {i + 1}: no PUT was acknowledged for {gap.Any.TotalSeconds:F1} s, no coded PUT for {gap.Coded.TotalSeconds:F1} s."));
            Assert.True(repair.Done, $"Repair did not drain within {RepairTimeout.TotalSeconds} s: {repair}");
            Assert.Equal((0L, 0L), (missing, corrupt));
            Assert.True(crowded.Count == 0, $"{crowded.Count} segments badly placed{Sample(crowded)}");
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
    /// The negative control: check 1, the very function the storm test uses, does report an acknowledged object lost
    /// once three of its six fragment files (more than m = 2) are deleted, and only that one.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task TheCheckerReportsAnAcknowledgedObjectMissingThreeOfItsSixFragmentsAsLost()
    {
        var ct = TestContext.Current.CancellationToken;
        var run = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(LeaseTtl, ct);
        var gateways = cluster.NodeIds.Select(cluster.CreateClient).ToList();
        try
        {
            const string Bucket = "control";
            var started = run.Elapsed;
            await gateways[0].PutBucketAsync(Bucket, ct);
            var keys = Enumerable.Range(0, 20).Select(i => $"c0/{i:00000}").Where(k => FaultChecks.Content(k).Length > ProcessCluster.CopiesLimit).Take(4).ToList();
            for (var i = 0; i < keys.Count; i++)
            {
                Assert.Equal((StormOutcome.Acknowledged, (string?)null), await PutAsync(gateways[i % gateways.Count], Bucket, keys[i]));
            }

            var victim = keys[1];
            var (status, body) = await cluster.AdminAsync(IndexNode, HttpMethod.Get, "object", ct, ("bucket", Bucket), ("key", victim));
            Assert.Equal(200, status);
            var segment = body.GetProperty("segments").EnumerateArray().Single().GetProperty("segment").GetString()!;
            var files = cluster.NodeIds.SelectMany(cluster.DiskPaths)
                .SelectMany(d => Directory.EnumerateFiles(Path.Combine(d, "fragments"), segment + ".*", SearchOption.AllDirectories))
                .OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
            Assert.Equal(6, files.Count);
            foreach (var file in files.Take(3))
            {
                File.Delete(file);
            }

            var deleted = run.Elapsed;
            var lost = await FaultChecks.FindUnreadableAsync(gateways, Bucket, keys, 3, ct);
            Output.WriteLine($"cluster up in {started.TotalSeconds:F1} s, fragments deleted at {deleted.TotalSeconds:F1} s, checked at {run.Elapsed.TotalSeconds:F1} s");
            Output.WriteLine($"deleted fragments 0-2 of {victim} ({FaultChecks.Content(victim).Length} B, segment {segment}): {string.Join(", ", files.Take(3).Select(f => Path.GetRelativePath(cluster.Directory, f)))}");
            Output.WriteLine($"check 1 over {keys.Count} acknowledged objects: {lost.Count} lost or wrong{Sample(lost)}");
            Assert.Equal([victim], lost.Select(l => l.Key));
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
    /// Runs <see cref="Clients"/> writers for <paramref name="duration"/>, each through its own gateway (n1, n2, n3 in
    /// turn) or, while that node is down, the next one up (a load balancer's health check, told at once), and the
    /// kill/restart <paramref name="cycles"/> beside them.
    /// </summary>
    private static async Task<(List<StormOperation> Operations, List<Injection> Injections)> StormAsync(
        ProcessCluster cluster, string bucket, TimeSpan duration, (TimeSpan Kill, TimeSpan Restart)[] cycles)
    {
        var down = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var operations = new ConcurrentQueue<StormOperation>();
        var clock = Stopwatch.StartNew();
        var writers = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var clients = cluster.NodeIds.ToDictionary(n => n, cluster.CreateClient, StringComparer.Ordinal);
            try
            {
                var preferred = c % cluster.NodeIds.Count;
                for (var i = 0; clock.Elapsed < duration; i++)
                {
                    var gateway = Enumerable.Range(0, cluster.NodeIds.Count).Select(g => cluster.NodeIds[(preferred + g) % cluster.NodeIds.Count]).First(n => !down.ContainsKey(n));
                    var key = $"c{c}/{i:00000}";
                    var start = clock.Elapsed;
                    var (outcome, code) = await PutAsync(clients[gateway], bucket, key);
                    operations.Enqueue(new StormOperation(c, gateway, key, start, clock.Elapsed, outcome, code));
                }
            }
            finally
            {
                foreach (var client in clients.Values)
                {
                    client.Dispose();
                }
            }
        }, Ct)).ToList();

        var injections = new List<Injection>();
        try
        {
            string? previous = null;
            for (var i = 0; i < cycles.Length; i++)
            {
                // The next kill waits for the last restart to be ready: two nodes down at once stop every write.
                var killAt = injections.Count == 0 ? cycles[i].Kill : Max(cycles[i].Kill, injections[^1].Ready + TimeSpan.FromSeconds(2));
                await Task.Delay(Max(TimeSpan.Zero, killAt - clock.Elapsed), Ct);
                var injection = await ChooseAsync(cluster, i + 1, previous);
                down[injection.Node] = true;
                injection.Killed = clock.Elapsed;
                cluster.Kill(injection.Node);
                if (injection.Member is { } member)
                {
                    cluster.Etcd.Kill(member);
                }

                injections.Add(injection);
                previous = injection.Node;
                await Task.Delay(Max(TimeSpan.Zero, killAt + (cycles[i].Restart - cycles[i].Kill) - clock.Elapsed), Ct);
                injection.Restarted = clock.Elapsed;
                if (injection.Member is { } back)
                {
                    await cluster.Etcd.RestartAsync(back, Ct);
                }

                await cluster.RestartAsync(injection.Node);
                injection.Ready = clock.Elapsed;
                down.TryRemove(injection.Node, out _);
            }
        }
        finally
        {
            await Task.WhenAll(writers);
        }

        return ([.. operations.OrderBy(o => o.Start)], injections);
    }

    /// <summary>
    /// The victims of a cycle. Odd cycles kill the etcd leader's member with its node; even cycles a follower's member
    /// with its node, preferring the node the last cycle did not kill. n1 holds the index (its loss stops all metadata
    /// until it is back), so its process is never killed: when n1's member leads, it is killed alone, with n2's node.
    /// </summary>
    private static async Task<Injection> ChooseAsync(ProcessCluster cluster, int cycle, string? previous)
    {
        var leader = await cluster.Etcd.LeaderIndexAsync(Ct);
        var candidates = cluster.NodeIds.Where(n => n != IndexNode).OrderBy(n => n == previous ? 1 : 0).ToList();
        if (cycle % 2 == 1)
        {
            if (leader < 0)
            {
                var node = candidates[0];
                return new Injection(cycle, node, ProcessCluster.MemberOf(node), false, "no member knew a leader: killed a member blind");
            }

            var leaderNode = ProcessCluster.NodeOfMember(leader);
            return leaderNode == IndexNode
                ? new Injection(cycle, candidates[0], leader, true, $"the leader was {IndexNode}'s member: killed it alone, with {candidates[0]}'s node (its member kept running)")
                : new Injection(cycle, leaderNode, leader, true, "");
        }

        var follower = candidates.First(n => ProcessCluster.MemberOf(n) != leader);
        return new Injection(cycle, follower, ProcessCluster.MemberOf(follower), false, leader < 0 ? "no member knew a leader" : "");
    }

    private static async Task<(StormOutcome, string?)> PutAsync(AmazonS3Client client, string bucket, string key)
    {
        var body = FaultChecks.Content(key);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
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
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or HttpRequestException or IOException
            || (e is OperationCanceledException && !Ct.IsCancellationRequested))
        {
            return (StormOutcome.Indeterminate, e is OperationCanceledException ? "Timeout" : e.GetType().Name + (e.InnerException is { } inner ? "/" + inner.GetType().Name : ""));
        }
    }

    /// <summary>
    /// Sweeps every segment on n1 (<c>POST heal</c>: crowded and missing fragments are queued) and waits until the
    /// repair queue is empty with nothing blocked or unrecoverable, sweeping again while some are (a repair may have
    /// run before n1 saw a node back).
    /// </summary>
    private static async Task<RepairResult> DrainRepairAsync(ProcessCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        var queued = 0L;
        var heals = 0;
        TimeSpan? lastHeal = null;
        JsonElement repair = default;
        while (clock.Elapsed < RepairTimeout)
        {
            var (status, body) = await cluster.AdminAsync(IndexNode, HttpMethod.Get, "status", Ct);
            Assert.Equal(200, status);
            repair = body.GetProperty("repair");
            var busy = repair.GetProperty("queued").GetInt64() + repair.GetProperty("inProgress").GetInt64();
            var stuck = repair.GetProperty("blocked").GetInt64() + repair.GetProperty("unrecoverable").GetInt64();
            if (busy == 0 && heals > 0 && stuck == 0)
            {
                return new RepairResult(true, clock.Elapsed, heals, queued, repair.GetProperty("segmentsRepaired").GetInt64(), repair.GetProperty("fragmentsRebuilt").GetInt64(), 0, 0);
            }

            if (busy == 0 && (lastHeal is null || clock.Elapsed - lastHeal > TimeSpan.FromSeconds(2)))
            {
                var (healStatus, heal) = await cluster.AdminAsync(IndexNode, HttpMethod.Post, "heal", Ct);
                Assert.Equal(200, healStatus);
                queued += heal.GetProperty("queued").GetInt64();
                heals++;
                lastHeal = clock.Elapsed;
                continue;
            }

            await Task.Delay(200, Ct);
        }

        return new RepairResult(false, clock.Elapsed, heals, queued, repair.GetProperty("segmentsRepaired").GetInt64(), repair.GetProperty("fragmentsRebuilt").GetInt64(), repair.GetProperty("blocked").GetInt64(), repair.GetProperty("unrecoverable").GetInt64());
    }

    /// <summary>Segments of <paramref name="keys"/> with a fragment not present where the index says, or more than two on one node (admin <c>object</c> on n1).</summary>
    private static async Task<IReadOnlyList<string>> FindBadPlacementAsync(ProcessCluster cluster, string bucket, IEnumerable<string> keys)
    {
        var problems = new ConcurrentBag<string>();
        var queue = new ConcurrentQueue<string>(keys);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var key))
            {
                var (status, body) = await cluster.AdminAsync(IndexNode, HttpMethod.Get, "object", Ct, ("bucket", bucket), ("key", key));
                if (status != 200)
                {
                    problems.Add($"{key}: admin object answered {status}");
                    continue;
                }

                foreach (var segment in body.GetProperty("segments").EnumerateArray())
                {
                    var fragments = segment.GetProperty("fragments").EnumerateArray().ToList();
                    var absent = fragments.Count(f => !f.GetProperty("present").GetBoolean());
                    var perNode = fragments.GroupBy(f => f.TryGetProperty("node", out var n) ? n.GetString() : "?").Select(g => $"{g.Key}={g.Count()}").ToList();
                    var expected = segment.GetProperty("k").GetInt32() + segment.GetProperty("m").GetInt32();
                    if (absent > 0 || fragments.Count != expected || fragments.GroupBy(f => f.TryGetProperty("node", out var n) ? n.GetString() : "?").Any(g => g.Count() > 2))
                    {
                        problems.Add($"{key} segment {segment.GetProperty("segment").GetString()}: {fragments.Count}/{expected} fragments, {absent} absent, {string.Join(' ', perNode)}");
                    }
                }
            }
        }, Ct)));
        return [.. problems.Order(StringComparer.Ordinal)];
    }

    private static string Counts(IEnumerable<StormOperation> operations) =>
        string.Join(", ", operations.GroupBy(o => o.Code ?? "?").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));

    private static IEnumerable<int> PerSecond(IEnumerable<StormOperation> operations, StormOutcome outcome, TimeSpan duration)
    {
        var counts = new int[(int)Math.Ceiling(duration.TotalSeconds) + 1];
        foreach (var o in operations.Where(o => o.Outcome == outcome))
        {
            counts[Math.Min(counts.Length - 1, (int)o.End.TotalSeconds)]++;
        }

        return counts;
    }

    private static string Sample<T>(IReadOnlyCollection<T> items) =>
        items.Count == 0 ? "" : ": " + string.Join("; ", items.Take(5)) + (items.Count > 5 ? " …" : "");

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed record RepairResult(bool Done, TimeSpan Elapsed, int Heals, long Queued, long SegmentsRepaired, long FragmentsRebuilt, long Blocked, long Unrecoverable)
    {
        public override string ToString() =>
            $"{(Done ? "drained" : "NOT drained")} in {Elapsed.TotalSeconds:F1} s after {Heals} heal sweeps that queued {Queued} segments; {SegmentsRepaired} segments repaired, {FragmentsRebuilt} fragments rebuilt since n1 started; {Blocked} blocked, {Unrecoverable} unrecoverable";
    }
}
