using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Cluster.Index.Sharding;
using Tessera.Linearizability;

namespace Tessera.IntegrationTests;

/// <content>The register workload: 10 keys, 10 clients, GET / PUT / If-Match PUT / If-None-Match PUT / DELETE.</content>
public sealed partial class ShardedIndexFaultTests
{
    private const int RegisterClients = 10;
    private const int RegisterKeys = 10;

    /// <summary>
    /// The fewest calls a CI run (25 s) must have acknowledged: 739 and 719 were measured on this 2-core machine with
    /// other work on it (load average 15–30), about 40 % of that.
    /// </summary>
    private const int RegisterFloor = 300;

    /// <summary>The four kinds issue 16 names (either side of the split counts for "split the majority").</summary>
    private static readonly FaultKind[][] RegisterKinds =
        [[FaultKind.IsolateLeader], [FaultKind.SplitGatewaysWithMinority, FaultKind.SplitGatewaysWithMajority], [FaultKind.PauseLeader], [FaultKind.KillLeader]];

    /// <remarks>The timeout allows the long variant (300 s and the checker); a CI run takes about 35 s.</remarks>
    [Fact(Timeout = 600_000)]
    public async Task EveryKeysHistoryThroughS3IsLinearizableWhileTheIndexGroupIsPartitionedPausedAndKilled()
    {
        var test = Stopwatch.StartNew();
        var bucket = "reg-" + Guid.NewGuid().ToString("N")[..10];
        await cluster.Client("n1").PutBucketAsync(bucket, TestContext.Current.CancellationToken);
        var caches = Caches();
        var (hits, misses) = (caches.Sum(c => c.Hits), caches.Sum(c => c.Misses));
        var duration = TimeSpan.FromSeconds(Long ? 300 : 25);
        var nemesis = new EtcdGroupNemesis(
            cluster.Network, cluster.Group,
            [FaultKind.IsolateLeader, FaultKind.SplitGatewaysWithMinority, FaultKind.PauseLeader, FaultKind.KillLeader, FaultKind.SplitGatewaysWithMajority],
            quiet: TimeSpan.FromSeconds(1.5), hold: Hold);
        RegisterRun run;
        IReadOnlyList<InjectedFault> faults;
        using (var stopNemesis = new CancellationTokenSource())
        {
            var faulting = nemesis.RunAsync(stopNemesis.Token);

            // The clients run the duration, and on until the nemesis has injected every kind (a loaded machine stretches
            // its rounds), 2 minutes at most.
            bool Going(TimeSpan elapsed) =>
                !faulting.IsCompleted && (elapsed < duration || (elapsed < duration + TimeSpan.FromMinutes(2) && !RegisterKinds.All(k => nemesis.Faults.Any(f => k.Contains(f.Kind)))));
            run = await RunRegisterAsync(bucket, "r", Going);
            await stopNemesis.CancelAsync();
            await faulting;
            faults = nemesis.Faults;
        }

        await AssertEveryRangeOnTheFaultedGroupAsync();
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, run.History, TimeSpan.FromSeconds(60));
        Output.WriteLine($"index group g1: etcd members {string.Join(", ", cluster.Group.ClientUrls)} in namespaces {string.Join(", ", ShardedFaultClusterFixture.IndexMembers.Select(cluster.Network.Namespace))}, gateways reach them from {cluster.Network.HostAddress}");
        Output.WriteLine($"injected ({faults.Count}): {string.Join("; ", faults)}");
        Output.WriteLine(run.Summary);
        Output.WriteLine(Tally(run.Calls, faults));
        Output.WriteLine($"witness cache: {caches.Sum(c => c.Hits) - hits} GETs from the cache, {caches.Sum(c => c.Misses) - misses} read the manifest");
        Output.WriteLine($"checker: {result.Outcome} over {result.Partitions} keys, {result.Operations} operations, {result.Steps} steps in {result.Elapsed.TotalMilliseconds:F0} ms; test {test.Elapsed.TotalSeconds:F1} s");

