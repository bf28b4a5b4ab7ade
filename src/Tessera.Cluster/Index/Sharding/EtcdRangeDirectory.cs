using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The range directory kept in the control plane's etcd (<see cref="DirectoryKeys"/>), cached by every gateway.
/// </summary>
/// <remarks>
/// The cache needs no watch to be safe: every index read and write compares its group's fence generation, so a route
/// read before a move fails in the group and the store calls <see cref="Refresh"/>. A frozen route makes writers poll
/// <see cref="Refresh"/> until the move flips it. Refreshes are coalesced: callers that wait for one in progress take
/// its result.
/// </remarks>
public sealed class EtcdRangeDirectory : IRangeDirectory, IDisposable
{
    private readonly EtcdClient _control;
    private readonly DirectoryKeys _keys;
    private readonly TimeSpan _timeout;
    private readonly Func<GroupRecord, EtcdClient> _connect;
    private readonly Dictionary<string, (string Endpoints, EtcdClient Client)> _clients = new(StringComparer.Ordinal);
    private readonly Lock _refreshLock = new();
    private readonly Lock _publishLock = new();
    private State _state = State.Empty;
    private long _refreshes;

    private EtcdRangeDirectory(EtcdClient control, ControlPlaneOptions options, Func<GroupRecord, EtcdClient>? connect)
    {
        _control = control;
        _keys = new DirectoryKeys(options.KeyPrefix);
        _timeout = options.RequestTimeout;
        _connect = connect ?? (record => new EtcdClient(record.Endpoints));
    }

    /// <inheritdoc/>
    public IReadOnlyList<IndexGroup> Groups => Volatile.Read(ref _state).Groups;

    /// <summary>The directory as last read.</summary>
    public DirectorySnapshot Snapshot => Volatile.Read(ref _state).Snapshot ?? throw new InvalidOperationException("The directory is not loaded.");

    /// <summary>How many times the directory was read again.</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);

    /// <summary>
    /// Loads the directory, first writing it when the control plane holds none: the groups given, each fence at
    /// generation 1, and one range over the whole keyspace on the first group. Existing directories are left as they are
    /// (groups not yet in them are added).
    /// </summary>
    /// <param name="control">The control plane's client (not disposed here).</param>
    /// <param name="options">Its key prefix and request timeout.</param>
    /// <param name="groups">The index groups to create when missing; the first holds the first range.</param>
    /// <param name="connect">Makes a client for a group (default: a new <see cref="EtcdClient"/> of its endpoints); the directory disposes them.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<EtcdRangeDirectory> OpenAsync(
        EtcdClient control, ControlPlaneOptions options, IReadOnlyList<GroupRecord> groups, Func<GroupRecord, EtcdClient>? connect = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(groups);
        options.Validate();
        var directory = new EtcdRangeDirectory(control, options, connect);
        try
        {
            foreach (var group in groups)
            {
                await directory.AddGroupAsync(group, cancellationToken).ConfigureAwait(false);
            }

            if (groups.Count > 0)
            {
                await directory.CreateFirstRangeAsync(groups[0].Name, cancellationToken).ConfigureAwait(false);
            }

            await directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (directory.Snapshot.Ranges.Count == 0)
            {
                throw new InvalidOperationException("The range directory is empty and no index group was given to create it.");
            }

            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public RangeRoute Route(ReadOnlySpan<byte> coordinate)
    {
        var state = Volatile.Read(ref _state);
        var i = state.Snapshot!.IndexOf(coordinate);
        return i >= 0 ? state.Routes[i] : throw new InvalidOperationException("The range directory does not cover the coordinate.");
    }

    /// <inheritdoc/>
    public IReadOnlyList<RangeRoute> Routes(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var state = Volatile.Read(ref _state);
        var first = Math.Max(0, state.Snapshot!.IndexOf(from));
        var routes = new List<RangeRoute>();
        for (var i = first; i < state.Routes.Length && state.Routes[i].Start.AsSpan().SequenceCompareTo(to) < 0; i++)
        {
            routes.Add(state.Routes[i]);
        }

        return routes;
    }

    /// <inheritdoc/>
    public void Refresh()
    {
        var seen = Interlocked.Read(ref _refreshes);
        lock (_refreshLock)
        {
            // Another caller refreshed while this one waited for the lock: that read is newer than the failure seen.
            if (Interlocked.Read(ref _refreshes) != seen)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(_timeout * 2);
            LoadAsync(timeout.Token).GetAwaiter().GetResult();
        }
    }

    /// <summary>Reads the directory again.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds group <paramref name="group"/> to the directory and sets its fence, unless a group of that name exists.</summary>
    public async Task<bool> AddGroupAsync(GroupRecord group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.KeyPrefix is not ['/', .., '/'])
        {
            throw new ArgumentException("A group's key prefix must start and end with '/'.", nameof(group));
        }

        var key = EtcdKeys.Bytes(_keys.Group(group.Name));
        var record = group with { Generation = 1 };
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        txn.Success.Add(Put(key, JsonSerializer.SerializeToUtf8Bytes(record, ShardingJsonContext.Default.GroupRecord)));
        var created = await _control.TransactionAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            return false;
        }

