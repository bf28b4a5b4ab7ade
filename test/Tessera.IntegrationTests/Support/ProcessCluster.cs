using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Tessera.Server;
using Tessera.Tests;

namespace Tessera.IntegrationTests;

/// <summary>
/// A cluster of real processes for fault tests: a 3-member <see cref="EtcdCluster"/> and three <c>tessera server</c>
/// executables n1..n3 (<see cref="ServerProcess"/>), each with four disk directories, RS(4,2) over nodes with 16 KiB shards, n1 holding the
/// index and running the maintenance. Etcd member i - 1 counts as node i's (on the same machine). A node is SIGKILLed
/// for real and started again over its directories on the same S3 and storage ports. Everything still running is
/// SIGKILLed on dispose (and on process exit, by <see cref="ServerProcess"/> and <see cref="EtcdCluster"/>). On a
/// <see cref="NamespaceNetwork"/>, each node runs in its own network namespace on its address there and etcd listens
/// on the bridge too; the network is the caller's to dispose, after the cluster.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    public const string IndexNode = "n1";
    public const string Secret = "cluster-fault-secret-0042";
    public const int DisksPerNode = 4;

    /// <summary>16 KiB shards: the objects of the fault tests (1–300 KiB) are one to five stripes.</summary>
    public const int ShardSize = 16 * 1024;

    /// <summary>Objects up to this size are stored as three copies (RS(1,2)), not coded: as much space as RS(4,2) takes.</summary>
    public const int CopiesLimit = 11_240;

    private readonly Dictionary<string, ServerProcess?> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int S3, int Storage)> _ports = new(StringComparer.Ordinal);
    private readonly int _leaseTtl;
    private readonly NamespaceNetwork? _network;
    private readonly Func<string, IReadOnlyDictionary<string, string>>? _settings;

    private ProcessCluster(EtcdCluster etcd, int leaseTtl, NamespaceNetwork? network, Func<string, IReadOnlyDictionary<string, string>>? settings)
    {
        Etcd = etcd;
        _leaseTtl = leaseTtl;
        _network = network;
        _settings = settings;
        foreach (var node in NodeIds)
        {
            _servers[node] = null;
            _ports[node] = (ServerProcess.FreePort(), ServerProcess.FreePort());
        }
    }

    /// <summary>The node ids, index node first.</summary>
    public IReadOnlyList<string> NodeIds { get; } = ["n1", "n2", "n3"];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tessera-fault-" + Guid.NewGuid().ToString("N")[..10]);

    public EtcdCluster Etcd { get; }

    /// <summary>
    /// Starts etcd and the three nodes (concurrently: each waits in its start for the others' disks), on loopback or in
    /// the namespaces of <paramref name="network"/>. <paramref name="settings"/> gives a node's server options that
    /// replace or add to the defaults (option name with its dashes → value).
    /// </summary>
    public static async Task<ProcessCluster> StartAsync(
        int leaseTtl, CancellationToken cancellationToken, NamespaceNetwork? network = null, Func<string, IReadOnlyDictionary<string, string>>? settings = null)
    {
        var etcd = await EtcdCluster.StartAsync(3, cancellationToken, network?.HostAddress);
        var cluster = new ProcessCluster(etcd, leaseTtl, network, settings);
        try
        {
            await Task.WhenAll(cluster.NodeIds.Select(cluster.StartNodeAsync));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The etcd member co-located with <paramref name="node"/> (n1 → 0).</summary>
    public static int MemberOf(string node) => int.Parse(node.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) - 1;

    /// <summary>The node co-located with etcd member <paramref name="member"/>.</summary>
    public static string NodeOfMember(int member) => "n" + (member + 1);

    public bool IsRunning(string node) => _servers[node] is not null;

    /// <summary>The S3 endpoint (gateway) of <paramref name="node"/>: the same across restarts.</summary>
    public Uri Endpoint(string node) => new($"http://{Host(node)}:{_ports[node].S3}");

    /// <summary>The port <paramref name="node"/> serves its disks on (<c>--storage-address</c>).</summary>
    public int StoragePort(string node) => _ports[node].Storage;

    /// <summary>The address <paramref name="node"/> listens on: loopback, or its address in its namespace.</summary>
    public string Host(string node) => _network?.AddressOf(node) ?? "127.0.0.1";

    /// <summary>The disk directories of <paramref name="node"/>, disk1 first.</summary>
    public IReadOnlyList<string> DiskPaths(string node) =>
        [.. Enumerable.Range(1, DisksPerNode).Select(d => Path.Combine(Directory, node, $"disk{d}"))];

    /// <summary>An S3 client of <paramref name="node"/>'s gateway at the SDK's defaults (root credentials); the caller disposes it.</summary>
    public AmazonS3Client CreateClient(string node) =>
        new(new BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = Endpoint(node).ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    /// <summary>SIGKILLs <paramref name="node"/>'s process: a crash, its lease lapses after the TTL.</summary>
    public void Kill(string node)
    {
        var server = _servers[node] ?? throw new InvalidOperationException($"Node {node} is not running.");
        _servers[node] = null;
        server.Kill();
        _ = server.DisposeAsync();
    }

    /// <summary>Starts <paramref name="node"/> again over its directories and waits until it answers /health/ready.</summary>
    public Task RestartAsync(string node) =>
        IsRunning(node) ? throw new InvalidOperationException($"Node {node} is running.") : StartNodeAsync(node);

    /// <summary>The last lines of <paramref name="node"/>'s output (empty while it is down).</summary>
    public string Tail(string node) => _servers[node]?.Tail() ?? "";

    /// <summary>Calls <paramref name="node"/>'s admin API; returns the HTTP status and the JSON body.</summary>
    public async Task<(int Status, JsonElement Body)> AdminAsync(string node, HttpMethod method, string operation, CancellationToken cancellationToken, params (string Key, string Value)[] query)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var client = new AdminClient(http, Endpoint(node), StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
        var (status, body) = await client.SendAsync(method, operation, query.Select(q => KeyValuePair.Create(q.Key, q.Value)), cancellationToken);
        using (body)
        {
            return (status, body.RootElement.Clone());
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in NodeIds)
        {
            if (_servers[node] is { } server)
            {
                _servers[node] = null;
                await server.DisposeAsync();
            }
        }

        await Etcd.DisposeAsync();
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
    }

    private async Task StartNodeAsync(string node)
    {
        var root = Path.Combine(Directory, node);
        System.IO.Directory.CreateDirectory(root);
        var (s3, storage) = _ports[node];
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--meta-dir"] = Path.Combine(root, "meta"),
            ["--node-id"] = node,
            ["--storage-address"] = $"{Host(node)}:{storage}",
            ["--etcd"] = _network is null ? Etcd.Endpoints : Etcd.EndpointsAt(_network.HostAddress),
            ["--cluster-secret"] = Secret,
            ["--index-node"] = IndexNode,
            ["--lease-ttl"] = _leaseTtl.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["--ec"] = "4+2@node",
            ["--shard-size"] = ShardSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["--disk-check-interval"] = "0",
            ["--scrub-interval"] = "0",
            ["--scrub-rate"] = "0",
            ["--snapshot-interval"] = "0",
            ["--repair-bandwidth"] = "0",
            ["--gc-grace"] = "3600",
        };
        foreach (var (option, value) in _settings?.Invoke(node) ?? new Dictionary<string, string>())
        {
            options[option] = value;
        }

        _servers[node] = await ServerProcess.StartAsync(
            _network?.Wrapper(node) ?? [],
            Host(node),
            Path.Combine(root, $"disk{{1...{DisksPerNode}}}"),
            s3,
            [.. options.SelectMany(o => new[] { o.Key, o.Value })]);
    }
}