        AssertFaults(faults, RegisterKinds);
        Assert.True(result.IsOk, result.ToString());
        var floor = Long ? 5_000 : RegisterFloor;
        Assert.True(run.Succeeded >= floor, $"only {run.Succeeded} operations were acknowledged (at least {floor} expected)");
    }

    [Fact(Timeout = 120_000)]
    public async Task AGatewayCacheAnsweringWithoutItsWitnessIsCaughtInFiveRunsOfFive()
    {
        // The test-only switch of every gateway's manifest cache: a GET answers from the cache without reading the
        // witness, so a gateway that read a key once keeps answering that value after writes through any gateway.
        var bucket = "stale-" + Guid.NewGuid().ToString("N")[..10];
        await cluster.Client("n1").PutBucketAsync(bucket, TestContext.Current.CancellationToken);
        var caches = Caches();
        var caught = 0;
        var lines = new List<string>();
        try
        {
            foreach (var cache in caches)
            {
                cache.SkipWitness = true;
            }

            for (var i = 0; i < 5; i++)
            {
                var hits = caches.Sum(c => c.Hits);
                var run = await RunRegisterAsync(bucket, "s" + i, elapsed => elapsed < TimeSpan.FromSeconds(4));
                var result = LinearizabilityChecker.Check(RegisterModel.Instance, run.History, TimeSpan.FromSeconds(30));
                caught += result.Outcome == CheckOutcome.Illegal ? 1 : 0;
                lines.Add($"run {i + 1}: {result.Outcome} in {result.Elapsed.TotalMilliseconds:F0} ms; {caches.Sum(c => c.Hits) - hits} GETs from the cache; {run.Summary}"
                    + (result.Counterexample is { } counterexample ? $"{Environment.NewLine}  {counterexample.ToString().Split('\n')[0]}" : ""));
            }
        }
        finally
        {
            foreach (var cache in caches)
            {
                cache.SkipWitness = false;
            }
        }

        Output.WriteLine(string.Join(Environment.NewLine, lines));
        Output.WriteLine($"caught in {caught} of 5 runs");
        Assert.Equal(5, caught);
    }

    /// <summary>The manifest caches of the three gateways.</summary>
    private List<WitnessCachedIndexStore> Caches()
    {
        var caches = cluster.NodeIds.Select(n => cluster.Server(n).Store.Index).OfType<WitnessCachedIndexStore>().ToList();
        Assert.Equal(cluster.NodeIds.Count, caches.Count);
        return caches;
    }

    /// <summary>
    /// Runs the register workload on fresh keys <c>TAG/k0</c>..<c>TAG/k9</c> of <paramref name="bucket"/>: 10 clients,
    /// client c on gateway n(c mod 3 + 1), each issuing a new operation 5–25 ms after the last while
    /// <paramref name="going"/> says so: 40 % GET, 25 % PUT, 20 % PUT If-Match the ETag it last saw (If-None-Match
    /// when it saw none), 10 % PUT If-None-Match: *, 5 % DELETE. Every PUT body is unique.
    /// </summary>
    private async Task<RegisterRun> RunRegisterAsync(string bucket, string tag, Func<TimeSpan, bool> going)
    {
        var recorder = new HistoryRecorder<RegisterInput, RegisterOutput>();
        var calls = new ConcurrentQueue<(long Call, WriteOutcome Outcome)>();
        var errors = new ConcurrentDictionary<string, int>();
        var retried = 0;
        var clock = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, RegisterClients).Select(c => ClientOf(cluster.NodeIds[c % cluster.NodeIds.Count])).ToList();

        // A call still waiting 60 s after the last may start is cancelled (indeterminate): it bounds the run.
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        try
        {
            var workers = clients.Select((client, c) => Task.Run(async () =>
            {
                var random = new Random((tag.GetHashCode(StringComparison.Ordinal) * 31) + c);
                var lastSeen = new Dictionary<string, (string Body, string ETag)>(StringComparer.Ordinal);
                for (var n = 0; going(clock.Elapsed); n++)
                {
                    var key = $"{tag}/k{random.Next(RegisterKeys)}";
                    var roll = random.Next(100);
                    if (roll < 40)
                    {
                        calls.Enqueue(await GetAsync(recorder, c, client, bucket, key, lastSeen, errors, drain.Token));
                    }
                    else
                    {
                        var result = await PutOrDeleteAsync(recorder, c, client, bucket, key, $"{tag}-c{c}-{n}", roll, lastSeen, errors, drain.Token);
                        calls.Enqueue((result.Call, result.Outcome));
                        Interlocked.Add(ref retried, result.Attempts > 1 ? 1 : 0);
                    }

                    await Task.Delay(random.Next(5, 26), TestContext.Current.CancellationToken);
                }
            }, TestContext.Current.CancellationToken)).ToList();
            var stopped = Task.Run(async () =>
            {
                while (going(clock.Elapsed))
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                drain.CancelAfter(TimeSpan.FromSeconds(60));
            }, TestContext.Current.CancellationToken);
            await Task.WhenAll(workers);
            await stopped;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        var outcomes = calls.ToList();
        var ok = outcomes.Count(o => o.Outcome == WriteOutcome.Ok);
        var failed = outcomes.Count(o => o.Outcome == WriteOutcome.Failed);
        var indeterminate = outcomes.Count(o => o.Outcome == WriteOutcome.Indeterminate);
        var history = recorder.Operations;
        var summary = $"{outcomes.Count} calls in {clock.Elapsed.TotalSeconds:F1} s: {ok} acknowledged, {failed} precondition failed, {indeterminate} indeterminate; "
            + $"{Volatile.Read(ref retried)} writes retried by the SDK; {history.Count} operations in the history"
            + (errors.IsEmpty ? "" : $"; errors: {string.Join(", ", errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} ×{e.Value}"))}");
        return new RegisterRun(history, outcomes, ok, summary);
    }

    private static async Task<(long Call, WriteOutcome Outcome)> GetAsync(
        HistoryRecorder<RegisterInput, RegisterOutput> recorder, int c, AmazonS3Client client, string bucket, string key,
        Dictionary<string, (string Body, string ETag)> lastSeen, ConcurrentDictionary<string, int> errors, CancellationToken ct)
    {
        var pending = recorder.Begin(c, RegisterInput.Get(key));
        try
        {
            using var response = await client.GetObjectAsync(bucket, key, ct);
            using var reader = new StreamReader(response.ResponseStream);
            var body = await reader.ReadToEndAsync(ct);
            pending.Complete(RegisterOutput.Read(body));
            lastSeen[key] = (body, response.ETag);
            return (pending.Call, WriteOutcome.Ok);
        }
        catch (AmazonS3Exception e) when (IsNoSuchKey(e))
        {
            pending.Complete(RegisterOutput.Read(null));
            lastSeen.Remove(key);
            return (pending.Call, WriteOutcome.Ok);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            pending.GiveUp();
            errors.AddOrUpdate(Describe(e), 1, (_, n) => n + 1);
            return (pending.Call, WriteOutcome.Indeterminate);
        }
    }

    private static async Task<WriteResult> PutOrDeleteAsync(
        HistoryRecorder<RegisterInput, RegisterOutput> recorder, int c, AmazonS3Client client, string bucket, string key, string value, int roll,
        Dictionary<string, (string Body, string ETag)> lastSeen, ConcurrentDictionary<string, int> errors, CancellationToken ct)
    {
        if (roll >= 95)
        {
            var deleted = await WriteAsync(
                recorder, c, RegisterInput.Delete(key), RegisterOutput.Ok, null,
                () => client.DeleteObjectAsync(bucket, key, ct), _ => false, errors);
            if (deleted.Outcome == WriteOutcome.Ok)
            {
                lastSeen.Remove(key);
            }

            return deleted;
        }

        var request = new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = value };
        RegisterInput input;
        if (roll < 65)
        {
            input = RegisterInput.Put(key, value);
        }
        else if (roll < 85 && lastSeen.TryGetValue(key, out var seen))
        {
            input = RegisterInput.PutIfMatch(key, seen.Body, value);
            request.IfMatch = seen.ETag;
        }
        else
        {
            input = RegisterInput.PutIfNoneMatch(key, value);
            request.IfNoneMatch = "*";
        }

        string? etag = null;
        var result = await WriteAsync(
            recorder, c, input, RegisterOutput.Ok, RegisterOutput.PreconditionFailed,
            async () => etag = (await client.PutObjectAsync(request, ct)).ETag,
            e => input.Kind != RegisterOperation.Put && (e.StatusCode == HttpStatusCode.PreconditionFailed || (input.Kind == RegisterOperation.PutIfMatch && IsNoSuchKey(e))),
            errors);
        if (result.Outcome == WriteOutcome.Ok && etag is not null)
        {
            lastSeen[key] = (value, etag);
        }

        return result;
    }

    /// <summary>A run of the register workload.</summary>
    /// <param name="History">One operation per GET and per HTTP attempt of a write.</param>
    /// <param name="Calls">Each SDK call: when it began and how it ended.</param>
    /// <param name="Succeeded">Calls acknowledged (a GET answered, a write applied).</param>
    /// <param name="Summary">The counts, for the test output.</param>
    private sealed record RegisterRun(IReadOnlyList<Operation<RegisterInput, RegisterOutput>> History, IReadOnlyList<(long Call, WriteOutcome Outcome)> Calls, int Succeeded, string Summary);
}
