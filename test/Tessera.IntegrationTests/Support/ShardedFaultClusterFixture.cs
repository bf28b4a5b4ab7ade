using Tessera.Server;
using Tessera.Tests;

namespace Tessera.IntegrationTests;

/// <summary>
/// A 3-node cluster (<see cref="ClusterFixture"/>: its 3-member control-plane etcd on loopback, nodes n1..n3 in this
/// process, in the root namespace) on the range-sharded index with two index groups: g1, which holds the whole
/// keyspace (the first group gets the first range), a 3-member etcd whose members each run in their own network
/// namespace (<see cref="NamespacedEtcdGroup"/> on a <see cref="NamespaceNetwork"/> of nodes e1..e3), and g2 a
/// single-member etcd on loopback. Only g1 is faulted, so only it needs namespaces: the nodes and the control plane
/// stay on loopback, where a cut would need a namespace per node and per control-plane member for no fault the tests
/// inject. The nodes reach g1's members over the bridge from the root namespace (source address
/// <see cref="NamespaceNetwork.HostAddress"/>), which is what lets a partition put the gateways on one side.
/// </summary>
public sealed class ShardedFaultClusterFixture : ClusterFixture
{
    /// <summary>The network nodes g1's members run in, member 0 first.</summary>
    public static readonly IReadOnlyList<string> IndexMembers = ["e1", "e2", "e3"];

    private NamespaceNetwork? _network;
    private NamespacedEtcdGroup? _group;
    private EtcdCluster? _second;

    public NamespaceNetwork Network => _network ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Index group g1, the faulted one.</summary>
    public NamespacedEtcdGroup Group => _group ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Index group g2 (loopback, never faulted).</summary>
    public EtcdCluster SecondGroup => _second ?? throw new InvalidOperationException("The fixture is not initialized.");

    public override async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        try
        {
            _network = NamespaceNetwork.Create(IndexMembers);
            _group = await NamespacedEtcdGroup.StartAsync(_network, IndexMembers, ct);
            _second = await EtcdCluster.StartAsync(1, ct);
            await base.InitializeAsync();
        }
        catch
        {
            await DisposeOwnAsync();
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await DisposeOwnAsync();
        }
    }

    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.IndexNode = null;
        options.IndexGroups = $"g1={Group.Endpoints};g2={SecondGroup.Endpoints}";
    }

    private async ValueTask DisposeOwnAsync()
    {
        if (_group is not null)
        {
            await _group.DisposeAsync();
            _group = null;
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
            _second = null;
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
            _network = null;
        }
    }
}
