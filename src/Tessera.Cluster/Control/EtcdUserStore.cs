using System.Collections.Immutable;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tessera.Cluster.Control;

/// <summary>
/// The cluster's S3 users in etcd, at <c>/tessera/users/&lt;accessKey&gt;</c> (a <see cref="UserRecord"/> in JSON). A
/// node <see cref="PublishAsync">publishes</see> the users of its users file, each only if etcd has no record under
/// that access key yet (etcd's record stays: a node started with an old file cannot bring back a rotated secret),
/// and <see cref="StartWatchingAsync">watches</see> the prefix: <see cref="Users"/> is then every user as of
/// <see cref="Revision"/>, and <see cref="Changed"/> fires after each change.
/// </summary>
public sealed class EtcdUserStore : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly EtcdClient _client;
    private readonly ControlPlaneOptions _options;
    private readonly EtcdKeys _keys;
    private readonly ILogger _logger;
    private readonly PrefixWatch<ImmutableDictionary<string, UserRecord>> _watch;
    private bool _watching;

    /// <summary>Creates the store over <paramref name="client"/>; it neither publishes nor watches until asked.</summary>
    /// <param name="client">The etcd client (not disposed here).</param>
    /// <param name="options">Key prefix and request timeout; defaults when null.</param>
    /// <param name="logger">Where publications and unreadable records are logged.</param>
    public EtcdUserStore(EtcdClient client, ControlPlaneOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? new ControlPlaneOptions();
        _options.Validate();
        _client = client;
        _keys = new EtcdKeys(_options.KeyPrefix);
        _logger = logger ?? NullLogger.Instance;
        _watch = new(client, _keys.UsersPrefix, ImmutableDictionary<string, UserRecord>.Empty.WithComparers(StringComparer.Ordinal), Fold, _options.RequestTimeout, _logger);
        _watch.Changed += (_, _) => Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Raised (on a pool thread) after <see cref="Users"/> changes.</summary>
    public event EventHandler? Changed;

    /// <summary>The users by access key, as of <see cref="Revision"/> (empty until <see cref="StartWatchingAsync"/>).</summary>
    public IReadOnlyDictionary<string, UserRecord> Users => _watch.Current.State;

    /// <summary>The etcd revision <see cref="Users"/> reflects.</summary>
    public long Revision => _watch.Current.Revision;

    /// <summary>
    /// Puts each of <paramref name="users"/> that etcd holds no record for (one Txn per user: put if the key was never
    /// created); a user etcd holds already keeps etcd's record, with a warning when the two differ. etcd failures are
    /// retried until <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <returns>The access keys published by this call.</returns>
    /// <exception cref="ArgumentException">An access key is not a valid key segment (empty, '/', over 256 characters).</exception>
    public async Task<IReadOnlyList<string>> PublishAsync(IEnumerable<UserRecord> users, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        var published = new List<string>();
        foreach (var user in users)
        {
            var key = EtcdKeys.Bytes(_keys.User(user.AccessKey));
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(user, ControlJsonContext.Default.UserRecord)) } });
            txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
            var response = await RetryAsync(() => _client.TransactionAsync(txn, deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            if (response.Succeeded)
            {
                published.Add(user.AccessKey);
                ControlLog.UserPublished(_logger, user.AccessKey);
            }
            else if (response.Responses[0].ResponseRange.Kvs.FirstOrDefault() is { } kv && TryRead(kv.Value) != user)
            {
                ControlLog.UserDiffers(_logger, user.AccessKey);
            }
        }

        return published;
    }

    /// <summary>Loads the users and keeps <see cref="Users"/> up to date from then on (the load is retried until <paramref name="cancellationToken"/> fires).</summary>
    public Task StartWatchingAsync(CancellationToken cancellationToken = default)
    {
        _watching = true;
        return _watch.StartAsync(cancellationToken);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for <see cref="Users"/> and returns the users it held for.</summary>
    public async Task<IReadOnlyDictionary<string, UserRecord>> WaitForAsync(Func<IReadOnlyDictionary<string, UserRecord>, bool> condition, CancellationToken cancellationToken = default) =>
        await _watch.WaitForAsync(condition, cancellationToken).ConfigureAwait(false);

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_watching)
        {
            await _watch.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, cancellationToken))
            {
                ControlLog.WatchFailed(_logger, _keys.UsersPrefix, e.Message, 0);
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static UserRecord? TryRead(ByteString value)
    {
        try
        {
            return JsonSerializer.Deserialize(value.Span, ControlJsonContext.Default.UserRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private ImmutableDictionary<string, UserRecord> Fold(ImmutableDictionary<string, UserRecord> users, string accessKey, ByteString? value)
    {
        if (value is null)
        {
            return users.Remove(accessKey);
        }

        // A record this version cannot read, or one filed under another key (written by hand), is left out.
        if (TryRead(value) is not { } user || user.AccessKey != accessKey || user.SecretKey.Length == 0)
        {
            ControlLog.UserUnreadable(_logger, _keys.UsersPrefix + accessKey);
            return users.Remove(accessKey);
        }

        return users.SetItem(accessKey, user);
    }
}
