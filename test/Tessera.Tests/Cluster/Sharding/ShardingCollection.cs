namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// The sharded-index tests: one after another (they share two small etcd clusters, one per index group, and the two
/// cores), each under key prefixes of its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ShardingCollection : ICollectionFixture<IndexGroupsFixture>
{
    public const string Name = "sharded index";
}
