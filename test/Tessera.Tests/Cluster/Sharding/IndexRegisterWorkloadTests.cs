using Tessera.Cluster.Index.Sharding;
using Tessera.Linearizability;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// The register workload of issue 16 against the sharded index: 10 clients over 3 gateways (each its own directory,
/// index store and witness cache) do GET, PUT, If-Match and If-None-Match PUTs and DELETEs on 10 keys while a nemesis
/// SIGKILLs and SIGSTOPs the etcd leader of the index group; every key's history must be linearizable (Wing–Gong–Lowe,
/// <see cref="LinearizabilityChecker"/>). The negative control turns the witness off (a stale cache) and must be caught.
/// CI runs 20 s; <c>TESSERA_LONG_FAULTS=1</c> runs the issue's 300 s.
/// </summary>
public sealed class IndexRegisterWorkloadTests
{
    private const int Clients = 10;
    private const int Gateways = 3;
    private static readonly string[] Keys = [.. Enumerable.Range(0, 10).Select(i => "k" + i)];

    private static bool Long => Environment.GetEnvironmentVariable("TESSERA_LONG_FAULTS") == "1";

    [Fact]
    public async Task EveryKeysHistoryIsLinearizableWhileTheIndexGroupsLeaderIsKilledAndPaused()
    {
        await using var setup = await Setup.StartAsync(indexMembers: 3);
        var duration = TimeSpan.FromSeconds(Long ? 300 : 20);
        var faults = new List<string>();
        using var stop = new CancellationTokenSource();
        var nemesis = Task.Run(async () =>
        {
            // Every 4 s: the index group's leader is SIGKILLed (restarted 2 s later) or SIGSTOPped (continued 2 s later).
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                var leader = await setup.Index.LeaderIndexAsync(Within.Ct);
                if (round % 2 == 0)
                {
                    setup.Index.Kill(leader);
                    faults.Add($"SIGKILL member {leader}");
                    await Task.Delay(TimeSpan.FromSeconds(2), Within.Ct);
                    await setup.Index.RestartAsync(leader, Within.Ct);
                }
                else
                {
                    setup.Index.Pause(leader);
                    faults.Add($"SIGSTOP member {leader}");
                    await Task.Delay(TimeSpan.FromSeconds(2), Within.Ct);
                    setup.Index.Resume(leader);
                }
            }
        }, Within.Ct);

        var run = await setup.RunAsync(duration, skipWitness: false, stop);
        await nemesis;
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, run.History, TimeSpan.FromSeconds(120));
        Within.Log($"injected: {string.Join(", ", faults)}; {run.Summary}; checker: {result.Outcome} in {result.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(faults.Count >= 3, "the nemesis injected fewer than 3 faults");
        Assert.True(result.IsOk, result.ToString());
        Assert.True(run.Succeeded >= (Long ? 5_000 : 250), $"only {run.Succeeded} operations succeeded");
        Assert.True(run.CacheHits > 0, "the witness cache never answered a GET");
    }

    [Fact]
    public async Task AStaleCacheIsCaughtByTheCheckerInFiveRunsOfFive()
    {
        await using var setup = await Setup.StartAsync(indexMembers: 1);
        var caught = 0;
        var summaries = new List<string>();
        for (var run = 0; run < 5; run++)
        {
            using var stop = new CancellationTokenSource();
            var history = await setup.RunAsync(TimeSpan.FromSeconds(3), skipWitness: true, stop);
            var result = LinearizabilityChecker.Check(RegisterModel.Instance, history.History, TimeSpan.FromSeconds(60));
            caught += result.Outcome == CheckOutcome.Illegal ? 1 : 0;
            summaries.Add($"run {run + 1}: {result.Outcome} ({history.Summary})");
        }

        Within.Log(string.Join("\n", summaries));
        Assert.Equal(5, caught);
    }

    [Fact]
    public async Task AReadHeavyWorkloadNeedsFewerQuorumReadsPerGetAndStaysLinearizable()
    {
        // 95 % GETs from 30 clients without pauses: the cache answers most of them, after witness Txns that several
        // GETs share (at 10 clients pausing 5-25 ms between calls, few GETs overlap and a GET costs more than one read).
        await using var setup = await Setup.StartAsync(indexMembers: 1);
        using var stop = new CancellationTokenSource();
        var run = await setup.RunAsync(TimeSpan.FromSeconds(4), skipWitness: false, stop, getPercent: 95, clients: 30, maxDelayMs: 0);
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, run.History, TimeSpan.FromSeconds(60));
        Within.Log($"read-heavy: {run.Summary}; checker: {result.Outcome}");
        Assert.True(result.IsOk, result.ToString());
        Assert.True(run.QuorumReadsPerGet < 1.0, $"{run.QuorumReadsPerGet:F2} quorum reads per GET with the cache");
    }

    private sealed class Setup : IAsyncDisposable
    {
        private readonly EtcdCluster _control;
        private readonly dotnet_etcd.EtcdClient _controlClient;
        private IndexGateways? _gateways;
        private int _runs;

        private Setup(EtcdCluster control, EtcdCluster index)
        {
            _control = control;
            Index = index;
            _controlClient = control.Client();
        }

        public EtcdCluster Index { get; }

        public static async Task<Setup> StartAsync(int indexMembers)
        {
            var started = await Task.WhenAll(EtcdCluster.StartAsync(1, Within.Ct), EtcdCluster.StartAsync(indexMembers, Within.Ct));
            var setup = new Setup(started[0], started[1]);
            var prefix = "/t" + Guid.NewGuid().ToString("n")[..8] + "/";
            setup._gateways = await IndexGateways.OpenAsync(
                setup._controlClient, prefix, [new GroupRecord { Name = "g1", Endpoints = started[1].Endpoints, KeyPrefix = prefix + "idx/" }], Gateways,
                new EtcdIndexOptions { RequestTimeout = TimeSpan.FromSeconds(2) });
            return setup;
        }

        /// <summary><paramref name="clients"/> clients at a steady rate for <paramref name="duration"/>; each run writes its own keys.</summary>
        public async Task<RegisterRun> RunAsync(TimeSpan duration, bool skipWitness, CancellationTokenSource stop, int getPercent = 45, int clients = Clients, int maxDelayMs = 25)
        {
            var runId = Interlocked.Increment(ref _runs);
            foreach (var store in _gateways!.Stores)
            {
                store.SkipWitness = skipWitness;
            }

            var run = await RegisterWorkload.RunAsync(_gateways.Stores, "b", [.. Keys.Select(k => $"r{runId}-{k}")], duration, runId * 100, clients, getPercent, maxDelayMs);
            await stop.CancelAsync();
            return run;
        }

        public async ValueTask DisposeAsync()
        {
            _gateways?.Dispose();
            _controlClient.Dispose();
            await Index.DisposeAsync();
            await _control.DisposeAsync();
        }
    }
}
