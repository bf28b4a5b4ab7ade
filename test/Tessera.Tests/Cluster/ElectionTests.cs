using System.Diagnostics;
using Etcdserverpb;
using Tessera.Cluster.Control;

namespace Tessera.Tests.Cluster;

[Collection(EtcdCollection.Name)]
public sealed class ElectionTests(EtcdClusterFixture etcd)
{
    /// <summary>Counts how many candidates believe they lead, after every change, and keeps the highest count seen.</summary>
    private sealed class LeaderCounter
    {
        private readonly CoordinatorElection[] _candidates;
        private int _most;

        public LeaderCounter(CoordinatorElection[] candidates)
        {
            _candidates = candidates;
            foreach (var candidate in candidates)
            {
                candidate.LeadershipChanged += (_, _) => Count();
            }
        }

        public int Most => Volatile.Read(ref _most);

        public CoordinatorElection[] Leaders => [.. _candidates.Where(c => c.IsLeader)];

        private void Count()
        {
            var leaders = _candidates.Count(c => c.IsLeader);
            int most;
            while (leaders > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, leaders, most) != most)
            {
            }
        }
    }

    private static async Task<CoordinatorElection> FirstLeader(CoordinatorElection[] candidates, string what)
    {
        using var any = CancellationTokenSource.CreateLinkedTokenSource(Within.Ct);
        var won = await Within.Seconds(15, Task.WhenAny(candidates.Select(async c =>
        {
            await c.WaitForLeadershipAsync(any.Token);
            return c;
        })), what);
        await any.CancelAsync();
        return await won;
    }

    private static CoordinatorElection[] Candidates(EtcdClients clients, ControlPlaneOptions options) =>
        [.. clients.All.Select((client, i) => new CoordinatorElection(client, "node" + i, options))];

    [Fact]
    public async Task ExactlyOneOfThreeCandidatesLeadsAndTheKeyNamesIt()
    {
        var options = EtcdClusterFixture.Options();
        using var clients = new EtcdClients(etcd.Cluster, 3);
        var candidates = Candidates(clients, options);
        var counter = new LeaderCounter(candidates);
        try
        {
            foreach (var candidate in candidates)
            {
                candidate.Start();
            }

            var leader = await FirstLeader(candidates, "a coordinator among 3 candidates");
            var key = await clients.All[0].GetAsync(options.KeyPrefix + "coordinator", cancellationToken: Within.Ct);
            Assert.Equal(leader.NodeId, key.Kvs.Single().Value.ToStringUtf8());
            Assert.Equal(key.Kvs.Single().CreateRevision, leader.FencingToken);
            Assert.Equal([leader], counter.Leaders);

            // Resigning hands over at once (the key is deleted, no TTL to wait out), to exactly one other.
            var token = leader.FencingToken;
            var clock = Stopwatch.StartNew();
            await leader.ResignAsync(Within.Ct);
            var next = await FirstLeader([.. candidates.Where(c => c != leader)], "a coordinator after a resignation");
            Within.Log($"{leader.NodeId} (token {token}) resigned; {next.NodeId} led after {Within.Ms(clock)} with token {next.FencingToken}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"handover took {clock.Elapsed} (TTL 10 s)");
            Assert.False(leader.IsLeader);
            Assert.True(next.FencingToken > token);
            Assert.Equal([next], counter.Leaders);
            // The resigner steps down before it deletes the key, so no two ever believed they led.
            Assert.Equal(1, counter.Most);
        }
        finally
        {
            foreach (var candidate in candidates)
            {
                await candidate.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ExpiredLeaseElectsAnotherWithALargerFencingToken()
    {
        var ttl = TimeSpan.FromSeconds(2);
        var options = EtcdClusterFixture.Options(ttl);
        using var clients = new EtcdClients(etcd.Cluster, 3);
        var candidates = Candidates(clients, options);
        var counter = new LeaderCounter(candidates);
        try
        {
            foreach (var candidate in candidates)
            {
                candidate.Start();
            }

            var leader = await FirstLeader(candidates, "a coordinator among 3 candidates");
            var token = leader.FencingToken;

            var lease = await clients.All[0].LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = leader.LeaseId }, cancellationToken: Within.Ct);
            var clock = Stopwatch.StartNew();
            await leader.SimulateCrashAsync();
            var next = await FirstLeader([.. candidates.Where(c => c != leader)], "a new coordinator after the old one's lease expired");
            Within.Log($"injected: {leader.NodeId} (token {token}) stopped renewing (simulated SIGKILL), TTL {ttl.TotalSeconds} s (etcd: granted {lease.GrantedTTL} s, {lease.TTL} s left); {next.NodeId} led after {Within.Ms(clock)} with token {next.FencingToken}");

            Assert.True(next.FencingToken > token, $"token {next.FencingToken} after {token}");
            Assert.InRange(clock.Elapsed, ttl / 2, ttl + TimeSpan.FromSeconds(4));
            Assert.Equal([next], counter.Leaders);
            // The crashed leader stopped believing at once; the others waited for etcd to expire its lease.
            Assert.Equal(1, counter.Most);
        }
        finally
        {
            foreach (var candidate in candidates)
            {
                await candidate.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RevokedLeaseDeposesTheLeaderWhichThenCampaignsAgain()
    {
        var options = EtcdClusterFixture.Options();
        using var clients = new EtcdClients(etcd.Cluster, 3);
        var candidates = Candidates(clients, options);
        var counter = new LeaderCounter(candidates);
        try
        {
            foreach (var candidate in candidates)
            {
                candidate.Start();
            }

            var leader = await FirstLeader(candidates, "a coordinator among 3 candidates");
            var token = leader.FencingToken;
            var lost = leader.WaitForLossAsync(Within.Ct);

            var clock = Stopwatch.StartNew();
            await clients.All[0].LeaseRevokeAsync(new LeaseRevokeRequest { ID = leader.LeaseId }, cancellationToken: Within.Ct);
            await Within.Seconds(5, lost, $"{leader.NodeId} to notice its revoked lease");
            var noticed = clock.Elapsed;
            var next = await FirstLeader(candidates, "a coordinator after the leader's lease was revoked");
            Within.Log($"injected: revoked {leader.NodeId}'s lease (token {token}); it stepped down after {noticed.TotalMilliseconds:F0} ms; {next.NodeId} led after {Within.Ms(clock)} with token {next.FencingToken}");

            Assert.True(next.FencingToken > token, $"token {next.FencingToken} after {token}");
            Assert.True(noticed < TimeSpan.FromSeconds(3), $"the leader took {noticed} to notice (TTL 10 s)");
            Assert.Equal([next], counter.Leaders);
            var key = await clients.All[1].GetAsync(options.KeyPrefix + "coordinator", cancellationToken: Within.Ct);
            Assert.Equal((next.NodeId, next.FencingToken), (key.Kvs.Single().Value.ToStringUtf8(), key.Kvs.Single().CreateRevision));
            // A revoked lease is news to its holder too: for a moment two candidates may both believe they lead
            // Only the fencing token makes that safe; FencingTests show the old one is refused.
            Within.Log($"most candidates that believed they led at once: {counter.Most}");
            Assert.InRange(counter.Most, 1, 2);
        }
        finally
        {
            foreach (var candidate in candidates)
            {
                await candidate.DisposeAsync();
            }
        }
    }
}
