using dotnet_etcd;

namespace Tessera.Tests.Cluster;

/// <summary>Several clients over one cluster, one per simulated node, disposed together.</summary>
internal sealed class EtcdClients(EtcdCluster cluster, int count) : IDisposable
{
    public EtcdClient[] All { get; } = [.. Enumerable.Range(0, count).Select(_ => cluster.Client())];

    public void Dispose()
    {
        foreach (var client in All)
        {
            client.Dispose();
        }
    }
}
