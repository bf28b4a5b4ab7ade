using Tessera.Server;
using Tessera.Tests;

namespace Tessera.IntegrationTests;

/// <summary>
/// <see cref="ClusterStoreFixture"/> on the range-sharded index (<c>indexGroups</c>): no index node; every node's gateway
/// runs its own <c>EtcdIndexStore</c> over two index groups, g1 on the control plane's etcd and g2 on a single-member
/// etcd of its own, with the whole keyspace on g1 at first (moves put ranges on g2).
/// </summary>
public class ShardedClusterStoreFixture : ClusterStoreFixture
{
    private EtcdCluster? _second;

    /// <summary>The etcd of index group g2.</summary>
    public EtcdCluster SecondGroup => _second ?? throw new InvalidOperationException("The fixture is not initialized.");

    public override async ValueTask InitializeAsync()
    {
        _second = await EtcdCluster.StartAsync(1, TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
    }

    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.IndexNode = null;
        options.IndexGroups = $"g1={options.Etcd};g2={SecondGroup.Endpoints}";
    }
}
