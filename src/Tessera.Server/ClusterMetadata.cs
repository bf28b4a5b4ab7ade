using dotnet_etcd;
using Tessera.Cluster.Control;
using Tessera.Index;
using Tessera.S3.Users;

namespace Tessera.Server;

/// <summary>
/// A cluster node's buckets and users in etcd (docs/design/cluster.md): on the index node, the
/// <see cref="EtcdBucketCatalog"/> its index keeps bucket records in; on every node, the users of its users file
/// published to etcd and the user directory kept equal to the root user plus every user in etcd.
/// </summary>
internal sealed class ClusterMetadata : IAsyncDisposable
{
    private readonly EtcdClient _etcd;
    private readonly EtcdUserStore _users;
    private readonly S3User _root;
    private readonly UserDirectory _directory;
    private readonly Lock _applyLock = new();

    private ClusterMetadata(EtcdClient etcd, EtcdUserStore users, S3User root, UserDirectory directory, EtcdBucketCatalog? buckets)
    {
        _etcd = etcd;
        _users = users;
        _root = root;
        _directory = directory;
        Buckets = buckets;
    }

    /// <summary>The index node's bucket catalog (null on the other nodes, which reach buckets through the index node).</summary>
    public EtcdBucketCatalog? Buckets { get; }

    /// <summary>
    /// Loads the bucket records (on the index node), publishes the users of the users file that etcd does not hold yet,
    /// and starts watching the users: <paramref name="directory"/> holds the root user and etcd's users when this returns.
    /// </summary>
    /// <param name="options">The server's settings (etcd endpoints).</param>
    /// <param name="holdsIndex">Whether this node is the index node.</param>
    /// <param name="root">The root user, from the configuration; never stored in etcd, and it wins over a record with its access key.</param>
    /// <param name="directory">The user directory the gateway authenticates with; holds the users file's users on entry.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ClusterMetadata> StartAsync(ServerOptions options, bool holdsIndex, S3User root, UserDirectory directory, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var etcd = new EtcdClient(options.Etcd!);
        var logger = loggers.CreateLogger("Tessera.Cluster.Metadata");
        var users = new EtcdUserStore(etcd, logger: logger);
        try
        {
            var buckets = holdsIndex ? await EtcdBucketCatalog.LoadAsync(etcd, logger: logger, cancellationToken: cancellationToken).ConfigureAwait(false) : null;
            await users.PublishAsync(
                [.. directory.All.Where(u => u.AccessKey != root.AccessKey).Select(u => new UserRecord
                {
                    AccessKey = u.AccessKey,
                    SecretKey = u.SecretKey,
                    CanonicalId = u.CanonicalId,
                    DisplayName = u.DisplayName,
                })],
                cancellationToken).ConfigureAwait(false);
            var metadata = new ClusterMetadata(etcd, users, root, directory, buckets);
            users.Changed += (_, _) => metadata.ApplyUsers();
            await users.StartWatchingAsync(cancellationToken).ConfigureAwait(false);
            metadata.ApplyUsers();
            return metadata;
        }
        catch
        {
            await users.DisposeAsync().ConfigureAwait(false);
            etcd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves bucket records left in the index's RocksDB (a cluster from before buckets lived in etcd, or buckets
    /// <c>recover-index</c> re-created) into etcd; nothing to do on later starts.
    /// </summary>
    public static void MoveLocalBuckets(IIndexStore index, ILogger logger)
    {
        if (index is RocksDbIndexStore local && local.MoveBucketsToCatalog() is { Count: > 0 } moved)
        {
            LogMessages.BucketsMovedToEtcd(logger, moved.Count);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _users.DisposeAsync().ConfigureAwait(false);
        _etcd.Dispose();
    }

    /// <summary>
    /// Swaps the directory for the root user plus etcd's users. Under a lock so that of two watch events applied at
    /// once, the one applied last reads the newest users (the request path takes no lock: it reads the directory).
    /// </summary>
    private void ApplyUsers()
    {
        lock (_applyLock)
        {
            _directory.Replace(_users.Users.Values
                .Where(u => u.AccessKey != _root.AccessKey)
                .Select(u => new S3User(u.AccessKey, u.SecretKey, u.CanonicalId ?? Credentials.CanonicalIdOf(u.AccessKey), u.DisplayName ?? u.AccessKey))
                .Prepend(_root));
        }
    }
}
