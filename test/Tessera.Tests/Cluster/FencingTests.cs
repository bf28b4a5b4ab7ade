using Tessera.Cluster.Control;

namespace Tessera.Tests.Cluster;

[Collection(EtcdCollection.Name)]
public sealed class FencingTests(EtcdClusterFixture etcd)
{
    private static async Task<long> Elect(CoordinatorElection candidate)
    {
        candidate.Start();
        return await Within.Seconds(15, candidate.WaitForLeadershipAsync(Within.Ct), candidate.NodeId + " elected");
    }

    [Fact]
    public async Task DeposedCoordinatorsChangeIsRefusedAndTheCurrentOnesCommits()
    {
        var options = EtcdClusterFixture.Options(TimeSpan.FromSeconds(2));
        using var clients = new EtcdClients(etcd.Cluster, 3);
        await using var a = new CoordinatorElection(clients.All[0], "a", options);
        await using var b = new CoordinatorElection(clients.All[1], "b", options);
        var storeA = new TopologyStore(clients.All[0], options);
        var storeB = new TopologyStore(clients.All[1], options);
        await using var watcher = new TopologyStore(clients.All[2], options);
        await watcher.StartWatchingAsync(Within.Ct);

        var oldToken = await Elect(a);
        Assert.True(await storeA.ChangeAsync(oldToken, [new("a-disk1", DiskState.Active, "a"), new("b-disk1", DiskState.Active, "b")], Within.Ct));
        var v1 = await Within.Seconds(10, watcher.WaitForAsync(t => t.Version == 1, Within.Ct), "version 1 in the watcher");
        Assert.Equal(2, v1.Disks.Count);
        Assert.Equal(oldToken, v1.Disks["a-disk1"].ChangedBy);

        // a stops renewing (a process paused or cut off): b takes over once a's lease runs out, while a has not noticed.
        await a.SimulateCrashAsync();
        var newToken = await Elect(b);
        Assert.True(newToken > oldToken);
        var before = await storeA.ReadAsync(Within.Ct);

        // The negative control: a's write with its old token must not land.
        var refused = await storeA.ChangeAsync(oldToken, [new("a-disk1", DiskState.Failed, "a")], Within.Ct);
        var after = await storeA.ReadAsync(Within.Ct);
        Within.Log($"injected: a (token {oldToken}) deposed by expiry, b elected (token {newToken}); a's change with the old token committed={refused}; map version {after.Version}, revision {before.Revision} -> {after.Revision}");
        Assert.False(refused);
        Assert.Equal(1, after.Version);
        Assert.Equal(before.Disks, after.Disks);
        Assert.Equal(before.Revision, after.Revision);
        Assert.Equal(DiskState.Active, after.Disks["a-disk1"].State);

        // The current coordinator's change commits, bumps the version, and the watcher sees it.
        Assert.True(await storeB.ChangeAsync(newToken, [new("a-disk1", DiskState.Failed, "a")], Within.Ct));
        var v2 = await Within.Seconds(10, watcher.WaitForAsync(t => t.Version == 2, Within.Ct), "version 2 in the watcher");
        Assert.Equal(DiskState.Failed, v2.Disks["a-disk1"].State);
        Assert.Equal(newToken, v2.Disks["a-disk1"].ChangedBy);
        Assert.Equal(DiskState.Active, v2.Disks["b-disk1"].State);
        Assert.Equal(v2.Disks, (await storeB.ReadAsync(Within.Ct)).Disks);
    }

    [Fact]
    public async Task ChangesWithoutACoordinatorOrWithAForeignTokenAreRefused()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        var store = new TopologyStore(client, options);
        Assert.False(await store.ChangeAsync(1, [new("d1", DiskState.Active, "n1")], Within.Ct));

        await using var candidate = new CoordinatorElection(client, "n1", options);
        var token = await Elect(candidate);
        Assert.False(await store.ChangeAsync(token + 1, [new("d1", DiskState.Active, "n1")], Within.Ct));
        Assert.False(await store.ChangeAsync(token - 1, [new("d1", DiskState.Active, "n1")], Within.Ct));
        Assert.Equal(0, (await store.ReadAsync(Within.Ct)).Version);

        Assert.True(await store.ChangeAsync(token, [new("d1", DiskState.Active, "n1")], Within.Ct));
        await candidate.ResignAsync(Within.Ct);
        Assert.False(await store.ChangeAsync(token, [new("d1", DiskState.Removed, "n1")], Within.Ct));
        var map = await store.ReadAsync(Within.Ct);
        Assert.Equal((1L, DiskState.Active), (map.Version, map.Disks["d1"].State));
    }

    [Fact]
    public async Task ACommitHoldsUpToEtcdsTransactionLimitAndRefusesMore()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        var store = new TopologyStore(client, options);
        await using var candidate = new CoordinatorElection(client, "n1", options);
        var token = await Elect(candidate);

        var most = Enumerable.Range(0, TopologyStore.MaxChangesPerCommit).Select(i => new DiskChange($"n1-disk{i}", DiskState.Active, "n1")).ToArray();
        Assert.True(await store.ChangeAsync(token, most, Within.Ct));
        var map = await store.ReadAsync(Within.Ct);
        Assert.Equal((1L, TopologyStore.MaxChangesPerCommit), (map.Version, map.Disks.Count));

        var tooMany = most.Append(new DiskChange("n1-extra", DiskState.Active, "n1")).ToArray();
        await Assert.ThrowsAsync<ArgumentException>(() => store.ChangeAsync(token, tooMany, Within.Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ChangeAsync(token, [most[0], most[0]], Within.Ct));
        Assert.Equal(1, (await store.ReadAsync(Within.Ct)).Version);
    }
}
