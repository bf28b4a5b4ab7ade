using dotnet_etcd;
using Etcdserverpb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tessera.Cluster.Control;

/// <summary>
/// Elects one coordinator among the nodes that campaign. A candidate holds a lease and runs one etcd Txn: if
/// <c>/tessera/coordinator</c> does not exist (create revision 0) put its node id there under its lease; otherwise it
/// watches the key until it is deleted (resigned, or the holder's lease ran out) and tries again. The winner's
/// <see cref="FencingToken"/> is the key's create revision: it grows with every election, and
/// <see cref="TopologyStore.ChangeAsync"/> commits only while the key still has that create revision, so a deposed
/// coordinator that has not noticed yet cannot change anything.
/// </summary>
/// <remarks>
/// Leadership is lost when the lease is lost (see <see cref="LeaseKeeper"/>: the local side gives up no later than
/// etcd expires it), when the key is deleted or recreated by someone else, or on <see cref="ResignAsync"/>. After a
/// loss other than resigning, the candidate campaigns again.
/// </remarks>
public sealed class CoordinatorElection : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly EtcdClient _client;
    private readonly ControlPlaneOptions _options;
    private readonly EtcdKeys _keys;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private CancellationTokenSource? _stop;
    private Task _campaign = Task.CompletedTask;
    private LeaseKeeper? _lease;
    private long _token;
    private TaskCompletionSource<long> _elected = NewSignal<long>();
    private TaskCompletionSource _deposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a candidate; it campaigns once <see cref="Start"/> is called.</summary>
    /// <param name="client">The etcd client (not disposed here).</param>
    /// <param name="nodeId">This node's id, written as the coordinator key's value.</param>
    /// <param name="options">Key prefix, lease TTL and request timeout; defaults when null.</param>
    /// <param name="logger">Where elections, losses and failures are logged.</param>
    public CoordinatorElection(EtcdClient client, string nodeId, ControlPlaneOptions? options = null, ILogger<CoordinatorElection>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        EtcdKeys.CheckId(nodeId, nameof(nodeId));
        _options = options ?? new ControlPlaneOptions();
        _options.Validate();
        _client = client;
        NodeId = nodeId;
        _keys = new EtcdKeys(_options.KeyPrefix);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Raised (on a pool thread) when this candidate becomes coordinator or stops being it.</summary>
    public event EventHandler? LeadershipChanged;

    /// <summary>This candidate's node id.</summary>
    public string NodeId { get; }

    /// <summary>Whether this candidate believes it is the coordinator (etcd has the final word: see <see cref="FencingToken"/>).</summary>
    public bool IsLeader => Interlocked.Read(ref _token) != 0;

    /// <summary>The create revision of the coordinator key this candidate wrote while it is leader; 0 otherwise.</summary>
    public long FencingToken => Interlocked.Read(ref _token);

    /// <summary>The lease of the current campaign (0 when none): what the coordinator key is attached to when leader.</summary>
    public long LeaseId => Volatile.Read(ref _lease)?.Id ?? 0;

    /// <summary>The node id the coordinator key names now (linearizable read), or null when there is no coordinator.</summary>
    public async Task<string?> ReadCoordinatorAsync(CancellationToken cancellationToken = default)
    {
        var response = await _client.GetAsync(new RangeRequest { Key = EtcdKeys.Bytes(_keys.Coordinator) }, deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : response.Kvs[0].Value.ToStringUtf8();
    }

    /// <summary>Starts campaigning in the background (again after <see cref="ResignAsync"/>); does nothing while campaigning.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_stop is not null)
            {
                return;
            }

            _stop = new CancellationTokenSource();
            var stop = _stop.Token;
            _campaign = Task.Run(() => CampaignAsync(stop), CancellationToken.None);
        }
    }

    /// <summary>Waits until this candidate is coordinator; returns its fencing token (at once when it already is).</summary>
    public Task<long> WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _token != 0 ? Task.FromResult(_token) : _elected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits until this candidate is not coordinator (at once when it is not).</summary>
    public Task WaitForLossAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return _token == 0 ? Task.CompletedTask : _deposed.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Stops campaigning; when coordinator, deletes the key (only if it is still this term's) so another candidate
    /// takes over at once, then revokes the lease.
    /// </summary>
    public async Task ResignAsync(CancellationToken cancellationToken = default)
    {
        var token = await StopAsync("resigned").ConfigureAwait(false);
        if (token != 0)
        {
            var delete = new TxnRequest();
            delete.Compare.Add(new Compare { Key = EtcdKeys.Bytes(_keys.Coordinator), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = token });
            delete.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdKeys.Bytes(_keys.Coordinator) } });
            await _client.TransactionAsync(delete, deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _lease, null) is { } lease)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops campaigning and renewing without deleting or revoking anything, as if the process were SIGKILLed: the
    /// key stays until the lease runs out. For tests of failover.
    /// </summary>
    internal async Task SimulateCrashAsync()
    {
        Volatile.Read(ref _lease)?.Abandon();
        await StopAsync("crashed (simulated)").ConfigureAwait(false);
        Interlocked.Exchange(ref _lease, null);
    }

    /// <summary>Resigns (best effort when etcd is unreachable: the lease then runs out on its own).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ResignAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            if (Interlocked.Exchange(ref _lease, null) is { } lease)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends the campaign loop and steps down locally; returns the token held (0 if none).</summary>
    private async Task<long> StopAsync(string reason)
    {
        CancellationTokenSource? stop;
        Task campaign;
        lock (_lock)
        {
            (stop, _stop) = (_stop, null);
            campaign = _campaign;
        }

        var token = FencingToken;
        if (stop is not null)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await campaign.ConfigureAwait(false);
            stop.Dispose();
        }

        return token == 0 ? 0 : Deposed(token, reason);
    }

    private async Task CampaignAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var lease = Volatile.Read(ref _lease);
                if (lease is null || lease.Lost.IsCompleted)
                {
                    if (lease is not null)
                    {
                        ControlLog.LeaseLost(_logger, lease.Id, "candidate " + NodeId, await lease.Lost.ConfigureAwait(false));
                        await lease.DisposeAsync().ConfigureAwait(false);
                    }

                    lease = await LeaseKeeper.GrantAsync(_client, _options.LeaseTtl, _options.RequestTimeout, stop).ConfigureAwait(false);
                    Volatile.Write(ref _lease, lease);
                }

                var (token, revision) = await TryWinAsync(lease, stop).ConfigureAwait(false);
                if (token == 0)
                {
                    // Someone else holds the key: wait for it to go (or for our lease to fail), then try again.
                    await WaitUntilGoneAsync(0, revision, lease, stop).ConfigureAwait(false);
                    continue;
                }

                Elected(token);
                var reason = await WaitUntilGoneAsync(token, revision, lease, stop).ConfigureAwait(false);
                if (!stop.IsCancellationRequested)
                {
                    Deposed(token, reason);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, stop) || e is InvalidOperationException)
            {
                if (FencingToken is var token and not 0)
                {
                    Deposed(token, "etcd failed: " + e.Message);
                }

                ControlLog.CampaignFailed(_logger, NodeId, e);
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

    /// <summary>The Txn: create the key if absent. Returns (fencing token or 0, the revision the answer reflects).</summary>
    private async Task<(long Token, long Revision)> TryWinAsync(LeaseKeeper lease, CancellationToken stop)
    {
        var key = EtcdKeys.Bytes(_keys.Coordinator);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = EtcdKeys.Bytes(NodeId), Lease = lease.Id } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
        var response = await _client.TransactionAsync(txn, deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: stop).ConfigureAwait(false);
        if (response.Succeeded)
        {
            // The put is the key's creation, at the Txn's revision.
            return (response.Header.Revision, response.Header.Revision);
        }

        var holder = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
        // A retried Txn whose first attempt did commit finds our own key: that is a win too.
        return holder is not null && holder.Lease == lease.Id ? (holder.CreateRevision, response.Header.Revision) : (0, response.Header.Revision);
    }

    /// <summary>
    /// Returns when the coordinator key no longer is the one with create revision <paramref name="token"/> (any key
    /// when 0: returns when the key is gone), or when <paramref name="lease"/> is lost; the reason as text.
    /// </summary>
    private async Task<string> WaitUntilGoneAsync(long token, long revision, LeaseKeeper lease, CancellationToken stop)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var gone = WatchKeyAsync(token, revision, watching.Token);
        var first = await Task.WhenAny(gone, lease.Lost).ConfigureAwait(false);
        await watching.CancelAsync().ConfigureAwait(false);
        try
        {
            await gone.ConfigureAwait(false);
        }
        catch (Exception) when (watching.IsCancellationRequested)
        {
            // Stopped by the cancel above; a failure of its own was already answered by a look with Get.
        }

        stop.ThrowIfCancellationRequested();
        return first == lease.Lost ? "lease lost: " + lease.Lost.Result : "the coordinator key was deleted or replaced";
    }

    private async Task WatchKeyAsync(long token, long revision, CancellationToken cancellationToken)
    {
        var key = _keys.Coordinator;
        var look = false;
        while (true)
        {
            try
            {
                if (look)
                {
                    // The watch broke: look again, then watch from there.
                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                    var now = await _client.GetAsync(new RangeRequest { Key = EtcdKeys.Bytes(key) }, deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (now.Kvs.Count == 0 || (token != 0 && now.Kvs[0].CreateRevision != token))
                    {
                        return;
                    }

                    revision = now.Header.Revision;
                }

                look = true;
                await foreach (var response in EtcdWatch.ReadAsync(_client, key, null, revision + 1, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var e in response.Events)
                    {
                        if (e.Type == Mvccpb.Event.Types.EventType.Delete || e.Kv.CreateRevision != token)
                        {
                            return;
                        }
                    }
                }
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, cancellationToken) || e is WatchCompactedException)
            {
            }
        }
    }

    private void Elected(long token)
    {
        TaskCompletionSource<long> elected;
        lock (_lock)
        {
            Interlocked.Exchange(ref _token, token);
            elected = _elected;
            _elected = NewSignal<long>();
        }

        ControlLog.BecameLeader(_logger, NodeId, token);
        elected.TrySetResult(token);
        LeadershipChanged?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Steps down from the term of <paramref name="token"/> if still in it; returns the token.</summary>
    private long Deposed(long token, string reason)
    {
        TaskCompletionSource deposed;
        lock (_lock)
        {
            if (Interlocked.CompareExchange(ref _token, 0, token) != token)
            {
                return token;
            }

            deposed = _deposed;
            _deposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        ControlLog.LostLeadership(_logger, NodeId, token, reason);
        deposed.TrySetResult();
        LeadershipChanged?.Invoke(this, EventArgs.Empty);
        return token;
    }

    private static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
