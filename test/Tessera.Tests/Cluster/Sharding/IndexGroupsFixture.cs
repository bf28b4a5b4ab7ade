using dotnet_etcd;
using Tessera.Cluster.Index.Sharding;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>Two single-member etcd clusters, the etcd of two index groups; each test takes fresh key prefixes on them.</summary>
public sealed class IndexGroupsFixture : IAsyncLifetime
{
    private EtcdCluster? _first;
    private EtcdCluster? _second;
    private EtcdClient? _firstClient;
    private EtcdClient? _secondClient;

    /// <summary>Two groups under fresh prefixes: "a" on the first cluster, "b" on the second.</summary>
    public (IndexGroup A, IndexGroup B) Groups()
    {
        var prefix = "/t" + Guid.NewGuid().ToString("n")[..12] + "/";
        return (new IndexGroup("a", _firstClient!, prefix), new IndexGroup("b", _secondClient!, prefix));
    }

    public async ValueTask InitializeAsync()
    {
        var starting = new[] { EtcdCluster.StartAsync(1, TestContext.Current.CancellationToken), EtcdCluster.StartAsync(1, TestContext.Current.CancellationToken) };
        var clusters = await Task.WhenAll(starting);
        (_first, _second) = (clusters[0], clusters[1]);
        _firstClient = _first.Client();
        _secondClient = _second.Client();
    }

    public async ValueTask DisposeAsync()
    {
        _firstClient?.Dispose();
        _secondClient?.Dispose();
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
    }
}
