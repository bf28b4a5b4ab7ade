using dotnet_etcd;
using Tessera.Cluster.Control;

namespace Tessera.Tests;

/// <summary>
/// One 3-member etcd cluster shared by the tests of <see cref="Cluster.EtcdCollection"/>. Safe to share because each
/// test works under its own key prefix (<see cref="Options"/>) and none of them kills, pauses or restarts a member:
/// tests that do start their own <see cref="EtcdCluster"/>.
/// </summary>
public sealed class EtcdClusterFixture : IAsyncLifetime
{
    private EtcdCluster? _cluster;

    public EtcdCluster Cluster => _cluster ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Options under a fresh key prefix, so tests sharing the cluster never see each other's keys.</summary>
    public static ControlPlaneOptions Options(TimeSpan? leaseTtl = null) => new()
    {
        KeyPrefix = "/t" + Guid.NewGuid().ToString("n")[..12] + "/",
        LeaseTtl = leaseTtl ?? TimeSpan.FromSeconds(10),
    };

    public EtcdClient Client() => Cluster.Client();

    public async ValueTask InitializeAsync() => _cluster = await EtcdCluster.StartAsync(3, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
