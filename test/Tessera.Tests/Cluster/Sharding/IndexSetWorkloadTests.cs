using System.Collections.Concurrent;
using System.Diagnostics;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using Tessera.Linearizability;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// The set workload of issue 16 on the sharded index: 2,000 PUTs of new keys and DELETEs of 10 % of them, with 2
/// listing clients, over two index groups (the bucket split between them), while a nemesis SIGKILLs and SIGSTOPs the
/// etcd leader of one group. Each LIST must hold every key acknowledged before it began and not deleted, no key before
/// its PUT was sent and none whose DELETE was acknowledged before it began; the final LIST must equal the acknowledged
/// PUTs minus the acknowledged DELETEs (operations that timed out may have gone either way). The history is also checked
/// with the set model.
/// </summary>
public sealed class IndexSetWorkloadTests
{
    private const int Puts = 2_000;

    [Fact]
    public async Task EveryListingHoldsWhatWasAcknowledgedBeforeItAndNothingBeforeItWasSent()
    {
        var clusters = await Task.WhenAll(EtcdCluster.StartAsync(1, Within.Ct), EtcdCluster.StartAsync(3, Within.Ct), EtcdCluster.StartAsync(1, Within.Ct));
        var (control, faulty, steady) = (clusters[0], clusters[1], clusters[2]);
        try
        {
            using var controlClient = control.Client();
            var prefix = "/t" + Guid.NewGuid().ToString("n")[..8] + "/";
            using var directory = await EtcdRangeDirectory.OpenAsync(
                controlClient, new ControlPlaneOptions { KeyPrefix = prefix },
                [new GroupRecord { Name = "g1", Endpoints = faulty.Endpoints, KeyPrefix = prefix + "idx/" }, new GroupRecord { Name = "g2", Endpoints = steady.Endpoints, KeyPrefix = prefix + "idx/" }],
                cancellationToken: Within.Ct);
            var mover = new RangeMover(directory, EtcdIndexLayout.Instance);
            await mover.SplitAsync(IndexCoordinates.Of("b", "s1000"), Within.Ct);
            await mover.MoveAsync(IndexCoordinates.Of("b", "s1000"), "g2", TimeSpan.Zero, Within.Ct);
            using var index = new EtcdIndexStore(directory, new MemoryBucketCatalog(), TimeProvider.System, new EtcdIndexOptions { RequestTimeout = TimeSpan.FromSeconds(2) });
            index.CreateBucket(new BucketInfo("b", "alice", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned));

            var recorder = new HistoryRecorder<SetInput, SetOutput>();
            var clock = Stopwatch.StartNew();
            var putSent = new ConcurrentDictionary<string, long>();
            var putAcked = new ConcurrentDictionary<string, long>();
            var deleteSent = new ConcurrentDictionary<string, long>();
            var deleteAcked = new ConcurrentDictionary<string, long>();
            var uncertain = new ConcurrentDictionary<string, byte>();
            var listings = new ConcurrentBag<(long Start, long End, HashSet<string> Keys)>();
            var next = -1;
            using var stop = new CancellationTokenSource();
            var faults = new List<string>();

            var writers = Enumerable.Range(0, 4).Select(w => Task.Factory.StartNew(() =>
            {
                var random = new Random(w);
                int n;
                while ((n = Interlocked.Increment(ref next)) < Puts)
                {
                    var key = "s" + n.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
                    if (!Write(w, SetInput.Add(key), putSent, putAcked, () => index.PutObject("b", StoreFixture.Manifest(key)).Status == PutObjectStatus.Committed))
                    {
                        continue;
                    }

                    if (random.Next(10) == 0)
                    {
                        Write(w, SetInput.Remove(key), deleteSent, deleteAcked, () => index.DeleteObject("b", key) is { NoSuchBucket: false });
                    }
                }
            }, Within.Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();

            bool Write(int client, SetInput input, ConcurrentDictionary<string, long> sent, ConcurrentDictionary<string, long> acked, Func<bool> call)
            {
                sent[input.Element!] = clock.ElapsedTicks;
                var pending = recorder.Begin(client, input);
                try
                {
                    if (!call())
                    {
                        throw new InvalidOperationException($"{input} was refused.");
                    }

                    acked[input.Element!] = clock.ElapsedTicks;
                    pending.Complete(SetOutput.Ok);
                    return true;
                }
                catch (Exception e) when (e is not InvalidOperationException)
                {
                    pending.GiveUp();
                    uncertain[input.Element!] = 0;
                    return false;
                }
            }

            var listers = Enumerable.Range(0, 2).Select(l => Task.Factory.StartNew(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var start = clock.ElapsedTicks;
                    var pending = recorder.Begin(10 + l, SetInput.List());
                    try
                    {
                        var keys = ListAll(index);
                        var end = clock.ElapsedTicks;
                        pending.Complete(SetOutput.Listed(keys));
                        listings.Add((start, end, keys));
                    }
                    catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                    {
                        pending.GiveUp();
                    }
                }
            }, Within.Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();

            var nemesis = Task.Run(async () =>
            {
                for (var round = 0; !writers.All(w => w.IsCompleted); round++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1.5), Within.Ct);
                    var leader = await faulty.LeaderIndexAsync(Within.Ct);
                    if (round % 2 == 0)
                    {
                        faulty.Kill(leader);
                        faults.Add($"SIGKILL g1 member {leader}");
                        await Task.Delay(TimeSpan.FromSeconds(1.5), Within.Ct);
                        await faulty.RestartAsync(leader, Within.Ct);
                    }
                    else
                    {
                        faulty.Pause(leader);
                        faults.Add($"SIGSTOP g1 member {leader}");
                        await Task.Delay(TimeSpan.FromSeconds(1.5), Within.Ct);
                        faulty.Resume(leader);
                    }
                }
            }, Within.Ct);

            await Task.WhenAll(writers);
            await nemesis;
            await stop.CancelAsync();
            await Task.WhenAll(listers);

            // The checks, per listing.
            var violations = Violations(listings);

            // Their negative control: the first listing's answer served again at the end, as a stale cache would, is caught.
            var first = listings.MinBy(l => l.Start);
            var now = clock.ElapsedTicks;
            var staleViolations = Violations([(now, now + 1, first.Keys)]);

            List<string> Violations(IEnumerable<(long Start, long End, HashSet<string> Keys)> checkedListings)
            {
                var found = new List<string>();
                foreach (var (start, end, keys) in checkedListings)
                {
                    foreach (var (key, acked) in putAcked)
                    {
                        var deleting = deleteSent.TryGetValue(key, out var sentAt) && sentAt < end;
                        if (acked < start && !deleting && !keys.Contains(key))
                        {
                            found.Add($"{key} acknowledged before a LIST began is missing from it");
                        }
                    }

                    foreach (var key in keys)
                    {
                        if (!putSent.TryGetValue(key, out var sentAt) || sentAt > end)
                        {
                            found.Add($"{key} listed before its PUT was sent");
                        }

                        if (deleteAcked.TryGetValue(key, out var deletedAt) && deletedAt < start)
                        {
                            found.Add($"{key} listed after its DELETE was acknowledged");
                        }
                    }
                }

                return found;
            }

            var final = ListAll(index);
            var expected = putAcked.Keys.Where(k => !deleteAcked.ContainsKey(k)).ToHashSet();
            var missing = expected.Where(k => !final.Contains(k) && !uncertain.ContainsKey(k)).ToList();
            var extra = final.Where(k => !expected.Contains(k) && !uncertain.ContainsKey(k)).ToList();
            var result = LinearizabilityChecker.Check(SetModel.Instance, recorder.Operations, TimeSpan.FromSeconds(120));
            Within.Log($"injected: {string.Join(", ", faults)}; {putAcked.Count} PUTs and {deleteAcked.Count} DELETEs acknowledged, {uncertain.Count} indeterminate; "
                + $"{listings.Count} LISTs of up to {listings.Select(l => l.Keys.Count).DefaultIfEmpty().Max()} keys; final LIST {final.Count} keys; "
                + $"{violations.Count} violations; set model: {result.Outcome} in {result.Elapsed.TotalMilliseconds:F0} ms; negative control (the first LIST's answer replayed at the end): {staleViolations.Count} violations");
            Assert.True(faults.Count >= 2, "the nemesis injected fewer than 2 faults");
            Assert.True(listings.Count >= 10, $"only {listings.Count} listings completed");
            Assert.Empty(violations.Take(10));
            Assert.NotEmpty(staleViolations);
            Assert.Empty(missing);
            Assert.Empty(extra);
            Assert.True(result.IsOk, result.ToString());
        }
        finally
        {
            foreach (var cluster in clusters)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    private static HashSet<string> ListAll(IIndexStore index)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? marker = null;
        do
        {
            var page = index.ListObjects("b", new ListObjectsQuery("", null, marker, 1000));
            foreach (var o in page.Objects)
            {
                Assert.True(keys.Add(o.Key), $"{o.Key} listed twice");
            }

            marker = page.IsTruncated ? page.NextMarker ?? page.Objects[^1].Key : null;
        }
        while (marker is not null);
        return keys;
    }
}
