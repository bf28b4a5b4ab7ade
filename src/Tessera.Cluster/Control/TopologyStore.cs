using System.Globalization;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tessera.Cluster.Control;

/// <summary>
/// The cluster's topology map in etcd: <c>/tessera/topology/disks/&lt;diskId&gt;</c> holds each disk's
/// <see cref="DiskStateRecord"/> and <c>/tessera/topology/version</c> the map's version. Only the elected coordinator
/// changes it, through <see cref="ChangeAsync"/>, which is fenced by the coordinator key's create revision; every
/// node can <see cref="ReadAsync">read</see> it or <see cref="StartWatchingAsync">watch</see> it.
/// </summary>
public sealed class TopologyStore : IAsyncDisposable
{
    /// <summary>The most disks one <see cref="ChangeAsync"/> may change: etcd allows 128 operations per Txn and the version takes one.</summary>
    public const int MaxChangesPerCommit = 127;

    /// <summary>The largest request <see cref="ChangeAsync"/> sends: etcd refuses requests over 1.5 MiB; this leaves room for framing.</summary>
    private const int MaxRequestBytes = 1024 * 1024;

    /// <summary>How often a commit retries when the version moved under it (another change by the same coordinator).</summary>
    private const int MaxAttempts = 10;

    private readonly EtcdClient _client;
    private readonly ControlPlaneOptions _options;
    private readonly EtcdKeys _keys;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly PrefixWatch<TopologySnapshot> _watch;
    private bool _watching;

    /// <summary>Creates the store over <paramref name="client"/>.</summary>
    /// <param name="client">The etcd client (not disposed here).</param>
    /// <param name="options">Key prefix and request timeout; defaults when null.</param>
    /// <param name="logger">Where commits and refusals are logged.</param>
    /// <param name="time">The clock stamped into <see cref="DiskStateRecord.Since"/>; default the system's.</param>
    public TopologyStore(EtcdClient client, ControlPlaneOptions? options = null, ILogger<TopologyStore>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? new ControlPlaneOptions();
        _options.Validate();
        _client = client;
        _keys = new EtcdKeys(_options.KeyPrefix);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _watch = new(client, _keys.TopologyPrefix, TopologySnapshot.Empty, Fold, _options.RequestTimeout, _logger);
        _watch.Changed += (_, _) => Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Raised (on a pool thread) after <see cref="Current"/> changes.</summary>
    public event EventHandler? Changed;

    /// <summary>The map as last seen by the watch (empty until <see cref="StartWatchingAsync"/>).</summary>
    public TopologySnapshot Current
    {
        get
        {
            var (snapshot, revision) = _watch.Current;
            return snapshot with { Revision = revision };
        }
    }

    /// <summary>How many times the watch was re-established after a failure.</summary>
    public int WatchReconnects => _watch.Reconnects;

    /// <summary>
    /// Commits <paramref name="changes"/> and bumps the version by one, in one etcd Txn that holds only while the
    /// coordinator key exists with create revision <paramref name="fencingToken"/>. Returns false, changing nothing,
    /// when it does not: the caller is no longer coordinator.
    /// </summary>
    /// <param name="fencingToken">The caller's <see cref="CoordinatorElection.FencingToken"/>.</param>
    /// <param name="changes">1 to <see cref="MaxChangesPerCommit"/> disks, each at most once.</param>
    /// <param name="cancellationToken">Cancels the wait (the commit may still have happened).</param>
    /// <exception cref="ArgumentException">No changes, too many, a disk twice, or over the request size limit.</exception>
    public async Task<bool> ChangeAsync(long fencingToken, IReadOnlyCollection<DiskChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fencingToken);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count is 0 or > MaxChangesPerCommit)
        {
            throw new ArgumentException($"A commit changes 1 to {MaxChangesPerCommit} disks (etcd's 128 operations per transaction); got {changes.Count}. Split it: each part is atomic on its own.", nameof(changes));
        }