        // The fence starts at the record's generation; a group reused from an earlier directory keeps a higher one
        // only if nothing set it, which cannot be: a new group record always starts its fence again.
        var client = Client(record);
        await client.PutAsync(new PutRequest { Key = DirectoryKeys.Fence(record.KeyPrefix), Value = DirectoryKeys.FenceValue(record.Generation) }, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_clients)
        {
            foreach (var (_, client) in _clients.Values)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }

    /// <summary>The client of group <paramref name="record"/>, made once per endpoint list.</summary>
    internal EtcdClient Client(GroupRecord record)
    {
        lock (_clients)
        {
            if (_clients.TryGetValue(record.Name, out var known) && known.Endpoints == record.Endpoints)
            {
                return known.Client;
            }

            var client = _connect(record);
            _clients[record.Name] = (record.Endpoints, client);
            return client;
        }
    }

    /// <summary>The control plane's client.</summary>
    internal EtcdClient Control => _control;

    /// <summary>The directory's keys.</summary>
    internal DirectoryKeys Keys => _keys;

    /// <summary>A deadline for one request.</summary>
    internal DateTime Deadline() => DateTime.UtcNow + _timeout;

    internal static RequestOp Put(ByteString key, byte[] value) => new() { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(value) } };

    private async Task CreateFirstRangeAsync(string group, CancellationToken cancellationToken)
    {
        // Only when there is no range at all: the ranges prefix is empty (a compare over a range of keys holds for each
        // key in it; over none it compares an absent key, whose version is 0).
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = EtcdKeys.Bytes(_keys.RangesPrefix),
            RangeEnd = EtcdKeys.RangeEnd(_keys.RangesPrefix),
            Target = Compare.Types.CompareTarget.Version,
            Result = Compare.Types.CompareResult.Equal,
            Version = 0,
        });
        var first = new RangeRecord { Id = NewRangeId(), Start = [], End = null, Group = group };
        txn.Success.Add(Put(EtcdKeys.Bytes(_keys.Range([])), JsonSerializer.SerializeToUtf8Bytes(first, ShardingJsonContext.Default.RangeRecord)));
        await _control.TransactionAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new range id: 12 hex digits.</summary>
    internal static string NewRangeId() => Guid.NewGuid().ToString("n")[..12];

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var snapshot = await DirectorySnapshot.ReadAsync(_control, _keys, _timeout, cancellationToken).ConfigureAwait(false);
        var groups = new Dictionary<string, IndexGroup>(StringComparer.Ordinal);
        foreach (var (record, _) in snapshot.Groups.Values)
        {
            groups[record.Name] = new IndexGroup(record.Name, Client(record), record.KeyPrefix);
        }

        var routes = new RangeRoute[snapshot.Ranges.Count];
        for (var i = 0; i < routes.Length; i++)
        {
            var range = snapshot.Ranges[i].Record;
            routes[i] = new RangeRoute(range.Id, range.Start, range.End, groups[range.Group], snapshot.Groups[range.Group].Record.Generation, range.Frozen);
        }

        // Not _refreshLock: Refresh holds that while it blocks on this method, whose continuation may run on another thread.
        lock (_publishLock)
        {
            // Never go back to an older read (two loads racing).
            if (_state.Snapshot is null || _state.Snapshot.Revision <= snapshot.Revision)
            {
                Volatile.Write(ref _state, new State(snapshot, routes, [.. groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal)]));
            }

            Interlocked.Increment(ref _refreshes);
        }
    }

    private sealed record State(DirectorySnapshot? Snapshot, RangeRoute[] Routes, IReadOnlyList<IndexGroup> Groups)
    {
        public static readonly State Empty = new(null, [], []);
    }
}
