using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Users;
using Tessera.Storage;
using Tessera.Store;
using Tessera.Store.Maintenance;
using Tessera.Store.Recovery;
using Tessera.Store.Tiering;
using Tessera.Tiering;

namespace Tessera.Server;

/// <summary>
/// One running store with every role in the process: the index (RocksDB in the metadata directory), the storage
/// (the local disks), the S3 gateway on Kestrel, the background garbage collector and scrubber. Tests start it on port 0.
/// </summary>
public sealed class TesseraServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IIndexStore _index;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _collector;
    private readonly Task _restorer;
    private readonly Task _scrubber;
    private readonly Task _repairer;
    private readonly Task _monitor;
    private readonly Task _snapshotter;
    private readonly SemaphoreSlim _snapshotLock = new(1, 1);
    private readonly ClusterNode? _cluster;
    private readonly ClusterCoordinator? _coordinator;
    private readonly ShardedIndexHost? _sharded;
    private readonly Task _splitter;
    private readonly Task _lifecycle;

    private TesseraServer(
        WebApplication app,
        IIndexStore index,
        S3Services services,
        MaintenanceServices maintenance,
        StoreLayout layout,
        S3User root,
        Uri endpoint,
        bool generated,
        ServerOptions options,
        IReadOnlyList<string> formattedDisks,
        bool runsMaintenance,
        ClusterNode? cluster,
        ClusterCoordinator? coordinator,
        ShardedIndexHost? sharded)
    {
        _cluster = cluster;
        _coordinator = coordinator;
        _sharded = sharded;
        _app = app;
        _index = index;
        Services = services;
        Layout = layout;
        Root = root;
        Endpoint = endpoint;
        GeneratedCredentials = generated;
        Collector = new GarbageCollector(services.Store);

        // Every node works the restores asked of it and expires the restored copies it knows (found again at start).
        _restorer = services.Restorer.RunAsync(
            TimeSpan.FromMilliseconds(Math.Clamp(options.LifecycleDaySeconds * 1000.0 / 8, 250, 60_000)), _stopping.Token);
        var grace = services.Store.GarbageGracePeriod;

        // In a cluster the index node collects garbage and snapshots the index (both need the index's own store); the
        // elected coordinator runs the disk monitor and the repairer (ClusterCoordinator); every node scrubs its own disks.
        // On the range-sharded index there is no index node: the coordinator collects garbage and splits ranges, and
        // there are no index snapshots (etcd keeps the index; back up its groups with etcdctl).
        RunsMaintenance = runsMaintenance;
        _collector = !runsMaintenance && sharded is null ? Task.CompletedTask : Collector.RunAsync(
            TimeSpan.FromSeconds(Math.Clamp(grace.TotalSeconds / 4, 1, 60)),
            TimeSpan.FromSeconds(Math.Clamp(grace.TotalSeconds, 10, 3600)),
            _stopping.Token,
            sharded is null ? null : () => IsCoordinator);
        _splitter = sharded is not null && coordinator is not null
            ? sharded.RunSplitterAsync(coordinator, services.Store.Logger, _stopping.Token)
            : Task.CompletedTask;
        Scrubber = maintenance.Scrubber;
        if (cluster is not null)
        {
            Scrubber.Scope = static disk => disk is LocalDisk;
        }

        _scrubber = (runsMaintenance || cluster is not null) && options.ScrubInterval > 0
            ? Scrubber.RunAsync(options.ScrubRate, TimeSpan.FromSeconds(options.ScrubInterval), _stopping.Token)
            : Task.CompletedTask;
        Repairer = maintenance.Repairer;
        DiskMonitor = maintenance.Monitor;
        Admin = maintenance.Admin;
        Transitioner = maintenance.Transitioner;
        Admin.Stopping = _stopping.Token;
        Rebalancer = maintenance.Rebalancer;

        // Disks found blank at start were replaced while the store was down: refill them. The repair queue lives in
        // memory, so the segments of disks still failed or draining from before the restart are found again too.
        var resume = formattedDisks.Concat(services.Store.Storage.States.Keys).Distinct(StringComparer.Ordinal).ToList();
        if (resume.Count > 0 && coordinator is null)
        {
            DiskMonitor.Sweep(resume, checkFiles: true);
        }

        _repairer = coordinator is null ? Repairer.RunAsync(_stopping.Token) : Task.CompletedTask;
        if (cluster is not null && coordinator is not null)
        {
            // The repair queue lives in memory: a node that starts coordinating looks for every segment short of a
            // fragment (what the last coordinator had queued, degraded writes, disks failed before it took over).
            coordinator.BecameCoordinator += () => SweepInBackground(null, checkFiles: true);

            // Segments written while a node was away crowd the others: spread them again now that it is back. Repairs
            // blocked for want of a domain may find one on a node that joined.
            cluster.NodesReturned += () => SweepIfCoordinating(null, checkFiles: false);
            cluster.NodesJoined += () => SweepIfCoordinating(null, checkFiles: false);

            // A node that started again may have come back with blank disks (wiped, replaced): refill what is missing.
            cluster.NodeRestarted += disks => SweepIfCoordinating(disks, checkFiles: true);
        }

        _monitor = coordinator is null && options.DiskCheckInterval > 0
            ? DiskMonitor.RunAsync(TimeSpan.FromSeconds(options.DiskCheckInterval), _stopping.Token)
            : Task.CompletedTask;
        // The lifecycle worker walks the whole index: one process does, the single node or the elected coordinator (its
        // cursor is in the index, so the next coordinator resumes the pass).
        Lifecycle = new LifecycleWorker(
            services.Store,
            new LifecycleWorkerOptions { Day = TimeSpan.FromSeconds(options.LifecycleDaySeconds), ScanRate = options.LifecycleScanRate },
            Transitioner);
        if (coordinator is not null)
        {
            Lifecycle.IsActive = () => IsCoordinator;
        }

        Admin.Lifecycle = Lifecycle;
        _lifecycle = Lifecycle.RunAsync(_stopping.Token);
        _snapshotter = runsMaintenance && options.SnapshotInterval > 0
            ? RunSnapshotsAsync(TimeSpan.FromSeconds(options.SnapshotInterval), _stopping.Token)
            : Task.CompletedTask;
    }

    /// <summary>
    /// Whether this process collects garbage and snapshots the index: a single node does; in a cluster, the index node.
    /// On the range-sharded index (<c>indexGroups</c>) no node does: the coordinator collects garbage while it coordinates.
    /// </summary>
    public bool RunsMaintenance { get; }

    /// <summary>
    /// Whether this process runs the disk monitor and the repairer: a single node always; in a cluster, the node elected
    /// coordinator, while it is.
    /// </summary>
    public bool IsCoordinator => _coordinator?.IsCoordinator ?? true;

    private void SweepIfCoordinating(IReadOnlyList<string>? disks, bool checkFiles)
    {
        if (IsCoordinator)
        {
            SweepInBackground(disks, checkFiles);
        }
    }

    /// <summary>Sweeps the index for segments to repair off the caller's thread (a membership watch); failures are logged.</summary>
    /// <remarks>
    /// A node registers before its ports listen, so the first attempts may not reach its disks: the sweep is tried again
    /// every second for up to a minute (queuing is idempotent).
    /// </remarks>
    private void SweepInBackground(IReadOnlyList<string>? disks, bool checkFiles) => _ = Task.Run(async () =>
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                DiskMonitor.Sweep(disks, checkFiles);
                Repairer.RetryWaiting();
                return;
            }
            catch (Exception e) when (e is IOException or StorageUnavailableException or InvalidOperationException)
            {
                if (attempt == 60 || _stopping.IsCancellationRequested)
                {
                    LogMessages.ClusterSweepFailed(Store.Logger, e);
                    return;
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });

    /// <summary>The repairer (tests drive it with <see cref="Repairer.DrainAsync"/>).</summary>
    public Repairer Repairer { get; }

    /// <summary>The rebalancer (moves fragments onto nodes below their share).</summary>
    public Rebalancer Rebalancer { get; }

    /// <summary>The lifecycle worker (tests read its status and drive passes with <see cref="LifecycleWorker.RunPassAsync"/>).</summary>
    public LifecycleWorker Lifecycle { get; }

    /// <summary>The disk monitor (tests call <see cref="DiskMonitor.CheckOnce"/>).</summary>
    public DiskMonitor DiskMonitor { get; }

    /// <summary>The admin API.</summary>
    public AdminApi Admin { get; }

    /// <summary>The S3 endpoint, e.g. <c>http://127.0.0.1:9000</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Where this node serves its disks to the other nodes, or null when it serves no storage port.</summary>
    public Uri? StorageEndpoint { get; private init; }

    /// <summary>In a cluster, the buckets and users in etcd.</summary>
    private ClusterMetadata? Metadata { get; init; }

    /// <summary>The root user.</summary>
    public S3User Root { get; }

    /// <summary>True when the root keys were generated by this start.</summary>
    public bool GeneratedCredentials { get; }

    /// <summary>Disks, metadata directory and policy in use.</summary>
    public StoreLayout Layout { get; }

    /// <summary>The store's services (index, storage, users).</summary>
    public S3Services Services { get; }

    /// <summary>The storage engine (index, disks, repair queue, buffers).</summary>
    public StoreServices Store => Services.Store;

    /// <summary>
    /// Moves object versions between storage classes (<see cref="IObjectTransitioner"/>): on every node, single or
    /// clustered; the lifecycle worker and admin <c>POST admin/v1/transition</c> call it.
    /// </summary>
    public ObjectTransitioner Transitioner { get; }

    /// <summary>The garbage collector (tests drive it directly).</summary>
    public GarbageCollector Collector { get; }

    /// <summary>The scrubber (tests drive it directly with <see cref="Scrubber.ScrubOnceAsync"/>).</summary>
    public Scrubber Scrubber { get; }

    /// <summary>The report of the last completed scrub pass, or null before the first.</summary>
    public ScrubReport? LastScrub => Scrubber.LastReport;

    /// <summary>The last index snapshot this process wrote, or null.</summary>
    public IndexSnapshotInfo? LastSnapshot { get; private set; }

    /// <summary>
    /// Writes a consistent snapshot of the index to every data disk now (as the background loop does every
    /// <c>snapshotInterval</c> seconds), off the request path; requests go on meanwhile. One at a time.
    /// </summary>
    /// <exception cref="IOException">No disk could take the snapshot.</exception>
    public async Task<IndexSnapshotInfo> SnapshotIndexAsync(CancellationToken cancellationToken = default)
    {
        await _snapshotLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var roots = Layout.Disks.Select(d => d.Path).ToList();
            var (info, _) = await Task.Run(() => IndexSnapshots.Write(_index, roots), cancellationToken).ConfigureAwait(false);
            LastSnapshot = info;
            return info;
        }
        finally
        {
            _snapshotLock.Release();
        }
    }

    private async Task RunSnapshotsAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var logger = Store.Logger;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, Store.Time, cancellationToken).ConfigureAwait(false);
                var info = await SnapshotIndexAsync(cancellationToken).ConfigureAwait(false);
                LogMessages.IndexSnapshotWritten(logger, info.Entries, info.Sequence);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                LogMessages.IndexSnapshotFailed(logger, e);
            }
        }
    }

    /// <summary>Builds and starts a store from resolved options.</summary>
    /// <exception cref="ArgumentException">A negative scrub rate or interval.</exception>
    /// <param name="options">The settings.</param>
    /// <param name="time">The clock; default the system's.</param>
    /// <param name="buffers">The buffer pool of the data path; default the shared pool (tests pass a diagnostic one).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<TesseraServer> StartAsync(ServerOptions options, TimeProvider? time = null, System.Buffers.ArrayPool<byte>? buffers = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        if (options.ScrubRate < 0 || options.ScrubInterval < 0)
        {
            throw new ArgumentException($"--scrub-rate ({options.ScrubRate}) and --scrub-interval ({options.ScrubInterval}) may not be negative.");
        }

        if (options.BodyIdleTimeout < 1 || options.LifecycleDaySeconds < 1 || options.RestoreDelaySeconds < 0 || options.MaxUploads < 0 || options.MaxUploadsPerConnection < 0 || options.MaxMultipartUploads < 0)
        {
            throw new ArgumentException("--body-idle-timeout and --lifecycle-day must be at least 1 and the upload caps may not be negative.");
        }

        if (options.LifecycleScanRate < 0)
        {
            throw new ArgumentException($"--lifecycle-scan-rate ({options.LifecycleScanRate}) may not be negative.");
        }

        if (options.SnapshotInterval < 0)
        {
            throw new ArgumentException($"--snapshot-interval ({options.SnapshotInterval}) may not be negative.");
        }

        var layout = StoreLayout.Resolve(options);
        Directory.CreateDirectory(layout.MetaDir);
        var (root, users, generated) = Credentials.Load(options, layout.MetaDir);
        var topology = TopologyStore.Load(layout.MetaDir);
        var clustered = options.Etcd is not null;
        if (!clustered && options.IndexGroups is not null)
        {
            throw new ArgumentException("--index-groups is for a cluster: it needs --etcd (the control plane that holds the range directory).");
        }

        var nodeId = StoragePort.NodeIdOf(options);
        var idPrefix = clustered ? nodeId + "-" : "";
        var configured = layout.Disks.Select((d, i) => new TopologyDisk
        {
            Id = idPrefix + "disk" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Path = d.Path,
            Zone = d.Zone,
            Rack = d.Rack,
            Node = d.Node,
            Weight = d.Weight,
        });
        var paths = layout.Disks.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);
        var disks = configured.Concat(topology.Added.Where(a => !paths.Contains(a.Path))).Select(d =>
        {
            var labels = new DiskLabels(d.Zone ?? d.Id, d.Rack ?? d.Id, clustered ? nodeId : d.Node ?? Environment.MachineName);
            return new LocalDisk(d.Id, d.Path, labels, d.Weight);
        }).ToList();
        var storagePort = StoragePort.Create(options, disks);
        var s3Address = ParseEndpoint(options.Address);
        ClusterNode? cluster = null;
        IReadOnlyList<IDisk> allDisks = disks;
        if (clustered)
        {
            CheckClusterOptions(options, storagePort);
            s3Address = StoragePort.Resolve(s3Address);
            var s3Uri = new Uri($"http://{(s3Address.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : s3Address.Address)}:{s3Address.Port}/");
            var policies = layout.ClassPolicies.Values.Prepend(layout.Policy).ToList();
            cluster = await ClusterNode.JoinAsync(options, nodeId, s3Uri, new Uri($"http://{storagePort!.Address}/"), disks, policies, cancellationToken).ConfigureAwait(false);
            allDisks = [.. disks, .. cluster.RemoteDisks()];
        }

        // In a cluster the disks' states come from the topology map in etcd (ClusterCoordinator), not from this node's file.
        var storage = new ErasureSet(allDisks, layout.Policy, layout.ClassPolicies, clustered ? null : topology.States);
        topology.Attach(storage);
        cluster?.Attach(storage);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(options.Quiet ? LogLevel.Warning : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;

            // Stored header values are text that arrived as UTF-8 (Content-Disposition with a file name, say): they go
            // back out as UTF-8 rather than failing. Control characters are refused before they are stored (HeaderValues).
            k.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.UTF8;
            k.Listen(s3Address);
            if (storagePort is not null)
            {
                k.Listen(storagePort.Address);
            }
        });
        var app = builder.Build();

        var holdsIndex = cluster is null || (options.IndexGroups is null && options.IndexNode == nodeId);
        ClusterCoordinator? coordinator = null;
        ClusterMetadata? metadata = null;
        ShardedIndexHost? sharded = null;
        if (cluster is not null)
        {
            try
            {
                // Buckets and users live in etcd (docs/design/cluster.md).
                metadata = await ClusterMetadata.StartAsync(options, holdsIndex, root, users, app.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
                if (options.IndexGroups is not null)
                {
                    // Every node opens the range directory (the first creates it) and runs its own index over the groups.
                    sharded = await ShardedIndexHost.OpenAsync(options, app.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                if (metadata is not null)
                {
                    await metadata.DisposeAsync().ConfigureAwait(false);
                }

                await app.DisposeAsync().ConfigureAwait(false);
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        IIndexStore index = sharded is not null ? sharded.CreateStore(time)
            : holdsIndex ? new RocksDbIndexStore(layout.MetaDir, time, new RocksDbIndexOptions(), metadata?.Buckets)
            : new Tessera.Cluster.Index.RemoteIndexStore(cluster!.StorageEndpointOf(options.IndexNode!)!, cluster.Http, cluster.Authenticator);
        if (cluster is not null && holdsIndex)
        {
            storagePort!.Index = new Tessera.Cluster.Index.IndexEndpoint(index, cluster.Authenticator);
        }

        try
        {
            var s3Options = new S3Options
            {
                Region = options.Region,
                Domains = options.Domains,
                MinPartSize = options.MinPartSize,
                BodyIdleTimeout = TimeSpan.FromSeconds(options.BodyIdleTimeout),
                LifecycleDay = TimeSpan.FromSeconds(options.LifecycleDaySeconds),
                RestoreDelay = TimeSpan.FromSeconds(options.RestoreDelaySeconds),
                MaxConcurrentUploads = options.MaxUploads,
                MaxUploadsPerConnection = options.MaxUploadsPerConnection,
                MaxMultipartUploadsPerUser = options.MaxMultipartUploads,
            };
            var loggers = app.Services.GetRequiredService<ILoggerFactory>();
            if (metadata is not null)
            {
                ClusterMetadata.MoveLocalBuckets(index, loggers.CreateLogger("Tessera.Cluster.Metadata"));
            }

            var tiers = options.Tiers.Select(t => new S3RemoteTier(TierOptions.Parse(t.Key, t.Value))).ToList();
            var store = new StoreServices(index, storage, time, loggers, buffers)
            {
                GarbageGracePeriod = TimeSpan.FromSeconds(options.GarbageGraceSeconds),
                Tiers = new RemoteTiers(tiers, layout.TierClasses),
            };
            var services = new S3Services(store, users, s3Options, loggers);
            var maintenance = new MaintenanceServices(store, root.AccessKey, services.Requests, topology, options);
            if (cluster is not null)
            {
                coordinator = await ClusterCoordinator.StartAsync(
                    cluster, store, maintenance.Repairer, maintenance.Monitor, TimeSpan.FromSeconds(options.DiskCheckInterval), loggers, cancellationToken).ConfigureAwait(false);
                topology.Publish = coordinator.Publish;
                maintenance.Admin.Cluster = coordinator;
                maintenance.Admin.ForwardToCoordinator = cluster.ForwardAdminAsync;
                maintenance.Admin.ShardedIndex = sharded;
                storagePort!.Repairs = store.Repairs; // The other nodes hand their degraded writes and damaged reads here when this node coordinates.
                storagePort.Admin = maintenance.Admin;
            }

            var gateway = new S3Gateway(services, maintenance.Admin);
            app.Run(context =>
                storagePort?.Owns(context) == true ? storagePort.HandleAsync(context)
                : Health.TryHandle(context) ? Task.CompletedTask
                : gateway.HandleAsync(context));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .First(a => storagePort is null || !a.EndsWith(":" + storagePort.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            var formatted = disks.Where(d => d.FormattedAtOpen).Select(d => d.Id).ToList();
            return new TesseraServer(app, index, services, maintenance, layout, root, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), generated, options, formatted, holdsIndex, cluster, coordinator, sharded)
            {
                StorageEndpoint = storagePort is null ? null : new Uri($"http://{storagePort.Address}/"),
                Metadata = metadata,
            };
        }
        catch
        {
            if (coordinator is not null)
            {
                await coordinator.DisposeAsync().ConfigureAwait(false);
            }

            index.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            if (sharded is not null)
            {
                await sharded.DisposeAsync().ConfigureAwait(false);
            }

            if (metadata is not null)
            {
                await metadata.DisposeAsync().ConfigureAwait(false);
            }

            if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static void CheckClusterOptions(ServerOptions options, StoragePort? storagePort)
    {
        if (storagePort is null || options.NodeId is null || (options.IndexNode is null && options.IndexGroups is null))
        {
            throw new ArgumentException("A cluster node (--etcd) needs --node-id, --storage-address, --cluster-secret and --index-node or --index-groups.");
        }

        if (options.IndexNode is not null && options.IndexGroups is not null)
        {
            throw new ArgumentException("--index-node and --index-groups exclude each other: the index is either on one node's RocksDB or range-sharded over etcd.");
        }

        if (options.IndexGroups is not null)
        {
            _ = ShardedIndexHost.ParseGroups(options.IndexGroups, options.Etcd!);
        }

        if (options.RootUser is null || options.RootPassword is null)
        {
            throw new ArgumentException("A cluster node (--etcd) needs the cluster's root credentials (--root-user and --root-password, or their variables): every node must know the same ones.");
        }
    }

    /// <summary>Completes when the host shuts down (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _collector.ConfigureAwait(false);
        await _restorer.ConfigureAwait(false);
        await _scrubber.ConfigureAwait(false);
        await _repairer.ConfigureAwait(false);
        await _monitor.ConfigureAwait(false);
        await _snapshotter.ConfigureAwait(false);
        await _splitter.ConfigureAwait(false);
        await _lifecycle.ConfigureAwait(false);
        await _snapshotLock.WaitAsync().ConfigureAwait(false);
        if (_coordinator is not null)
        {
            // Resigns, so another node takes over at once rather than after the lease.
            await _coordinator.DisposeAsync().ConfigureAwait(false);
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _index.Dispose();
        if (_sharded is not null)
        {
            await _sharded.DisposeAsync().ConfigureAwait(false);
        }

        if (Metadata is not null)
        {
            await Metadata.DisposeAsync().ConfigureAwait(false);
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var tier in Services.Store.Tiers.All.OfType<IDisposable>())
        {
            tier.Dispose();
        }

        _stopping.Dispose();
        _snapshotLock.Dispose();
    }

    /// <summary>Parses <c>HOST:PORT</c>, <c>:PORT</c> or <c>[v6]:PORT</c>; host names resolve to their first address.</summary>
    public static IPEndPoint ParseEndpoint(string address)
    {
        if (IPEndPoint.TryParse(address, out var endpoint) && address.Contains(':', StringComparison.Ordinal))
        {
            return endpoint;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException($"--address '{address}': expected HOST:PORT.");
        }

        var host = address[..colon];
        if (host.Length == 0)
        {
            return new IPEndPoint(IPAddress.Any, port);
        }

        var ip = host == "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host).First();
        return new IPEndPoint(ip, port);
    }
}
