namespace Tessera.IntegrationTests;

/// <summary>The test classes sharing one <see cref="ShardedClusterStoreFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class ShardedClusterStoreCollection : ICollectionFixture<ShardedClusterStoreFixture>
{
    public const string Name = "S3 against a 3-node cluster on the range-sharded index";
}
