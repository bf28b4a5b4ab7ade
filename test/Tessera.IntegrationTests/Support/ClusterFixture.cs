using Amazon.Runtime;
using Amazon.S3;
using Tessera.Core.Buffers;
using Tessera.Server;
using Tessera.Tests;

namespace Tessera.IntegrationTests;

/// <summary>
/// A real cluster in this process: a 3-member <see cref="EtcdCluster"/> and three <see cref="TesseraServer"/> nodes
/// n1..n3 (n1 holds the index and runs the maintenance), each with four disk directories of its own and RS(4,2) over
/// nodes, so every segment has two fragments on each node. Each node has an AWSSDK.S3 client at its default settings
/// and its own <see cref="DiagnosticArrayPool"/>, checked when the fixture is disposed. A node can be stopped (a clean
/// <see cref="TesseraServer.DisposeAsync"/>) and started again over the same directories and ports.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string IndexNode = "n1";
    public const string Secret = "cluster-integration-secret-0042";
    public const int ShardSize = 4096;
    public const int DisksPerNode = 4;

    /// <summary>The node started with a users file (the others have none): its users reach every gateway through etcd.</summary>
    public const string UsersFileNode = "n2";

    /// <summary>The one user of <see cref="UsersFileNode"/>'s users file.</summary>
    public const string FileUserKey = "AKCLUSTERFILEUSER";

    public const string FileUserSecret = "cluster-file-user-secret-0001";

    private readonly Dictionary<string, ServerOptions> _options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TesseraServer?> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AmazonS3Client> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DiagnosticArrayPool> _buffers = new(StringComparer.Ordinal);
    private EtcdCluster? _etcd;

    /// <summary>The node ids, index node first.</summary>
    public IReadOnlyList<string> NodeIds { get; } = ["n1", "n2", "n3"];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tessera-cluster-" + Guid.NewGuid().ToString("N")[..10]);

    public EtcdCluster Etcd => _etcd ?? throw new InvalidOperationException("The fixture is not initialized.");

    private string UsersFile => Path.Combine(Directory, "users.json");

    public async ValueTask InitializeAsync()
    {
        try
        {
            _etcd = await EtcdCluster.StartAsync(3, TestContext.Current.CancellationToken);
            System.IO.Directory.CreateDirectory(Directory);
            await File.WriteAllTextAsync(UsersFile, $$"""[{"accessKey": "{{FileUserKey}}", "secretKey": "{{FileUserSecret}}", "displayName": "file-user"}]""", TestContext.Current.CancellationToken);
            foreach (var node in NodeIds)
            {
                _options[node] = Options(node, _etcd.Endpoints);
                _buffers[node] = new DiagnosticArrayPool();
                _servers[node] = null;
            }

            // Concurrently: each node waits in its start until the others have registered enough disks for RS(4,2)@node.
            var starts = NodeIds.Select(n => (Node: n, Task: TesseraServer.StartAsync(_options[n], buffers: _buffers[n], cancellationToken: TestContext.Current.CancellationToken))).ToList();
            try
            {
                await Task.WhenAll(starts.Select(s => s.Task));
            }
            finally
            {
                foreach (var (node, task) in starts.Where(s => s.Task.IsCompletedSuccessfully))
                {
                    _servers[node] = task.Result;
                }
            }

            foreach (var node in NodeIds)
            {
                Pin(node);
                _clients[node] = CreateClient(Server(node).Endpoint);
            }
        }
        catch
        {
            await DisposeCoreAsync(checkBuffers: false);
            throw;
        }
    }

    /// <summary>The running server of <paramref name="node"/> (throws while it is stopped).</summary>
    public TesseraServer Server(string node) =>
        _servers[node] ?? throw new InvalidOperationException($"Node {node} is stopped.");

    /// <summary>The index node's server: the one index and the maintenance of every disk.</summary>
    public TesseraServer Index => Server(IndexNode);

    /// <summary>The S3 client of <paramref name="node"/>'s gateway (root credentials).</summary>
    public AmazonS3Client Client(string node) => _clients[node];

    public bool IsRunning(string node) => _servers[node] is not null;

    /// <summary>The disk directories of <paramref name="node"/>, disk1 first.</summary>
    public IReadOnlyList<string> DiskPaths(string node) => [.. _options[node].Disks.Select(d => d.Path)];

    /// <summary>Every file under <paramref name="subdirectory"/> (<c>fragments</c>, <c>tmp</c>) of every disk of every node.</summary>
    public List<string> DiskFiles(string subdirectory) =>
        [.. NodeIds.SelectMany(DiskPaths).Select(d => Path.Combine(d, subdirectory)).Where(System.IO.Directory.Exists)
            .SelectMany(d => System.IO.Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))];

    /// <summary>Stops <paramref name="node"/>: its S3 and storage ports close and it leaves the membership (lease revoked).</summary>
    public async Task StopAsync(string node)
    {
        var server = Server(node);
        _servers[node] = null;
        await server.DisposeAsync();
    }

    /// <summary>Starts <paramref name="node"/> again over its directories, on the same S3 and storage ports.</summary>
    public async Task RestartAsync(string node)
    {
        if (_servers[node] is not null)
        {
            await StopAsync(node);
        }

        _servers[node] = await TesseraServer.StartAsync(_options[node], buffers: _buffers[node], cancellationToken: TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => DisposeCoreAsync(checkBuffers: true);

    private ServerOptions Options(string node, string etcd)
    {
        var root = Path.Combine(Directory, node);
        return new ServerOptions
        {
            Address = "127.0.0.1:0",
            StorageAddress = "127.0.0.1:0",
            Disks = [.. Enumerable.Range(1, DisksPerNode).Select(d => new DiskOptions { Path = Path.Combine(root, $"disk{d}") })],
            MetaDir = Path.Combine(root, "meta"),
            Etcd = etcd,
            NodeId = node,
            IndexNode = IndexNode,
            ClusterSecret = Secret,
            LeaseTtl = 3,
            ClusterWait = 30,
            RootUser = StoreFixture.RootKey,
            RootPassword = StoreFixture.RootSecret,
            UsersFile = node == UsersFileNode ? UsersFile : null,
            ErasureCode = "4+2@node",
            ShardSize = ShardSize,
            MinPartSize = 1,
            GarbageGraceSeconds = 3600,
            DiskCheckInterval = 0,
            ScrubInterval = 0,
            SnapshotInterval = 0,
            RepairBandwidth = 0,
            Quiet = true,
        };
    }

    /// <summary>Fixes the ports picked at the first start, so a restarted node is where the others and the clients know it.</summary>
    private void Pin(string node)
    {
        var server = Server(node);
        _options[node].Address = $"127.0.0.1:{server.Endpoint.Port}";
        _options[node].StorageAddress = $"127.0.0.1:{server.StorageEndpoint!.Port}";
    }

    /// <summary>A client of <paramref name="node"/>'s gateway with other keys (the caller disposes it).</summary>
    public AmazonS3Client Client(string node, string accessKey, string secretKey) => CreateClient(Server(node).Endpoint, accessKey, secretKey);

    private static AmazonS3Client CreateClient(Uri endpoint, string accessKey = StoreFixture.RootKey, string secretKey = StoreFixture.RootSecret) =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    private async ValueTask DisposeCoreAsync(bool checkBuffers)
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();

        // The gateways first, the index node last: the others' index calls go to it.
        foreach (var node in NodeIds.Reverse())
        {
            if (_servers.GetValueOrDefault(node) is { } server)
            {
                _servers[node] = null;
                await server.DisposeAsync();
            }
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
            _etcd = null;
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }

        if (checkBuffers)
        {
            var problems = _buffers.SelectMany(b => b.Value.Check(expectAllReturned: true).Select(p => $"{b.Key}: {p}")).ToList();
            Assert.True(problems.Count == 0, $"{problems.Count} pooled buffer problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(5))}");
        }
    }
}
