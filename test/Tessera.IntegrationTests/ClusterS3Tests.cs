namespace Tessera.IntegrationTests;

// The S3 test classes again, against a real 3-node cluster (n1 holds the index) through the gateways of the other two
// nodes: the root user on one, alice on the other, alternating from class to class. Each class runs every test of its
// single-server namesake; the classes of a collection share one cluster and run one after another.

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterObjectTests(ClusterStoreFixture cluster) : ObjectTestsBase(cluster.Through(root: "n2", alice: "n3"));

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterBucketTests(ClusterStoreFixture cluster) : BucketTestsBase(cluster.Through(root: "n3", alice: "n2"));

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterListingTests(ClusterStoreFixture cluster) : ListingTestsBase(cluster.Through(root: "n2", alice: "n3"));

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterMultipartTests(ClusterStoreFixture cluster) : MultipartTestsBase(cluster.Through(root: "n3", alice: "n2"));

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterVersioningTests(ClusterStoreFixture cluster) : VersioningTestsBase(cluster.Through(root: "n2", alice: "n3"));

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterLifecycleTests(ClusterStoreFixture cluster) : LifecycleTestsBase(cluster.Through(root: "n3", alice: "n2"));

[Collection(ClusterStoreCollection.Name)]
public sealed class ClusterStorageClassTests(ClusterStoreFixture cluster) : StorageClassTestsBase(cluster.Through(root: "n3", alice: "n2"));

[Collection(SmallPartClusterStoreCollection.Name)]
public sealed class ClusterChecksumTests(SmallPartClusterStoreFixture cluster) : ChecksumTestsBase(cluster.Through(root: "n2", alice: "n3"));

[Collection(SmallPartClusterStoreCollection.Name)]
public sealed class ClusterClientBehaviourTests(SmallPartClusterStoreFixture cluster) : ClientBehaviourTestsBase(cluster.Through(root: "n3", alice: "n2"));

[Collection(SmallPartClusterStoreCollection.Name)]
public sealed class ClusterManyPartsTests(SmallPartClusterStoreFixture cluster) : ManyPartsTestsBase(cluster.Through(root: "n2", alice: "n3"));

/// <summary>Its own cluster: the tests compare the files on every node's disks before and after a refused request.</summary>
public sealed class ClusterHostileClientTests(HostileClusterStoreFixture cluster)
    : HostileClientTestsBase(cluster.Through(root: "n3", alice: "n2")), IClassFixture<HostileClusterStoreFixture>;
