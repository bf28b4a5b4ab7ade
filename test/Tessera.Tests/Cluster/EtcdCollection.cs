namespace Tessera.Tests.Cluster;

/// <summary>
/// The etcd tests: they run one after another (their lease and election timings should not compete for the two
/// cores with each other) and share one <see cref="EtcdClusterFixture"/>; fault tests start their own cluster.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdClusterFixture>
{
    public const string Name = "etcd";
}
