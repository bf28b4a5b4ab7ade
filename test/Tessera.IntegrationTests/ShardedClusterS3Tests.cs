namespace Tessera.IntegrationTests;

// S3 test classes again, against a 3-node cluster on the range-sharded etcd index (no index node: every gateway writes
// the index itself), through the gateways of n2 and n3 as in ClusterS3Tests.

[Collection(ShardedClusterStoreCollection.Name)]
public sealed class ShardedClusterObjectTests(ShardedClusterStoreFixture cluster) : ObjectTestsBase(cluster.Through(root: "n2", alice: "n3"));

[Collection(ShardedClusterStoreCollection.Name)]
public sealed class ShardedClusterVersioningTests(ShardedClusterStoreFixture cluster) : VersioningTestsBase(cluster.Through(root: "n3", alice: "n2"));
