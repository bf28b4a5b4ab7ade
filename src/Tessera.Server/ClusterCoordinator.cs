using Tessera.Cluster.Control;
using Tessera.Store;
using Tessera.Store.Maintenance;
using ControlDiskState = Tessera.Cluster.Control.DiskState;
using DiskState = Tessera.Storage.DiskState;

namespace Tessera.Server;

/// <summary>
/// This node's part in coordinating the cluster. Every node campaigns in the etcd election
/// (<see cref="CoordinatorElection"/>); the winner runs the disk monitor (down-out decisions) and the repair queue for
/// every disk of the cluster, and is the only writer of the disks' states in the topology map in etcd
/// (<see cref="Tessera.Cluster.Control.TopologyStore"/>), every write fenced by its election's revision. The other nodes
/// apply the map as it changes, hand the repair work they find (degraded writes, damaged reads, their own scrubs) to
/// the coordinator, and forward admin operations to it.
/// </summary>
/// <remarks>
/// A new coordinator adopts the map as etcd has it (disks failed there are treated as failed by its own monitor, so
/// one that comes back healthy is active again), then sweeps the whole index: the repair queue lives in memory, so
/// what the last coordinator had queued is found again.
/// </remarks>
internal sealed class ClusterCoordinator : IAsyncDisposable
{
    private readonly ClusterNode _node;
    private readonly CoordinatorElection _election;
    private readonly Tessera.Cluster.Control.TopologyStore _topology;
    private readonly StoreServices _store;
    private readonly Repairer _repairer;
    private readonly DiskMonitor _monitor;
    private readonly TimeSpan _diskCheck;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _publishLock = new();
    private Dictionary<string, ControlDiskState> _published = new(StringComparer.Ordinal);
    private Task _leading = Task.CompletedTask;
    private Task _tracking = Task.CompletedTask;
    private long _token;
    private string? _coordinator;

    private ClusterCoordinator(ClusterNode node, StoreServices store, Repairer repairer, DiskMonitor monitor, TimeSpan diskCheck, ILoggerFactory loggers)
    {
        _node = node;
        _store = store;
        _repairer = repairer;
        _monitor = monitor;
        _diskCheck = diskCheck;
        _election = new CoordinatorElection(node.Etcd, node.NodeId, node.Control, loggers.CreateLogger<CoordinatorElection>());
        _topology = new Tessera.Cluster.Control.TopologyStore(node.Etcd, node.Control, loggers.CreateLogger<Tessera.Cluster.Control.TopologyStore>());
    }

    /// <summary>This node's id.</summary>
    public string NodeId => _node.NodeId;

    /// <summary>Whether this node coordinates the cluster now (its fencing token is held).</summary>
    public bool IsCoordinator => Interlocked.Read(ref _token) != 0;

    /// <summary>The coordinator's node id as last seen (this node's when it coordinates), or null when there is none.</summary>
    public string? Coordinator => IsCoordinator ? NodeId : Volatile.Read(ref _coordinator);

    /// <summary>The fencing token of this node's term as coordinator; 0 when it does not coordinate.</summary>
    public long FencingToken => Interlocked.Read(ref _token);

    /// <summary>Raised (on a pool thread) when this node starts coordinating, after it adopted the topology map.</summary>
    public event Action? BecameCoordinator;

    /// <summary>The cancellation of the current term: fires when this node stops coordinating (or shuts down).</summary>
    public CancellationToken Term { get; private set; } = new(canceled: true);

