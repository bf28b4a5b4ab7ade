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
/// <see cref="TesseraServer.DisposeAsync"/>) and started again over the same directories and ports. A derived fixture
/// may change the nodes' settings before they start (<see cref="Configure"/>).
/// </summary>
public class ClusterFixture : IAsyncLifetime
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

    private readonly int _initial;

    public ClusterFixture()
        : this(["n1", "n2", "n3"], 3)
    {
    }

    /// <summary>A cluster of <paramref name="nodes"/> (index node first) of which the first <paramref name="initial"/> start with the fixture.</summary>
    protected ClusterFixture(IReadOnlyList<string> nodes, int initial)
    {
        NodeIds = nodes;
        _initial = initial;
    }

    /// <summary>The node ids, index node first (those that join later included).</summary>
    public IReadOnlyList<string> NodeIds { get; }

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tessera-cluster-" + Guid.NewGuid().ToString("N")[..10]);

    public EtcdCluster Etcd => _etcd ?? throw new InvalidOperationException("The fixture is not initialized.");

    private string UsersFile => Path.Combine(Directory, "users.json");

    public virtual async ValueTask InitializeAsync()
    {
        try
        {
            _etcd = await EtcdCluster.StartAsync(3, TestContext.Current.CancellationToken);
            System.IO.Directory.CreateDirectory(Directory);
            await File.WriteAllTextAsync(UsersFile, $$"""[{"accessKey": "{{FileUserKey}}", "secretKey": "{{FileUserSecret}}", "displayName": "file-user"}]""", TestContext.Current.CancellationToken);
            foreach (var node in NodeIds)
            {
                _options[node] = Options(node, _etcd.Endpoints);
                _buffers[node] = new DiagnosticArrayPool(captureStacks: true);
                _servers[node] = null;
            }

            // Concurrently: each node waits in its start until the others have registered enough disks for RS(4,2)@node.
            var starts = NodeIds.Take(_initial).Select(n => (Node: n, Task: StartServerAsync(n))).ToList();
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

            foreach (var node in NodeIds.Take(_initial))
            {
                Pin(node);
                _clients[node] = CreateClient(Server(node).Endpoint);
            }

            await WaitForCoordinatorAsync();
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

    /// <summary>The index node's server: the one index, garbage collection and index snapshots.</summary>
    public TesseraServer Index => Server(IndexNode);

    /// <summary>The running node elected coordinator (disk monitor, repair queue); throws when none is.</summary>
    public TesseraServer Coordinator =>
        NodeIds.Where(IsRunning).Select(Server).FirstOrDefault(s => s.IsCoordinator)
        ?? throw new InvalidOperationException("No running node coordinates the cluster now.");

    /// <summary>Waits until a running node coordinates (an election takes a round trip; a failover up to the lease TTL).</summary>
    public async Task<TesseraServer> WaitForCoordinatorAsync(TimeSpan? timeout = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (NodeIds.Where(IsRunning).Select(Server).FirstOrDefault(s => s.IsCoordinator) is { } coordinator)
            {
                return coordinator;
            }

            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(20)))
            {
                throw new TimeoutException($"No node became coordinator within {clock.Elapsed.TotalSeconds:F0} s.");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The S3 client of <paramref name="node"/>'s gateway (root credentials).</summary>
    public AmazonS3Client Client(string node) => _clients[node];

    public bool IsRunning(string node) => _servers[node] is not null;

    /// <summary>The disk directories of <paramref name="node"/>, disk1 first.</summary>
    public IReadOnlyList<string> DiskPaths(string node) => [.. _options[node].Disks.Select(d => d.Path)];

    /// <summary>The index and metadata directory of <paramref name="node"/>.</summary>
    public string MetaDirectory(string node) => _options[node].MetaDir!;

    /// <summary>
    /// Every file under <paramref name="subdirectory"/> (<c>fragments</c>, <c>tmp</c>) of every disk of every node, but
    /// <c>tmp/probe</c>: each node checks every 2 s that it reaches the others' storage ports by a disk probe, which
    /// writes that file and deletes it at once (a CI run caught one in between).
    /// </summary>
    public List<string> DiskFiles(string subdirectory) =>
        [.. NodeIds.SelectMany(DiskPaths).Select(d => Path.Combine(d, subdirectory)).Where(System.IO.Directory.Exists)
            .SelectMany(d => System.IO.Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => !f.EndsWith(Path.Combine("tmp", "probe"), StringComparison.Ordinal))];

    /// <summary>Stops <paramref name="node"/>: its S3 and storage ports close and it leaves the membership (lease revoked).</summary>
    public async Task StopAsync(string node)
    {
        var server = Server(node);
        _servers[node] = null;
        await server.DisposeAsync();
    }

    /// <summary>Starts a node that has not run yet (it joins the cluster); returns its server.</summary>
    public async Task<TesseraServer> JoinAsync(string node)
    {
        Assert.False(_clients.ContainsKey(node), $"{node} has run already.");
        _servers[node] = await StartServerAsync(node);
        Pin(node);
        _clients[node] = CreateClient(Server(node).Endpoint);
        return Server(node);
    }

    /// <summary>
    /// Starts a node for the first time. Its ports are 0 in the settings: the server takes ports that were free a moment
    /// before it binds them, and another process of the machine (a parallel test, an outgoing connection) may take one
    /// meanwhile; the start is then tried again on other ports.
    /// </summary>
    private async Task<TesseraServer> StartServerAsync(string node)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TesseraServer.StartAsync(_options[node], buffers: _buffers[node], cancellationToken: TestContext.Current.CancellationToken);
            }
            catch (IOException e) when (attempt < 3 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    /// <summary>Calls the admin API of <paramref name="node"/>'s gateway as root; returns the HTTP status and the JSON body.</summary>
    public async Task<(int Status, System.Text.Json.JsonElement Body)> AdminAsync(string node, HttpMethod method, string operation, params (string Key, string Value)[] query)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        var client = new AdminClient(http, Server(node).Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
        var (status, body) = await client.SendAsync(method, operation, query.Select(q => KeyValuePair.Create(q.Key, q.Value)), TestContext.Current.CancellationToken);
        using (body)
        {
            return (status, body.RootElement.Clone());
        }
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

    public virtual ValueTask DisposeAsync() => DisposeCoreAsync(checkBuffers: true);

    /// <summary>Lets a derived fixture change <paramref name="node"/>'s settings before it first starts.</summary>
    protected virtual void Configure(string node, ServerOptions options)
    {
    }

    private ServerOptions Options(string node, string etcd)
    {
        var root = Path.Combine(Directory, node);
        var options = new ServerOptions
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
        Configure(node, options);
        return options;
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

    /// <summary>
    /// Stops every node and etcd and removes the directories; then, when <paramref name="checkBuffers"/>, asserts that
    /// every pooled buffer came back. A disposal that throws fails every test of the collection ("Test Collection
    /// Cleanup Failure"), so each step runs whatever the others did and one assertion names everything that went wrong.
    /// </summary>
    private async ValueTask DisposeCoreAsync(bool checkBuffers)
    {
        var problems = new List<string>();
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
                try
                {
                    await server.DisposeAsync();
                }
                catch (Exception e)
                {
                    problems.Add($"stopping {node} threw {e.GetType().Name}: {e.Message}");
                }
            }
        }

        if (_etcd is not null)
        {
            try
            {
                await _etcd.DisposeAsync();
            }
            catch (Exception e)
            {
                problems.Add($"stopping etcd threw {e.GetType().Name}: {e.Message}");
            }

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
            problems.AddRange(_buffers.SelectMany(b => b.Value.Check(expectAllReturned: true).Select(p => $"{b.Key}: {p}")).Take(5));
        }

        Assert.True(problems.Count == 0, $"Stopping the cluster found {problems.Count} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }
}
