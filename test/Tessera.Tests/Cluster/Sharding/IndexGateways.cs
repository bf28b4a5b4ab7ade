using dotnet_etcd;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// Gateways of the sharded index in one process, as a cluster's nodes have them: each its own range directory (its own
/// cached copy, refreshed on fence failures and frozen routes), <see cref="EtcdIndexStore"/> and witness cache, over
/// one control plane and one bucket catalog.
/// </summary>
internal sealed class IndexGateways : IDisposable
{
    private readonly List<(EtcdRangeDirectory Directory, WitnessCachedIndexStore Store)> _gateways = [];

    private IndexGateways()
    {
    }

    /// <summary>Each gateway's witness-cached store.</summary>
    public IReadOnlyList<WitnessCachedIndexStore> Stores => [.. _gateways.Select(g => g.Store)];

    /// <summary>Each gateway's directory.</summary>
    public IReadOnlyList<EtcdRangeDirectory> Directories => [.. _gateways.Select(g => g.Directory)];

    /// <summary>
    /// Opens <paramref name="count"/> gateways over the directory under <paramref name="prefix"/> in
    /// <paramref name="control"/> (written with <paramref name="groups"/>, the first holding the whole keyspace, when
    /// missing) and creates bucket <paramref name="bucket"/> through the first.
    /// </summary>
    public static async Task<IndexGateways> OpenAsync(EtcdClient control, string prefix, IReadOnlyList<GroupRecord> groups, int count, EtcdIndexOptions options, string bucket = "b")
    {
        var gateways = new IndexGateways();
        try
        {
            var catalog = new MemoryBucketCatalog();
            for (var g = 0; g < count; g++)
            {
                var directory = await EtcdRangeDirectory.OpenAsync(control, new ControlPlaneOptions { KeyPrefix = prefix }, groups, cancellationToken: Within.Ct);
                var store = new EtcdIndexStore(directory, catalog, TimeProvider.System, options);
                gateways._gateways.Add((directory, new WitnessCachedIndexStore(store, new WitnessReader(directory, options.RequestTimeout))));
            }

            gateways._gateways[0].Store.CreateBucket(new BucketInfo(bucket, "alice", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned));
            return gateways;
        }
        catch
        {
            gateways.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (directory, store) in _gateways)
        {
            store.Dispose();
            directory.Dispose();
        }
    }
}
