using dotnet_etcd;
using Tessera.Cluster.Control;
using Tessera.Cluster.Storage;
using Tessera.Storage;

namespace Tessera.Server;

/// <summary>
/// This process as a node of a cluster (<c>--etcd</c>): it registers itself and its disks in etcd under a lease, and
/// keeps the erasure set's disks equal to every registered node's disks (its own as <see cref="LocalDisk"/>, the
/// others' as <see cref="RemoteDisk"/> on their storage ports), adding a node's disks as it joins.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private readonly ClusterMembership _membership;
    private readonly HttpClient _http = RemoteDisk.CreateClient();
    private readonly ClusterAuthenticator _authenticator;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _misses = new(StringComparer.Ordinal);
    private HashSet<string> _unreachable = new(StringComparer.Ordinal);
    private Task _probing = Task.CompletedTask;
    private ErasureSet? _set;

    private ClusterNode(string nodeId, EtcdClient etcd, ClusterMembership membership, ClusterAuthenticator authenticator)
    {
        NodeId = nodeId;
        _etcd = etcd;
        _membership = membership;
        _authenticator = authenticator;
        _membership.Changed += (_, _) => Refresh();
    }

    /// <summary>This node's id.</summary>
    public string NodeId { get; }

    /// <summary>The etcd client of the control plane.</summary>
    public EtcdClient Etcd => _etcd;

    /// <summary>The control plane's settings (key prefix, lease TTL).</summary>
    public ControlPlaneOptions Control { get; private init; } = new();

    private ReachabilityReports _reports = null!;

    /// <summary>The registered nodes, as last seen.</summary>
    public IReadOnlyDictionary<string, NodeRecord> Nodes => _membership.Nodes;

    /// <summary>The client remote disks and the remote index share.</summary>
    public HttpClient Http => _http;

    /// <summary>Signs this node's requests to the others.</summary>
    public ClusterAuthenticator Authenticator => _authenticator;

    /// <summary>
    /// Joins the cluster: registers this node with <paramref name="local"/> disks and its endpoints, then waits until
    /// the registered disks can hold every one of <paramref name="policies"/> (every node of a new cluster waits for the others).
    /// </summary>
    public static async Task<ClusterNode> JoinAsync(
        ServerOptions options,
        string nodeId,
        Uri s3Endpoint,
        Uri storageEndpoint,
        IReadOnlyList<LocalDisk> local,
        IEnumerable<ErasurePolicy> policies,
        CancellationToken cancellationToken)
    {
        var etcd = new EtcdClient(options.Etcd!);
        var control = new ControlPlaneOptions { LeaseTtl = TimeSpan.FromSeconds(options.LeaseTtl) };
        var membership = new ClusterMembership(etcd, control);
        var node = new ClusterNode(nodeId, etcd, membership, new ClusterAuthenticator(nodeId, options.ClusterSecret!)) { Control = control, _reports = new ReachabilityReports(etcd, control) };
        try
        {
            await membership.StartWatchingAsync(cancellationToken).ConfigureAwait(false);
            await membership.RegisterAsync(
                new NodeRecord
                {
                    NodeId = nodeId,
                    S3Endpoint = s3Endpoint.ToString(),
                    StorageEndpoint = storageEndpoint.ToString(),
                    Disks = [.. local.Select(d => new NodeDisk
                    {
                        DiskId = d.Id,
                        Zone = d.Labels.Zone,
                        Rack = d.Labels.Rack,
                        Weight = d.Weight,
                        CapacityBytes = Capacity(d.Root),
                    })],
                    StartedAt = DateTimeOffset.UtcNow,
                    Version = typeof(ClusterNode).Assembly.GetName().Version?.ToString() ?? "",
                },
                cancellationToken).ConfigureAwait(false);

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(options.ClusterWait));
            try
            {
                await membership.WaitForAsync(
                    nodes => ErasureSet.CanHold(nodes.Values.SelectMany(n => n.Disks.Select(d => (IDisk)node.Remote(n, d))).ToList(), policies)
                        && (options.IndexNode is null || nodes.ContainsKey(options.IndexNode)),
                    wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ArgumentException(
                    $"After {options.ClusterWait} s the cluster's {membership.Nodes.Count} registered nodes ({string.Join(", ", membership.Nodes.Keys)}) cannot hold the erasure policy"
                    + (options.IndexNode is null ? "" : $" or the index node '{options.IndexNode}' has not registered") + ".");
            }

            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The other nodes' disks as remote disks, marking them known (the set is built with them).</summary>
    public IReadOnlyList<IDisk> RemoteDisks()
    {
        lock (_lock)
        {
            var disks = new List<IDisk>();
            foreach (var node in _membership.Nodes.Values.Where(n => n.NodeId != NodeId))
            {
                foreach (var disk in node.Disks)
                {
                    if (_known.Add(disk.DiskId))
                    {
                        disks.Add(Remote(node, disk));
                    }
                }
            }

            return disks;
        }
    }

    /// <summary>Binds the set the node's disks go into; nodes that join later are added to it.</summary>
    public void Attach(ErasureSet set)
    {
        _set = set;
        Refresh();
        _probing = Task.Run(() => ProbeAsync(_stop.Token));
    }

    /// <summary>How often this node checks that it reaches the other nodes' storage ports.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The nodes this node cannot reach on their storage port although they are registered.</summary>
    public IReadOnlyCollection<string> Unreachable
    {
        get
        {
            lock (_lock)
            {
                return [.. _unreachable];
            }
        }
    }

    /// <summary>
    /// Every <see cref="ProbeInterval"/>, probes one disk of each other node over its storage port. A node that does not
    /// answer (its storage port cut while its etcd lease lives on, say) leaves this node's placement like a node whose
    /// lease lapsed, until it answers again: writes go on over the others. Only placement: declaring its disks failed
    /// stays the index node's call, after the down-out interval.
    /// </summary>
    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ProbeInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_set is not { } set)
            {
                continue;
            }

            var probes = set.Disks.OfType<RemoteDisk>().GroupBy(d => d.Labels.Node)
                .Select(g => Task.Run(() => (Node: g.Key, Reached: g.First().Probe() != DiskProbe.Failed), cancellationToken))
                .ToList();
            var results = await Task.WhenAll(probes).ConfigureAwait(false);
            bool changed;
            lock (_lock)
            {
                // Three failed probes in a row (a node only slow under load answers one of them): out of placement;
                // one answer: back in.
                foreach (var (node, reached) in results)
                {
                    _misses[node] = reached ? 0 : _misses.GetValueOrDefault(node) + 1;
                }

                var unreachable = results.Where(r => _misses[r.Node] >= UnreachableAfterMisses).Select(r => r.Node).ToHashSet(StringComparer.Ordinal);
                changed = !unreachable.SetEquals(_unreachable);
                _unreachable = unreachable;
            }

            if (changed)
            {
                Refresh();
            }

            if (changed || !_reported)
            {
                _reported = await ReportAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private bool _reported;

    /// <summary>Failed probes in a row after which a node leaves placement (a node only slow under load answers one of them).</summary>
    private const int UnreachableAfterMisses = 3;

    /// <summary>
    /// Writes the nodes this node cannot reach to its reachability report (at its first probe round too, replacing a
    /// report left by its last run); false when etcd did not take it (tried again next round).
    /// </summary>
    private async Task<bool> ReportAsync(CancellationToken cancellationToken)
    {
        string[] unreachable;
        lock (_lock)
        {
            unreachable = [.. _unreachable];
        }

        try
        {
            await _reports.PublishAsync(NodeId, unreachable, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The registered nodes that most of the other registered nodes report they cannot reach (<see cref="ReachabilityReports"/>).</summary>
    public Task<IReadOnlySet<string>> ReadReportedDownAsync(CancellationToken cancellationToken) =>
        _reports.ReadDownAsync([.. _membership.Nodes.Keys], cancellationToken);

    /// <summary>
    /// Hands a segment to the repair queue of <paramref name="indexNode"/> (<see cref="StoragePort.RepairPath"/>). Best
    /// effort: when that node cannot be reached, its scrub and sweeps find the segment later.
    /// </summary>
    public async Task QueueRepairAsync(string indexNode, Guid segment, int redundancy, IReadOnlyCollection<int> corrupt, CancellationToken cancellationToken)
    {
        if (StorageEndpointOf(indexNode) is not { } endpoint)
        {
            return;
        }

        var path = StoragePort.RepairPath + segment.ToString("N") + "?redundancy=" + redundancy.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + (corrupt.Count > 0 ? "&corrupt=" + string.Join(',', corrupt) : "");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path));
        request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, _authenticator.Sign("POST", request.RequestUri!.PathAndQuery));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await _http.SendAsync(request, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            // Unreachable: the index node's scrub and sweeps find the segment.
        }
    }

    /// <summary>
    /// Sends the admin request <paramref name="http"/> to <paramref name="coordinator"/>'s storage port (path
    /// <paramref name="path"/> under <c>/_tessera/</c>, the same query, signed with the cluster secret) and copies its
    /// answer into <paramref name="http"/>'s response. False when the coordinator could not be reached.
    /// </summary>
    public async Task<bool> ForwardAdminAsync(HttpContext http, string coordinator, string path)
    {
        if (StorageEndpointOf(coordinator) is not { } endpoint)
        {
            return false;
        }

        var method = http.Request.Method;
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(endpoint, "/_tessera/" + path + http.Request.QueryString.ToUriComponent()));
        request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, _authenticator.Sign(method, request.RequestUri!.PathAndQuery));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        limit.CancelAfter(HttpMethods.IsGet(method) ? TimeSpan.FromSeconds(15) : TimeSpan.FromMinutes(5)); // A POST may sweep the index.
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            http.Response.StatusCode = (int)response.StatusCode;
            http.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(http.Response.Body, limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !http.Response.HasStarted)
        {
            return false;
        }
    }

    /// <summary>The storage endpoint of a registered node, or null.</summary>
    public Uri? StorageEndpointOf(string nodeId) =>
        _membership.Nodes.TryGetValue(nodeId, out var node) ? new Uri(node.StorageEndpoint) : null;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _probing.ConfigureAwait(false);
        await _membership.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _etcd.Dispose();
        _http.Dispose();
    }

    /// <summary>Raised when disks this node had not seen joined (a node added to the cluster).</summary>
    public event Action? NodesJoined;

    /// <summary>Raised when a node's disks came back into placement (its registration is there again).</summary>
    public event Action? NodesReturned;

    /// <summary>
    /// Raised with a node's disks when that node started again (its record carries a new start time): its disks may have
    /// lost files meanwhile (a wiped or replaced node formats blank disks at start), so the index node checks them.
    /// </summary>
    public event Action<IReadOnlyList<string>>? NodeRestarted;

    private readonly Dictionary<string, DateTimeOffset> _started = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _endpoints = new(StringComparer.Ordinal);

    private void Refresh()
    {
        if (_set is not { } set)
        {
            return;
        }

        var joined = false;
        foreach (var disk in RemoteDisks())
        {
            if (set.KnownDisk(disk.Id) is null)
            {
                set.AddDisk(disk);
                joined = true;
            }
        }

        if (joined)
        {
            NodesJoined?.Invoke();
        }

        // A node that came back on another storage address (its record changed) is reached there.
        var nodes = _membership.Nodes;
        List<NodeRecord> moved;
        lock (_lock)
        {
            moved = [.. nodes.Values.Where(n => _endpoints.TryGetValue(n.NodeId, out var seen) && !string.Equals(seen, n.StorageEndpoint, StringComparison.Ordinal))];
            foreach (var node in nodes.Values)
            {
                _endpoints[node.NodeId] = node.StorageEndpoint;
            }
        }

        foreach (var disk in set.Disks.OfType<RemoteDisk>())
        {
            if (moved.FirstOrDefault(n => n.NodeId == disk.Labels.Node) is { } node)
            {
                disk.Retarget(new Uri(node.StorageEndpoint));
            }
        }

        // A node whose registration lapsed (dead, or cut off from etcd), or whose storage port this node cannot reach,
        // leaves placement until it is back.
        HashSet<string> unreachable;
        lock (_lock)
        {
            unreachable = _unreachable;
        }

        var absent = set.Disks.OfType<RemoteDisk>().Where(d => !nodes.ContainsKey(d.Labels.Node) || unreachable.Contains(d.Labels.Node)).Select(d => d.Id).ToList();
        var before = set.Absent;
        if (set.SetAbsent(absent) && before.Any(id => !absent.Contains(id)))
        {
            NodesReturned?.Invoke();
        }

        List<NodeRecord> restarted;
        lock (_lock)
        {
            restarted = [.. nodes.Values.Where(n => n.NodeId != NodeId && _started.TryGetValue(n.NodeId, out var at) && at != n.StartedAt)];
            foreach (var node in nodes.Values)
            {
                _started[node.NodeId] = node.StartedAt;
            }
        }

        foreach (var node in restarted)
        {
            NodeRestarted?.Invoke([.. node.Disks.Select(d => d.DiskId)]);
        }
    }

    private RemoteDisk Remote(NodeRecord node, NodeDisk disk)
    {
        var (id, labels) = Labels(node, disk);
        var remote = new RemoteDisk(id, labels, disk.Weight, new Uri(node.StorageEndpoint), _http, _authenticator);
        remote.WriteTimedOut += OnWriteTimedOut;
        return remote;
    }

    /// <summary>
    /// A fragment write to <paramref name="disk"/>'s node timed out: the node leaves this node's placement now, as if
    /// its probes had failed three times (the next probe it answers brings it back), so that the writes after this one
    /// go over the others instead of each waiting out the write timeout on it.
    /// </summary>
    private void OnWriteTimedOut(RemoteDisk disk)
    {
        var node = disk.Labels.Node;
        lock (_lock)
        {
            _misses[node] = Math.Max(_misses.GetValueOrDefault(node), UnreachableAfterMisses);
            if (_unreachable.Contains(node))
            {
                return;
            }

            _unreachable = [.. _unreachable, node];
            _reported = false;
        }

        Refresh();
    }

    private static (string Id, DiskLabels Labels) Labels(NodeRecord node, NodeDisk disk) =>
        (disk.DiskId, new DiskLabels(disk.Zone.Length > 0 ? disk.Zone : disk.DiskId, disk.Rack.Length > 0 ? disk.Rack : disk.DiskId, node.NodeId));

    private static long Capacity(string path)
    {
        try
        {
            return new DriveInfo(path).TotalSize;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
