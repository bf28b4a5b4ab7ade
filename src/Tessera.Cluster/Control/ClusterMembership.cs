using System.Collections.Immutable;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tessera.Cluster.Control;

/// <summary>
/// Cluster membership on etcd. A node <see cref="RegisterAsync">registers</see> its <see cref="NodeRecord"/> at
/// <c>/tessera/nodes/&lt;id&gt;</c> under a lease it renews every TTL/3; when the lease is lost (the node was cut
/// off for a TTL) it grants a new one and registers again. <see cref="DisposeAsync"/> revokes the lease, so a clean
/// leave shows at once, while a crashed node disappears when its lease runs out. Any instance can
/// <see cref="StartWatchingAsync">watch</see> the members: <see cref="Nodes"/> is then the list as of <see cref="Revision"/>.
/// </summary>
public sealed class ClusterMembership : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly EtcdClient _client;
    private readonly ControlPlaneOptions _options;
    private readonly EtcdKeys _keys;
    private readonly ILogger _logger;
    private readonly PrefixWatch<ImmutableDictionary<string, NodeRecord>> _watch;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private NodeRecord? _node;
    private LeaseKeeper? _lease;
    private Task _renewal = Task.CompletedTask;
    private int _registrations;
    private bool _watching;

    /// <summary>Creates the membership over <paramref name="client"/>; it neither registers nor watches until asked.</summary>
    /// <param name="client">The etcd client (not disposed here).</param>
    /// <param name="options">Key prefix, lease TTL and request timeout; defaults when null.</param>
    /// <param name="logger">Where lease losses and watch failures are logged.</param>
    public ClusterMembership(EtcdClient client, ControlPlaneOptions? options = null, ILogger<ClusterMembership>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? new ControlPlaneOptions();
        _options.Validate();
        _client = client;
        _keys = new EtcdKeys(_options.KeyPrefix);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _watch = new(client, _keys.NodesPrefix, ImmutableDictionary<string, NodeRecord>.Empty.WithComparers(StringComparer.Ordinal), Fold, _options.RequestTimeout, _logger);
        _watch.Changed += (_, _) => Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Raised (on a pool thread) after <see cref="Nodes"/> changes.</summary>
    public event EventHandler? Changed;

    /// <summary>The registered nodes by id, as of <see cref="Revision"/> (empty until <see cref="StartWatchingAsync"/>).</summary>
    public IReadOnlyDictionary<string, NodeRecord> Nodes => _watch.Current.State;

    /// <summary>The etcd revision <see cref="Nodes"/> reflects: every change up to it is included, none after it.</summary>
    public long Revision => _watch.Current.Revision;

    /// <summary>The lease this node's record lives under (0 when not registered).</summary>
    public long LeaseId => Volatile.Read(ref _lease)?.Id ?? 0;

    /// <summary>How many times this node's record was put: 1 after registering, one more per lease lost and re-granted.</summary>
    public int Registrations => Volatile.Read(ref _registrations);

    /// <summary>How many times the watch was re-established after a failure.</summary>
    public int WatchReconnects => _watch.Reconnects;

    /// <summary>
    /// Registers <paramref name="node"/> under a new lease and keeps it registered until disposed. Returns once the
    /// record is in etcd; etcd failures (a leader election drops proposals, a member is down) are logged and retried
    /// until <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="InvalidOperationException">This instance already registered a node.</exception>
    public async Task RegisterAsync(NodeRecord node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        EtcdKeys.CheckId(node.NodeId, nameof(node));
        lock (_lock)
        {
            if (_node is not null)
            {
                throw new InvalidOperationException("This membership already registered node " + _node.NodeId + ".");
            }

            _node = node;
        }

        while (true)
        {
            try
            {
                Volatile.Write(ref _lease, await PutUnderNewLeaseAsync(node, cancellationToken).ConfigureAwait(false));
                break;
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, cancellationToken))
            {
                ControlLog.RegisterFailed(_logger, node.NodeId, e);
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }

        _renewal = Task.Run(() => KeepRegisteredAsync(node, _stop.Token), CancellationToken.None);
    }

    /// <summary>Loads the current members and keeps <see cref="Nodes"/> up to date from then on (the load is retried until <paramref name="cancellationToken"/> fires).</summary>
    public Task StartWatchingAsync(CancellationToken cancellationToken = default)
    {
        _watching = true;
        return _watch.StartAsync(cancellationToken);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for <see cref="Nodes"/> and returns the nodes it held for.</summary>
    public async Task<IReadOnlyDictionary<string, NodeRecord>> WaitForAsync(Func<IReadOnlyDictionary<string, NodeRecord>, bool> condition, CancellationToken cancellationToken = default) =>
        await _watch.WaitForAsync(condition, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Stops renewing without revoking, as if the process were SIGKILLed: the record stays until the lease runs out.
    /// For tests of crash detection.
    /// </summary>
    internal void SimulateCrash()
    {
        _stop.Cancel();
        Volatile.Read(ref _lease)?.Abandon();
    }

    /// <summary>Leaves cleanly: stops the keep-alives and revokes the lease (the record vanishes at once), and stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        if (Volatile.Read(ref _lease) is { } lease)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }

        if (_watching)
        {
            await _watch.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task KeepRegisteredAsync(NodeRecord node, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var lease = Volatile.Read(ref _lease)!;
            string reason;
            try
            {
                reason = await lease.Lost.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            ControlLog.LeaseLost(_logger, lease.Id, "node " + node.NodeId, reason);
            await lease.DisposeAsync().ConfigureAwait(false);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    Volatile.Write(ref _lease, await PutUnderNewLeaseAsync(node, stop).ConfigureAwait(false));
                    break;
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (EtcdErrors.IsTransient(e, stop) || e is InvalidOperationException)
                {
                    ControlLog.RegisterFailed(_logger, node.NodeId, e);
                    try
                    {
                        await Task.Delay(RetryDelay, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
    }

    private async Task<LeaseKeeper> PutUnderNewLeaseAsync(NodeRecord node, CancellationToken cancellationToken)
    {
        var lease = await LeaseKeeper.GrantAsync(_client, _options.LeaseTtl, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            var put = new PutRequest
            {
                Key = EtcdKeys.Bytes(_keys.Node(node.NodeId)),
                Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(node, ControlJsonContext.Default.NodeRecord)),
                Lease = lease.Id,
            };
            await _client.PutAsync(put, deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Interlocked.Increment(ref _registrations);
        ControlLog.Registered(_logger, node.NodeId, lease.Id, (long)lease.Ttl.TotalSeconds);
        return lease;
    }

    private static ImmutableDictionary<string, NodeRecord> Fold(ImmutableDictionary<string, NodeRecord> nodes, string id, ByteString? value)
    {
        if (value is null)
        {
            return nodes.Remove(id);
        }

        try
        {
            var node = JsonSerializer.Deserialize(value.Span, ControlJsonContext.Default.NodeRecord);
            return node is null ? nodes.Remove(id) : nodes.SetItem(id, node);
        }
        catch (JsonException)
        {
            // A record this version cannot read (written by hand or by a newer, incompatible node): leave it out.
            return nodes.Remove(id);
        }
    }
}
