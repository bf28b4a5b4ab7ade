namespace Tessera.IntegrationTests;

/// <summary>
/// The tests on one <see cref="ShardedFaultClusterFixture"/>. Not run in parallel with other collections: their
/// operation floors and fault timings were measured with the machine's two cores to themselves (the etcd leader's
/// elections and the gateways' timeouts stretch under a parallel test's load).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ShardedFaultClusterCollection : ICollectionFixture<ShardedFaultClusterFixture>
{
    public const string Name = "Faults under S3 on a cluster whose index group runs in network namespaces";
}