    /// <summary>
    /// Loads the topology map and applies it to this node's erasure set, starts following it, and campaigns. The disk
    /// monitor and the repairer run only while this node coordinates.
    /// </summary>
    public static async Task<ClusterCoordinator> StartAsync(
        ClusterNode node, StoreServices store, Repairer repairer, DiskMonitor monitor, TimeSpan diskCheck, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var coordinator = new ClusterCoordinator(node, store, repairer, monitor, diskCheck, loggers);
        try
        {
            await coordinator._topology.StartWatchingAsync(cancellationToken).ConfigureAwait(false);
            coordinator.Apply(coordinator._topology.Current);
            coordinator._topology.Changed += (_, _) =>
            {
                if (!coordinator.IsCoordinator)
                {
                    coordinator.Apply(coordinator._topology.Current);
                }
            };

            // Work found here goes to the coordinator's queue; to this queue while this node is the coordinator.
            store.Repairs.Forward = coordinator.Forward;
            coordinator._election.Start();
            coordinator._leading = Task.Run(() => coordinator.LeadAsync(coordinator._stop.Token), CancellationToken.None);
            coordinator._tracking = Task.Run(() => coordinator.TrackAsync(coordinator._stop.Token), CancellationToken.None);
            return coordinator;
        }
        catch
        {
            await coordinator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes the disk states of this node's erasure set that differ from the map to etcd, fenced by this node's term.
    /// Returns false, changing nothing, when this node does not coordinate (or was deposed: the map is then applied
    /// back). Called after the disk monitor or an operator changed a state here.
    /// </summary>
    public bool Publish()
    {
        var token = FencingToken;
        if (token == 0)
        {
            return false;
        }

        lock (_publishLock)
        {
            var set = _store.Storage;
            var changes = set.Disks
                .Select(d => (Disk: d, State: ToControl(set.StateOf(d.Id))))
                .Where(c => _published.GetValueOrDefault(c.Disk.Id, ControlDiskState.Active) != c.State)
                .Select(c => new DiskChange(c.Disk.Id, c.State, c.Disk.Labels.Node))
                .ToList();
            foreach (var chunk in changes.Chunk(Tessera.Cluster.Control.TopologyStore.MaxChangesPerCommit))
            {
                bool committed;
                try
                {
                    committed = _topology.ChangeAsync(token, chunk, _stop.Token).GetAwaiter().GetResult();
                }
                catch (Grpc.Core.RpcException e)
                {
                    // etcd did not answer (or the commit's fate is unknown): the states stay changed here and the
                    // difference is published again within a second (FollowReportsAsync), as a Txn that sets the same
                    // values is harmless if the first one did commit.
                    LogMessages.TopologyPublishFailed(_store.Logger, e);
                    return false;
                }

                if (!committed)
                {
                    // Deposed: another node coordinates. Its map is the truth.
                    Interlocked.CompareExchange(ref _token, 0, token);
                    Apply(_topology.Current);
                    return false;
                }

                foreach (var change in chunk)
                {
                    _published[change.DiskId] = change.State;
                }
            }

            return true;
        }
    }

    /// <summary>Hands repair work to the coordinator (this node's own queue when it is the coordinator).</summary>
    private void Forward(Guid segment, int redundancy, IReadOnlyCollection<int> corrupt)
    {
        var coordinator = Coordinator;
        if (coordinator is null || coordinator == NodeId)
        {
            _store.Repairs.EnqueueHere(segment, redundancy, corrupt);
        }
        else
        {
            _ = _node.QueueRepairAsync(coordinator, segment, redundancy, corrupt, _stop.Token);
        }
    }

    /// <summary>Each time this node wins the election: adopt the map, run the monitor and the repairer until the term ends.</summary>
    private async Task LeadAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            long token;
            try
            {
                token = await _election.WaitForLeadershipAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using var term = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var work = new List<Task>();
            try
            {
                var map = await _topology.ReadAsync(stop).ConfigureAwait(false);
                lock (_publishLock)
                {
                    Apply(map);
                    _published = map.Disks.ToDictionary(d => d.Key, d => d.Value.State, StringComparer.Ordinal);
                    _monitor.Adopt(map.Disks.Where(d => d.Value.State == ControlDiskState.Failed).Select(d => d.Key));
                    Term = term.Token;
                    Interlocked.Exchange(ref _token, token);
                    Volatile.Write(ref _coordinator, NodeId);
                }

                work.Add(_repairer.RunAsync(term.Token));
                work.Add(FollowReportsAsync(term.Token));
                if (_diskCheck > TimeSpan.Zero)
                {
                    work.Add(_monitor.RunAsync(_diskCheck, term.Token));
                }

                BecameCoordinator?.Invoke();
                await _election.WaitForLossAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                // Any failure (etcd, a map it cannot read): a node that holds the election key but does not coordinate
                // would leave the cluster without a coordinator, so stand down and campaign again.
                LogMessages.CoordinatorTermFailed(_store.Logger, e);
                try
                {
                    await _election.ResignAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Grpc.Core.RpcException)
                {
                    // etcd unreachable: the key goes with the lease's TTL instead.
                }

                _election.Start();
            }
            finally
            {
                Interlocked.Exchange(ref _token, 0);
                await term.CancelAsync().ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(work).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>
    /// Resigns (another node takes over at once) and campaigns again after <paramref name="pause"/>: an operator moving
    /// the coordinator off a node, and tests choosing which node coordinates.
    /// </summary>
    public async Task StepDownAsync(TimeSpan pause, CancellationToken cancellationToken)
    {
        await _election.ResignAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        _election.Start();
    }

    /// <summary>
    /// While coordinating: reads the nodes' reachability reports every second, so the disk monitor counts a node most of
    /// the others cannot reach as failing its probes (<see cref="DiskMonitor.ReportedDown"/>), this node included; and
    /// publishes again any disk state etcd did not take.
    /// </summary>
    private async Task FollowReportsAsync(CancellationToken term)
    {
        IReadOnlySet<string> down = new HashSet<string>(StringComparer.Ordinal);
        _monitor.ReportedDown = disk => Volatile.Read(ref down).Contains(disk.Labels.Node);
        try
        {
            while (!term.IsCancellationRequested)
            {
                try
                {
                    Volatile.Write(ref down, await _node.ReadReportedDownAsync(term).ConfigureAwait(false));

                    // A state change whose publication etcd did not take is published again.
                    Publish();
                }
                catch (Grpc.Core.RpcException)
                {
                    // etcd unreachable for now: keep the last reports.
                }

                await Task.Delay(TimeSpan.FromSeconds(1), term).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _monitor.ReportedDown = null;
        }
    }

    /// <summary>Keeps <see cref="Coordinator"/> current while this node does not coordinate (a read every second).</summary>
    private async Task TrackAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!IsCoordinator)
                {
                    Volatile.Write(ref _coordinator, await _election.ReadCoordinatorAsync(stop).ConfigureAwait(false));
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                // etcd unreachable for now (or a client failure of another kind): keep the last coordinator seen and
                // read again in a second; this loop must never end while the node runs, or its view would freeze.
                LogMessages.CoordinatorReadFailed(_store.Logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Makes this node's erasure set follow <paramref name="map"/> (a disk it does not name is active).</summary>
    private void Apply(TopologySnapshot map)
    {
        var states = map.Disks.ToDictionary(d => d.Key, d => FromControl(d.Value.State), StringComparer.Ordinal);
        if (_store.Storage.ApplyStates(states) && IsCoordinator)
        {
            _repairer.RetryWaiting();
        }
    }

    private static ControlDiskState ToControl(DiskState state) => state switch
    {
        DiskState.Draining => ControlDiskState.Draining,
        DiskState.Failed => ControlDiskState.Failed,
        _ => ControlDiskState.Active,
    };

    private static DiskState FromControl(ControlDiskState state) => state switch
    {
        ControlDiskState.Draining => DiskState.Draining,
        ControlDiskState.Failed or ControlDiskState.Removed => DiskState.Failed,
        _ => DiskState.Active,
    };

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _leading.ConfigureAwait(false);
        await _tracking.ConfigureAwait(false);
        await _election.DisposeAsync().ConfigureAwait(false);
        await _topology.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
