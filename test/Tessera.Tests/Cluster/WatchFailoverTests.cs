using Tessera.Cluster.Control;

namespace Tessera.Tests.Cluster;

/// <summary>Kills etcd members under a watching <see cref="ClusterMembership"/>: each test has its own cluster.</summary>
[Collection(EtcdCollection.Name)]
public sealed class WatchFailoverTests
{
    private static NodeRecord Node(string id) => new() { NodeId = id, S3Endpoint = "http://s3", StorageEndpoint = "http://storage" };

    [Fact]
    public async Task WatchSurvivesKillingTheMemberItIsConnectedTo()
    {
        await using var cluster = await EtcdCluster.StartAsync(3, Within.Ct);
        var options = new ControlPlaneOptions { LeaseTtl = TimeSpan.FromSeconds(3) };
        using var watcherClient = cluster.Client();
        using var writerClient = cluster.Client();
        await using var watcher = new ClusterMembership(watcherClient, options);
        await watcher.StartWatchingAsync(Within.Ct);

        // Which member carries the watch stream is the channel's choice, so kill each in turn (two stay up: quorum
        // holds): whichever it was, the watch lost its member once.
        var registered = new List<ClusterMembership>();
        try
        {
            for (var i = 0; i < cluster.Count; i++)
            {
                cluster.Kill(i);
                var node = new ClusterMembership(writerClient, options);
                registered.Add(node);
                await node.RegisterAsync(Node("n" + i), Within.Ct);
                await Within.Seconds(10, watcher.WaitForAsync(n => n.ContainsKey("n" + i), Within.Ct), $"n{i} seen with member {i} killed");
                Within.Log($"injected: SIGKILL member {i}; registered n{i}; watcher saw it (watch re-established {watcher.WatchReconnects} times so far)");
                await cluster.RestartAsync(i, Within.Ct);
            }

            Assert.Equal(["n0", "n1", "n2"], watcher.Nodes.Keys.Order());
            Assert.InRange(watcher.WatchReconnects, 1, 10);
        }
        finally
        {
            foreach (var node in registered)
            {
                await node.DisposeAsync();
            }
        }
    }
}