        var puts = Puts(fencingToken, changes);
        var coordinator = EtcdKeys.Bytes(_keys.Coordinator);
        var versionKey = EtcdKeys.Bytes(_keys.TopologyVersion);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await _client.GetAsync(new RangeRequest { Key = versionKey }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            var (version, modRevision) = current.Kvs.Count == 0 ? (0L, 0L) : (ParseVersion(current.Kvs[0].Value), current.Kvs[0].ModRevision);

            var txn = new TxnRequest();
            // The fence: the coordinator key exists and is the one created when the caller was elected.
            txn.Compare.Add(new Compare { Key = coordinator, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Greater, Version = 0 });
            txn.Compare.Add(new Compare { Key = coordinator, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = fencingToken });
            // The version read above is still current (mod revision 0 = the key does not exist yet).
            txn.Compare.Add(new Compare { Key = versionKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision });
            txn.Success.AddRange(puts);
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = versionKey, Value = EtcdKeys.Bytes((version + 1).ToString(CultureInfo.InvariantCulture)) } });
            txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = coordinator } });

            var response = await _client.TransactionAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.Succeeded)
            {
                ControlLog.ChangeCommitted(_logger, version + 1, fencingToken, changes.Count);
                return true;
            }

            var holder = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
            if (holder is null || holder.CreateRevision != fencingToken)
            {
                ControlLog.ChangeRefused(_logger, changes.Count, fencingToken, holder?.CreateRevision ?? 0);
                return false;
            }

            // Still coordinator, but the version moved between the read and the Txn: read it again.
        }

        throw new InvalidOperationException($"The topology version kept changing during {MaxAttempts} attempts to commit; is more than one writer using fencing token {fencingToken}?");
    }

    /// <summary>Reads the whole map at one revision (linearizable).</summary>
    public async Task<TopologySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        var range = new RangeRequest { Key = EtcdKeys.Bytes(_keys.TopologyPrefix), RangeEnd = EtcdKeys.RangeEnd(_keys.TopologyPrefix) };
        var response = await _client.GetAsync(range, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var snapshot = TopologySnapshot.Empty;
        foreach (var kv in response.Kvs)
        {
            snapshot = Fold(snapshot, kv.Key.ToStringUtf8()[_keys.TopologyPrefix.Length..], kv.Value);
        }

        return snapshot with { Revision = response.Header.Revision };
    }

    /// <summary>Loads the map and keeps <see cref="Current"/> up to date from then on (the load is retried until <paramref name="cancellationToken"/> fires).</summary>
    public Task StartWatchingAsync(CancellationToken cancellationToken = default)
    {
        _watching = true;
        return _watch.StartAsync(cancellationToken);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the watched map and returns that map.</summary>
    public async Task<TopologySnapshot> WaitForAsync(Func<TopologySnapshot, bool> condition, CancellationToken cancellationToken = default)
    {
        await _watch.WaitForAsync(_ => condition(Current), cancellationToken).ConfigureAwait(false);
        return Current;
    }

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_watching)
        {
            await _watch.DisposeAsync().ConfigureAwait(false);
        }
    }

    private List<RequestOp> Puts(long fencingToken, IReadOnlyCollection<DiskChange> changes)
    {
        var since = _time.GetUtcNow();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var puts = new List<RequestOp>(changes.Count);
        var bytes = 0;
        foreach (var change in changes)
        {
            var key = _keys.Disk(change.DiskId);
            if (!seen.Add(change.DiskId))
            {
                throw new ArgumentException($"Disk {change.DiskId} appears twice in one commit.", nameof(changes));
            }

            EtcdKeys.CheckId(change.Node, nameof(changes));
            var record = new DiskStateRecord { State = change.State, Node = change.Node, Since = since, ChangedBy = fencingToken };
            var put = new PutRequest { Key = EtcdKeys.Bytes(key), Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(record, ControlJsonContext.Default.DiskStateRecord)) };
            bytes += put.CalculateSize();
            puts.Add(new RequestOp { RequestPut = put });
        }

        if (bytes > MaxRequestBytes)
        {
            throw new ArgumentException($"The commit would send {bytes} bytes; etcd takes at most 1.5 MiB per request.", nameof(changes));
        }

        return puts;
    }

    private DateTime Deadline() => DateTime.UtcNow + _options.RequestTimeout;

    private static long ParseVersion(ByteString value) =>
        long.TryParse(value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 0;

    private static TopologySnapshot Fold(TopologySnapshot snapshot, string key, ByteString? value)
    {
        const string disks = "disks/";
        if (key == "version")
        {
            return snapshot with { Version = value is null ? 0 : ParseVersion(value) };
        }

        if (!key.StartsWith(disks, StringComparison.Ordinal))
        {
            return snapshot;
        }

        var diskId = key[disks.Length..];
        if (value is null)
        {
            return snapshot with { Disks = snapshot.Disks.Remove(diskId) };
        }

        try
        {
            var record = JsonSerializer.Deserialize(value.Span, ControlJsonContext.Default.DiskStateRecord);
            return snapshot with { Disks = record is null ? snapshot.Disks.Remove(diskId) : snapshot.Disks.SetItem(diskId, record) };
        }
        catch (JsonException)
        {
            return snapshot with { Disks = snapshot.Disks.Remove(diskId) };
        }
    }
}
