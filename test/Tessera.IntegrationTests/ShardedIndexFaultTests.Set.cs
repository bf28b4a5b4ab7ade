using System.Collections.Concurrent;
using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Linearizability;

namespace Tessera.IntegrationTests;

/// <content>The set workload: PUTs of new keys, DELETEs of 10 % of them, and paginated listings throughout.</content>
public sealed partial class ShardedIndexFaultTests
{
    private const int SetWriters = 4;
    private const int SetListers = 2;
    private const int ListPageSize = 100;

    /// <summary>
    /// The PUTs of a CI run (the long run does the issue's 2,000): 600 took 42–85 s on this machine under faults (the
    /// writers wait out each 6 s split), so 400.
    /// </summary>
    private const int SetPutsInCi = 400;

    /// <remarks>The timeout allows the long variant (2,000 PUTs); a CI run takes about 60 s.</remarks>
    [Fact(Timeout = 600_000)]
    public async Task EveryListingThroughS3HoldsWhatWasAcknowledgedBeforeItWhileTheIndexGroupIsPartitioned()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = "set-" + Guid.NewGuid().ToString("N")[..10];
        await cluster.Client("n1").PutBucketAsync(bucket, ct);
        var puts = Long ? 2_000 : SetPutsInCi;
        var recorder = new HistoryRecorder<SetInput, SetOutput>();
        var putSent = new ConcurrentDictionary<string, long>();
        var putAcked = new ConcurrentDictionary<string, long>();
        var deleteSent = new ConcurrentDictionary<string, long>();
        var deleteAcked = new ConcurrentDictionary<string, long>();
        var uncertainPuts = new ConcurrentDictionary<string, byte>();
        var uncertainDeletes = new ConcurrentDictionary<string, byte>();
        var listings = new ConcurrentQueue<(long Start, long End, List<string> Keys)>();
        var calls = new ConcurrentQueue<(long Call, WriteOutcome Outcome)>();
        var errors = new ConcurrentDictionary<string, int>();
        var failedListings = 0;
        var next = -1;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var nemesis = new EtcdGroupNemesis(
            cluster.Network, cluster.Group,
            [FaultKind.IsolateLeader, FaultKind.SplitGatewaysWithMinority, FaultKind.SplitGatewaysWithMajority],
            quiet: TimeSpan.FromSeconds(1.5), hold: Hold);
        var writerClients = Enumerable.Range(0, SetWriters).Select(w => ClientOf(cluster.NodeIds[w % cluster.NodeIds.Count])).ToList();
        var listerClients = Enumerable.Range(0, SetListers).Select(l => ClientOf(cluster.NodeIds[(l + 1) % cluster.NodeIds.Count])).ToList();
        IReadOnlyList<InjectedFault> faults;
        TimeSpan written;
        try
        {
            using var stopNemesis = new CancellationTokenSource();
            using var stopListing = new CancellationTokenSource();
            var faulting = nemesis.RunAsync(stopNemesis.Token);
            var writers = writerClients.Select((client, w) => Task.Run(async () =>
            {
                var random = new Random(w);
                int n;
                while ((n = Interlocked.Increment(ref next)) < puts)
                {
                    var key = "s" + n.ToString("D4", CultureInfo.InvariantCulture);
                    var put = await WriteAsync(
                        recorder, w, SetInput.Add(key), SetOutput.Ok, null,
                        () => client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key }, ct), _ => false, errors);
                    calls.Enqueue((put.Call, put.Outcome));
                    putSent[key] = put.Call;
                    if (put.Outcome == WriteOutcome.Ok)
                    {
                        putAcked[key] = put.End;
                    }

                    // An attempt given up on (a retried one included) may still apply, at any later time.
                    if (put.Outcome != WriteOutcome.Ok || put.Attempts > 1)
                    {
                        uncertainPuts[key] = 0;
                    }

                    if (put.Outcome == WriteOutcome.Ok && random.Next(10) == 0)
                    {
                        var delete = await WriteAsync(
                            recorder, w, SetInput.Remove(key), SetOutput.Ok, null,
                            () => client.DeleteObjectAsync(bucket, key, ct), _ => false, errors);
                        calls.Enqueue((delete.Call, delete.Outcome));
                        deleteSent[key] = delete.Call;
                        if (delete.Outcome == WriteOutcome.Ok)
                        {
                            deleteAcked[key] = delete.End;
                        }

                        if (delete.Outcome != WriteOutcome.Ok || delete.Attempts > 1)
                        {
                            uncertainDeletes[key] = 0;
                        }
                    }
                }
            }, ct)).ToList();
            var listers = listerClients.Select((client, l) => Task.Run(async () =>
            {
                while (!stopListing.IsCancellationRequested)
                {
                    var pending = recorder.Begin(SetWriters + l, SetInput.List());
                    try
                    {
                        var keys = await ListAllAsync(client, bucket, ct);
                        var operation = pending.Complete(SetOutput.Listed(keys));
                        listings.Enqueue((operation.Call, operation.Return, keys));
                    }
                    catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                    {
                        pending.GiveUp();
                        Interlocked.Increment(ref failedListings);
                        errors.AddOrUpdate("LIST " + Describe(e), 1, (_, n) => n + 1);
                    }
                }
            }, ct)).ToList();

            // The nemesis goes on until the writers are done and it has injected each partition once, 2 minutes at most.
            await Task.WhenAll(writers);
            written = clock.Elapsed;
            while (nemesis.Faults.Count < 3 && clock.Elapsed < written + TimeSpan.FromMinutes(2) && !faulting.IsCompleted)
            {
                await Task.Delay(100, ct);
            }

            await stopNemesis.CancelAsync();
            await faulting;
            await stopListing.CancelAsync();
            await Task.WhenAll(listers);
            faults = nemesis.Faults;
        }
        finally
        {
            foreach (var client in writerClients.Concat(listerClients))
            {
                client.Dispose();
            }
        }

        // After the faults: one listing, which must equal the acknowledged PUTs minus the acknowledged DELETEs.
        var final = await ListAllAsync(cluster.Client("n1"), bucket, ct);
        await AssertEveryRangeOnTheFaultedGroupAsync();
        var uncertain = uncertainPuts.Keys.Concat(uncertainDeletes.Keys).ToHashSet(StringComparer.Ordinal);
        var expected = putAcked.Keys.Where(k => !deleteAcked.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
        var finalSet = final.ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(k => !finalSet.Contains(k) && !uncertain.Contains(k)).ToList();
        var extra = finalSet.Where(k => !expected.Contains(k) && !uncertain.Contains(k)).ToList();

        var all = listings.ToList();
        var violations = Violations(all);

        // The rules' negative control: the first listing's answer served again at the end, as a stale cache would.
        var first = all.MinBy(l => l.Start);
        var now = recorder.Now();
        var staleViolations = Violations([(now, now + 1, first.Keys)]);

        List<string> Violations(IEnumerable<(long Start, long End, List<string> Keys)> checkedListings)
        {
            var found = new List<string>();
            foreach (var (start, end, keys) in checkedListings)
            {
                var set = keys.ToHashSet(StringComparer.Ordinal);
                found.AddRange(keys.GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"{g.Key} listed {g.Count()} times in one listing"));
                foreach (var (key, acked) in putAcked)
                {
                    var deleting = deleteSent.TryGetValue(key, out var sentAt) && sentAt < end;
                    if (acked < start && !deleting && !set.Contains(key))
                    {
                        found.Add($"{key}, acknowledged {Seconds(start - acked):F3} s before a LIST began, is missing from it");
                    }
                }

                foreach (var key in set)
                {
                    if (!putSent.TryGetValue(key, out var sentAt) || sentAt > end)
                    {
                        found.Add($"{key} listed before its PUT was sent");
                    }

                    if (deleteAcked.TryGetValue(key, out var deletedAt) && deletedAt < start && !uncertainPuts.ContainsKey(key))
                    {
                        found.Add($"{key} listed after its DELETE was acknowledged");
                    }
                }
            }

            return found;
        }

        var result = LinearizabilityChecker.Check(SetModel.Instance, recorder.Operations, TimeSpan.FromSeconds(120));
        Output.WriteLine($"injected ({faults.Count}): {string.Join("; ", faults)}");
        Output.WriteLine($"{puts} PUTs written in {written.TotalSeconds:F1} s by {SetWriters} clients: {putAcked.Count} acknowledged, {deleteAcked.Count} DELETEs acknowledged, "
            + $"{uncertainPuts.Count} PUTs and {uncertainDeletes.Count} DELETEs with an attempt of unknown outcome; {all.Count} LISTs ({ListPageSize} keys a page) of up to "
            + $"{all.Select(l => l.Keys.Count).DefaultIfEmpty().Max()} keys by {SetListers} clients, {failedListings} failed"
            + (errors.IsEmpty ? "" : $"; errors: {string.Join(", ", errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} ×{e.Value}"))}"));
        Output.WriteLine(Tally(calls, faults));
        Output.WriteLine($"final LIST: {final.Count} keys, {expected.Count} expected, {missing.Count} missing, {extra.Count} extra; {violations.Count} listing violations; "
            + $"negative control (the first LIST's answer replayed at the end): {staleViolations.Count} violations");
        Output.WriteLine($"set model: {result.Outcome} over {result.Partitions} elements, {result.Operations} operations in {result.Elapsed.TotalMilliseconds:F0} ms; test {clock.Elapsed.TotalSeconds:F1} s");

        AssertFaults(faults, [FaultKind.IsolateLeader], [FaultKind.SplitGatewaysWithMinority, FaultKind.SplitGatewaysWithMajority]);
        Assert.True(all.Count >= 10, $"only {all.Count} listings completed");
        Assert.True(putAcked.Count >= puts / 2, $"only {putAcked.Count} of {puts} PUTs were acknowledged");
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations.Take(10)));
        Assert.NotEmpty(staleViolations);
        Assert.True(missing.Count == 0, $"acknowledged and not deleted, missing from the final LIST: {string.Join(", ", missing.Take(20))}");
        Assert.True(extra.Count == 0, $"in the final LIST, never acknowledged or deleted: {string.Join(", ", extra.Take(20))}");
        Assert.True(result.IsOk, result.ToString());
    }

    /// <summary>Every key of <paramref name="bucket"/>, ListObjectsV2 page after page (duplicates kept, for the check).</summary>
    private static async Task<List<string>> ListAllAsync(AmazonS3Client client, string bucket, CancellationToken ct)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = ListPageSize, ContinuationToken = token }, ct);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }
}
