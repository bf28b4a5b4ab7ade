using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using Tessera.Index;
using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>
/// A 3-node cluster (<see cref="ClusterFixture"/>: etcd, n1 the index node, RS(4,2) over nodes) for the S3 test
/// classes: the root user and alice (in every node's users file) as in <see cref="StoreFixture"/>, S3's 5 MiB minimum
/// part size and the default shard size, a 10 s lease, and REDUCED_REDUNDANCY coded RS(2,1) over nodes (RS(4,1) cannot spread over
/// three nodes so that losing one loses at most one fragment). A test class sees it through two gateways
/// (<see cref="Through"/>), the root user on one and alice on the other. Shared by the classes of a collection.
/// </summary>
public class ClusterStoreFixture : ClusterFixture
{
    private readonly ConcurrentDictionary<(string Node, string AccessKey), AmazonS3Client> _clients = new();
    private readonly ConcurrentBag<AmazonS3Client> _created = [];

    public string UsersFile => Path.Combine(Directory, "alice-users.json");

    public override async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.WriteAllTextAsync(UsersFile, $$"""[{"accessKey": "{{StoreFixture.AliceKey}}", "secretKey": "{{StoreFixture.AliceSecret}}", "displayName": "alice"}]""");
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Concat(_created))
        {
            client.Dispose();
        }

        await base.DisposeAsync();
    }

    /// <summary>The cluster as a test class sees it: the root user through <paramref name="root"/>'s gateway, alice through <paramref name="alice"/>'s.</summary>
    public Gateways Through(string root, string alice) =>
        root != alice && root != IndexNode && alice != IndexNode && NodeIds.Contains(root) && NodeIds.Contains(alice)
            ? new(this, root, alice)
            : throw new ArgumentException($"Two gateways other than the index node {IndexNode}, not {root} and {alice}.");

    protected override void Configure(string node, ServerOptions options)
    {
        var defaults = new ServerOptions();
        options.UsersFile = UsersFile;
        options.MinPartSize = defaults.MinPartSize;
        options.ShardSize = defaults.ShardSize;
        options.StorageClasses["REDUCED_REDUNDANCY"] = "2+1@node";

        // No node stops here: a lease of 10 s rather than 3 keeps a node whose keep-alives the rest of the suite's load
        // delays from leaving the membership, which would make these tests of the S3 surface tests of fail-over.
        options.LeaseTtl = 10;
    }

    private AmazonS3Client ClientOn(string node, string accessKey, string secretKey) =>
        _clients.GetOrAdd((node, accessKey), _ => NewClient(Server(node).Endpoint, accessKey, secretKey));

    private static AmazonS3Client NewClient(Uri endpoint, string accessKey, string secretKey) =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    /// <summary>The cluster through two gateways: what an S3 test class is given.</summary>
    public sealed class Gateways(ClusterStoreFixture cluster, string root, string alice) : IStorageClassTarget, IHostileTarget
    {
        public AmazonS3Client Client => cluster.ClientOn(root, StoreFixture.RootKey, StoreFixture.RootSecret);

        public AmazonS3Client Alice => cluster.ClientOn(alice, StoreFixture.AliceKey, StoreFixture.AliceSecret);

        public Uri Endpoint => cluster.Server(root).Endpoint;

        public Uri AliceEndpoint => cluster.Server(alice).Endpoint;

        public string Directory => cluster.Directory;

        public IReadOnlyList<string> DataDirectories => [.. cluster.NodeIds.SelectMany(n => cluster.DiskPaths(n).Append(cluster.MetaDirectory(n)))];

        public (int DataShards, int ParityShards) ReducedRedundancy => (2, 1);

        public int ActiveUploads => cluster.Server(root).Services.Uploads.Active;

        public AmazonS3Client CreateClient(string accessKey, string secretKey)
        {
            var client = NewClient(Endpoint, accessKey, secretKey);
            cluster._created.Add(client);
            return client;
        }

        public ObjectManifest? Manifest(string bucket, string key) => cluster.Index.Store.Index.GetObject(bucket, key);

        /// <summary>
        /// Every file on every node's disks, but <c>tmp/probe</c>: each node checks every 2 s that it reaches the others'
        /// storage ports by a disk probe there, which writes that file and deletes it at once. Taken once the cluster is
        /// quiet (for at most 30 s): the coordinator's repair queue idle and no fragment being written, since on a loaded
        /// machine an earlier write that went degraded is rebuilt in the background. A file a refused request leaked
        /// stays, so waiting hides none.
        /// </summary>
        public IReadOnlyList<string> DiskFiles()
        {
            var quietBy = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < quietBy
                && (cluster.Coordinator.Repairer.Status() is not { QueuedSegments: 0, InProgress: 0 } || List().Any(f => f.Contains("/tmp/", StringComparison.Ordinal))))
            {
                Thread.Sleep(100);
            }

            return List();

            IReadOnlyList<string> List() =>
                [.. cluster.NodeIds.SelectMany(cluster.DiskPaths)
                    .SelectMany(d => System.IO.Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)
                        .Where(f => Path.GetRelativePath(d, f) != Path.Combine("tmp", "probe")))
                    .Select(f => $"{Path.GetRelativePath(cluster.Directory, f)}:{new FileInfo(f).Length}")
                    .Order(StringComparer.Ordinal)];
        }
    }
}

/// <summary>As <see cref="ClusterStoreFixture"/> with a minimum part size of 1 byte, as <see cref="SmallPartStoreFixture"/>.</summary>
public sealed class SmallPartClusterStoreFixture : ClusterStoreFixture
{
    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.MinPartSize = 1;
    }
}

/// <summary>As <see cref="ClusterStoreFixture"/> with <see cref="HostileStoreFixture"/>'s caps on every node.</summary>
public sealed class HostileClusterStoreFixture : ClusterStoreFixture
{
    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.BodyIdleTimeout = HostileStoreFixture.IdleSeconds;
        options.MaxUploads = HostileStoreFixture.MaxUploads;
        options.MaxMultipartUploads = HostileStoreFixture.MaxMultipartUploads;
    }
}

/// <summary>The S3 test classes sharing one <see cref="ClusterStoreFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterStoreCollection : ICollectionFixture<ClusterStoreFixture>
{
    public const string Name = "S3 against a 3-node cluster";
}

/// <summary>The S3 test classes sharing one <see cref="SmallPartClusterStoreFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class SmallPartClusterStoreCollection : ICollectionFixture<SmallPartClusterStoreFixture>
{
    public const string Name = "S3 against a 3-node cluster, 1-byte minimum part size";
}
