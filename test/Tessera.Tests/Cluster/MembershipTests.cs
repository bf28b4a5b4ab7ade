using System.Diagnostics;
using Etcdserverpb;
using Tessera.Cluster.Control;

namespace Tessera.Tests.Cluster;

[Collection(EtcdCollection.Name)]
public sealed class MembershipTests(EtcdClusterFixture etcd)
{
    private static NodeRecord Node(string id) => new()
    {
        NodeId = id,
        S3Endpoint = $"http://{id}.example:9000",
        StorageEndpoint = $"http://{id}.example:9001",
        Zone = "z1",
        Rack = "r7",
        Disks =
        [
            new NodeDisk { DiskId = id + "-disk1", CapacityBytes = 4L << 40, Weight = 1 },
            new NodeDisk { DiskId = id + "-disk2", Rack = "r8", CapacityBytes = 8L << 40, Weight = 2 },
        ],
        StartedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Version = "0.9.0",
    };

    [Fact]
    public async Task RegisteredNodeAppearsInAnotherInstancesSnapshot()
    {
        var options = EtcdClusterFixture.Options();
        using var clientA = etcd.Client();
        using var clientB = etcd.Client();
        await using var watcher = new ClusterMembership(clientB, options);
        await watcher.StartWatchingAsync(Within.Ct);
        Assert.Empty(watcher.Nodes);
        var before = watcher.Revision;

        await using var node = new ClusterMembership(clientA, options);
        await node.RegisterAsync(Node("n1"), Within.Ct);
        var nodes = await Within.Seconds(10, watcher.WaitForAsync(n => n.ContainsKey("n1"), Within.Ct), "n1 in the other instance's snapshot");

        var seen = nodes["n1"];
        Assert.Equal("http://n1.example:9000", seen.S3Endpoint);
        Assert.Equal("http://n1.example:9001", seen.StorageEndpoint);
        Assert.Equal(("z1", "r7", "0.9.0"), (seen.Zone, seen.Rack, seen.Version));
        Assert.Equal(Node("n1").StartedAt, seen.StartedAt);
        Assert.Equal(Node("n1").Disks, seen.Disks);
        Assert.True(watcher.Revision > before, $"revision {watcher.Revision} after {before}");

        // A third instance that starts later loads the same node from its Range.
        await using var late = new ClusterMembership(clientB, options);
        await late.StartWatchingAsync(Within.Ct);
        Assert.Equal(["n1"], late.Nodes.Keys);
        Assert.Equal(1, node.Registrations);
    }

    [Fact]
    public async Task CleanLeaveRemovesTheNodeAtOnce()
    {
        var options = EtcdClusterFixture.Options(TimeSpan.FromSeconds(10));
        using var client = etcd.Client();
        await using var watcher = new ClusterMembership(client, options);
        await watcher.StartWatchingAsync(Within.Ct);
        var node = new ClusterMembership(client, options);
        await node.RegisterAsync(Node("n1"), Within.Ct);
        await Within.Seconds(10, watcher.WaitForAsync(n => n.ContainsKey("n1"), Within.Ct), "n1 registered");

        var clock = Stopwatch.StartNew();
        await node.DisposeAsync();
        await Within.Seconds(3, watcher.WaitForAsync(n => !n.ContainsKey("n1"), Within.Ct), "n1 gone after a clean leave");
        Within.Log($"clean leave (lease revoked, TTL 10 s): gone from the snapshot after {Within.Ms(clock)}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"a clean leave took {clock.Elapsed} to show");
    }

    [Fact]
    public async Task CrashedNodeDisappearsAfterTheLeaseTtlAndNotBefore()
    {
        var ttl = TimeSpan.FromSeconds(2);
        var options = EtcdClusterFixture.Options(ttl);
        using var client = etcd.Client();
        await using var watcher = new ClusterMembership(client, options);
        await watcher.StartWatchingAsync(Within.Ct);
        await using var node = new ClusterMembership(client, options);
        await node.RegisterAsync(Node("n1"), Within.Ct);
        await Within.Seconds(10, watcher.WaitForAsync(n => n.ContainsKey("n1"), Within.Ct), "n1 registered");
        // Let a few keep-alives go by: the record must outlive several TTLs while renewed.
        await Task.Delay(ttl * 2, Within.Ct);
        Assert.True(watcher.Nodes.ContainsKey("n1"), "n1 vanished while its keep-alives ran");

        var clock = Stopwatch.StartNew();
        node.SimulateCrash();
        await Within.Seconds(10, watcher.WaitForAsync(n => !n.ContainsKey("n1"), Within.Ct), "n1 gone after its lease ran out");
        Within.Log($"injected: keep-alives stopped without revoking (simulated SIGKILL), TTL {ttl.TotalSeconds} s; gone after {Within.Ms(clock)}");
        Assert.InRange(clock.Elapsed, ttl / 2, ttl + TimeSpan.FromSeconds(2.5));
        Assert.Equal(1, node.Registrations);
    }

    [Fact]
    public async Task LostLeaseIsRegrantedAndTheNodeRegistersAgain()
    {
        var options = EtcdClusterFixture.Options(TimeSpan.FromSeconds(2));
        using var client = etcd.Client();
        await using var watcher = new ClusterMembership(client, options);
        await watcher.StartWatchingAsync(Within.Ct);
        await using var node = new ClusterMembership(client, options);
        await node.RegisterAsync(Node("n1"), Within.Ct);
        await Within.Seconds(10, watcher.WaitForAsync(n => n.ContainsKey("n1"), Within.Ct), "n1 registered");
        var first = node.LeaseId;

        // Someone (an operator, or etcd after a long partition) revokes the lease: the record goes with it.
        var removed = watcher.WaitForAsync(n => !n.ContainsKey("n1"), Within.Ct);
        await client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = first }, cancellationToken: Within.Ct);
        await Within.Seconds(5, removed, "n1 removed with its revoked lease");
        await Within.Seconds(10, watcher.WaitForAsync(n => n.ContainsKey("n1"), Within.Ct), "n1 registered again");

        // The watcher can see the new record before the registering task has recorded its lease: wait for that too.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((node.Registrations < 2 || node.LeaseId == first) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Within.Ct);
        }

        Within.Log($"injected: revoked lease {first}; the node re-registered under lease {node.LeaseId} ({node.Registrations} registrations)");
        Assert.NotEqual(first, node.LeaseId);
        Assert.Equal(2, node.Registrations);
    }
}
