using System.Globalization;
using System.Text.Json;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.Storage;
using Tessera.Store;
using Tessera.Store.Maintenance;

namespace Tessera.Server;

/// <summary>
/// The admin API: JSON over HTTP on the S3 port under <c>/_tessera/admin/v1/</c> (an underscore cannot start a
/// bucket name, so the path never shadows a bucket), signed with SigV4 like any S3 request and allowed to the root
/// user only. The <c>tessera admin</c> CLI speaks it.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>GET status</term><description>disks and their states, the repair queue, its rate and estimate, the last scrub.</description></item>
/// <item><term>GET object?bucket=B&amp;key=K[&amp;versionId=V]</term><description>where every fragment of an object lives, by domain.</description></item>
/// <item><term>POST disks?path=P[&amp;zone=&amp;rack=&amp;node=&amp;weight=]</term><description>adds a disk.</description></item>
/// <item><term>POST disks/ID?state=active|draining|failed</term><description>changes a disk's state and queues the repairs it implies.</description></item>
/// <item><term>POST heal</term><description>checks every fragment file of every segment and queues what is missing.</description></item>
/// <item><term>POST scrub[?scope=cluster]</term><description>runs a scrub pass now and returns its report: over this node's own disks in a cluster (every disk with <c>scope=cluster</c>), every disk on one node.</description></item>
/// <item><term>POST nodes/ID?action=drain|replace|activate</term><description>drains a node (its fragments move to the others), declares it lost now and rebuilds its fragments elsewhere (replace), or makes its disks active again.</description></item>
/// <item><term>POST coordinator</term><description>in a cluster: the coordinator steps down (another node takes over at once).</description></item>
/// <item><term>POST rebalance</term><description>moves fragments onto nodes holding less than their share (a node added); GET rebalance shows the pass.</description></item>
/// <item><term>GET lifecycle</term><description>the lifecycle worker: its passes and cursor, per bucket what the current or last pass scanned and did, bytes by storage class with their raw-disk overhead.</description></item>
/// <item><term>GET index</term><description>on the range-sharded index: the index groups and the ranges of the directory.</description></item>
/// <item><term>POST index/split?bucket=B&amp;key=K</term><description>splits the range holding B/K so that a range starts there; returns the two halves.</description></item>
/// <item><term>POST index/move?bucket=B&amp;key=K&amp;group=G[&amp;grace=S]</term><description>moves the range starting exactly at B/K to group G; returns the move's report once the source's copy is deleted, S seconds (default 30) after the flip.</description></item>
/// </list>
/// In a cluster every operation but <c>object</c> and <c>scrub</c> is the coordinator's: another node forwards it
/// there over the storage port and returns its answer, so any node's admin API shows and changes the whole cluster.
/// </remarks>
public sealed class AdminApi : IAdminEndpoint
{
    private const string Prefix = "admin/v1/";

    private readonly StoreServices _services;
    private readonly string _rootAccessKey;
    private readonly RequestCounters _requests;
    private readonly Repairer _repairer;
    private readonly DiskMonitor _monitor;
    private readonly Scrubber _scrubber;
    private readonly IAdminHost _host;
    private readonly long _scrubRate;
    private readonly TimeSpan _detection;
    private readonly Rebalancer _rebalancer;

    /// <summary>Creates the API over a running store.</summary>
    /// <param name="services">The store.</param>
    /// <param name="rootAccessKey">The one access key allowed to call the API.</param>
    /// <param name="requests">The S3 requests answered, by operation (shown by the status).</param>
    /// <param name="repairer">The repairer whose queue and rate the status shows.</param>
    /// <param name="monitor">The disk monitor (sweeps after state changes).</param>
    /// <param name="scrubber">The scrubber (on-demand passes, the last report).</param>
    /// <param name="host">Adds disks and persists the topology.</param>
    /// <param name="scrubRate">Bytes per second of an on-demand scrub.</param>
    /// <param name="detection">How long a failed disk may go unnoticed (the probe interval), for the durability model.</param>
    /// <param name="rebalancer">Moves fragments onto nodes below their share.</param>
    public AdminApi(StoreServices services, string rootAccessKey, RequestCounters requests, Repairer repairer, DiskMonitor monitor, Scrubber scrubber, IAdminHost host, long scrubRate, TimeSpan detection, Rebalancer rebalancer)
    {
        _rebalancer = rebalancer;
        _detection = detection;
        _services = services;
        _rootAccessKey = rootAccessKey;
        _requests = requests;
        _repairer = repairer;
        _monitor = monitor;
        _scrubber = scrubber;
        _host = host;
        _scrubRate = scrubRate;
    }

    /// <summary>In a cluster: this node's part in coordinating it (null on a single node).</summary>
    internal ClusterCoordinator? Cluster { get; set; }

    /// <summary>In a cluster: forwards an admin request to the coordinator and copies its answer (null on a single node).</summary>
    internal Func<HttpContext, string, string, Task<bool>>? ForwardToCoordinator { get; set; }

    /// <summary>In a cluster on the range-sharded index: the directory, splits and moves (null otherwise).</summary>
    internal ShardedIndexHost? ShardedIndex { get; set; }

    /// <summary>The lifecycle worker whose status <c>GET lifecycle</c> shows (null: none).</summary>
    internal LifecycleWorker? Lifecycle { get; set; }

    /// <summary>The transitioner behind <c>POST admin/v1/transition</c> (null: the operation is refused).</summary>
    internal IObjectTransitioner? Transitioner { get; init; }

    /// <summary>Cancels background work the API started (a rebalance) when the server stops.</summary>
    internal CancellationToken Stopping { get; set; }

    /// <inheritdoc />
    public async Task HandleAsync(HttpContext http, string accessKey, string path)
    {
        if (!string.Equals(accessKey, _rootAccessKey, StringComparison.Ordinal))
        {
            throw new S3Exception(S3Errors.AccessDenied);
        }

        await HandleAuthorizedAsync(http, path, forwarded: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Serves an admin request already authorised: signed by the root user on the S3 port, or forwarded by another node
    /// of the cluster over the storage port (<paramref name="forwarded"/>, never forwarded again).
    /// </summary>
    internal async Task HandleAuthorizedAsync(HttpContext http, string path, bool forwarded)
    {
        var operation = path.StartsWith(Prefix, StringComparison.Ordinal) ? path[Prefix.Length..] : null;
        var query = http.Request.Query;
        var method = http.Request.Method;
        if (Cluster is { IsCoordinator: false } cluster && operation is not null && !operation.StartsWith("object", StringComparison.Ordinal)
            && !operation.StartsWith("scrub", StringComparison.Ordinal)
            && !operation.StartsWith("transition", StringComparison.Ordinal))
        {
            if (forwarded || cluster.Coordinator is not { } coordinator || ForwardToCoordinator is not { } forward
                || !await forward(http, coordinator, Prefix + operation).ConfigureAwait(false))
            {
                await ErrorAsync(http, 503, "NoCoordinator", $"Node {cluster.NodeId} does not coordinate the cluster and could not reach the coordinator ({cluster.Coordinator ?? "none elected"}); try again.").ConfigureAwait(false);
            }

            return;
        }

        try
        {
            switch (operation)
            {
                case "status" when HttpMethods.IsGet(method):
                    await WriteAsync(http, 200, WriteStatus).ConfigureAwait(false);
                    return;
                case "coordinator" when HttpMethods.IsPost(method) && Cluster is { } coordinating:
                    // Step down: another node takes over at once; this one campaigns again a few seconds later.
                    _ = coordinating.StepDownAsync(TimeSpan.FromSeconds(3), Stopping);
                    await WriteAsync(http, 202, j => j.WriteString("steppingDown", coordinating.NodeId)).ConfigureAwait(false);
                    return;
                case "rebalance" when HttpMethods.IsPost(method):
                    var started = _rebalancer.Start(Cluster?.Term is { } term ? CancellationTokenSource.CreateLinkedTokenSource(term, Stopping).Token : Stopping);
                    await WriteAsync(http, 202, j => WriteRebalance(j, started)).ConfigureAwait(false);
                    return;
                case "lifecycle" when HttpMethods.IsGet(method) && Lifecycle is { } lifecycle:
                    await WriteAsync(http, 200, j => WriteLifecycle(j, lifecycle.Status)).ConfigureAwait(false);
                    return;
                case "rebalance" when HttpMethods.IsGet(method):
                    await WriteAsync(http, 200, j => WriteRebalance(j, _rebalancer.Status)).ConfigureAwait(false);
                    return;
                case not null when operation.StartsWith("nodes/", StringComparison.Ordinal) && HttpMethods.IsPost(method):
                    await NodeAsync(http, operation["nodes/".Length..], query["action"].ToString()).ConfigureAwait(false);
                    return;
                case "index" or "index/split" or "index/move" when ShardedIndex is null:
                    await ErrorAsync(http, 400, "InvalidRequest", "This store does not run the range-sharded index (indexGroups).").ConfigureAwait(false);
                    return;
                case "index" when HttpMethods.IsGet(method):
                    await WriteAsync(http, 200, ShardedIndex!, http.RequestAborted).ConfigureAwait(false);
                    return;
                case "index/split" when HttpMethods.IsPost(method):
                    await SplitAsync(http, ShardedIndex!, Required(query, "bucket"), Required(query, "key")).ConfigureAwait(false);
                    return;
                case "index/move" when HttpMethods.IsPost(method):
                    await MoveAsync(http, ShardedIndex!, Required(query, "bucket"), Required(query, "key"), Required(query, "group"), query["grace"].FirstOrDefault()).ConfigureAwait(false);
                    return;
                case "transition" when HttpMethods.IsPost(method) && Transitioner is { } transitioner:
                    var outcome = await transitioner.TransitionAsync(
                        Required(query, "bucket"), Required(query, "key"), Required(query, "versionId"), Required(query, "storageClass"), http.RequestAborted).ConfigureAwait(false);
                    await WriteAsync(http, 200, j => j.WriteString("outcome", outcome.ToString())).ConfigureAwait(false);
                    return;
                case "object" when HttpMethods.IsGet(method):
                    await ObjectAsync(http, query["bucket"].ToString(), query["key"].ToString(), query["versionId"].FirstOrDefault()).ConfigureAwait(false);
                    return;
                case "disks" when HttpMethods.IsPost(method) && Cluster is not null:
                    await ErrorAsync(http, 400, "InvalidRequest", "A cluster node's disks are its configured ones: to add capacity, start another node (then rebalance).").ConfigureAwait(false);
                    return;
                case "disks" when HttpMethods.IsPost(method):
                    var weight = query["weight"].FirstOrDefault() is { } w ? double.Parse(w, CultureInfo.InvariantCulture) : 1;
                    var disk = _host.AddDisk(query["path"].ToString(), query["zone"].FirstOrDefault(), query["rack"].FirstOrDefault(), query["node"].FirstOrDefault(), weight);

                    // Repairs that found no disk keeping the placement rule may find one now, and segments spread over too
                    // few domains (rebuilt while one was lost) can be spread again.
                    var requeued = _repairer.RetryWaiting() + _monitor.Sweep(null, checkFiles: false);
                    await WriteAsync(http, 200, j =>
                    {
                        WriteDiskFields(j, disk);
                        j.WriteNumber("queued", requeued);
                    }).ConfigureAwait(false);
                    return;
                case not null when operation.StartsWith("disks/", StringComparison.Ordinal) && HttpMethods.IsPost(method):
                    await SetStateAsync(http, operation["disks/".Length..], query["state"].ToString()).ConfigureAwait(false);
                    return;
                case "heal" when HttpMethods.IsPost(method):
                    var queued = _monitor.Sweep(null, checkFiles: true);
                    await WriteAsync(http, 200, j => j.WriteNumber("queued", queued)).ConfigureAwait(false);
                    return;
                case "scrub" when HttpMethods.IsPost(method):
                    var everyDisk = string.Equals(query["scope"], "cluster", StringComparison.Ordinal);
                    var report = await _scrubber.ScrubOnceAsync(_scrubRate, http.RequestAborted, everyDisk ? static _ => true : null).ConfigureAwait(false);
                    await WriteAsync(http, 200, j => WriteScrub(j, report)).ConfigureAwait(false);
                    return;
                default:
                    await ErrorAsync(http, 404, "NoSuchAdminOperation", $"No admin operation {method} {operation ?? path}.").ConfigureAwait(false);
                    return;
            }
        }
        catch (PlacementException e)
        {
            await ErrorAsync(http, 409, "PlacementRefused", e.Message).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (operation?.StartsWith("index", StringComparison.Ordinal) == true)
        {
            await ErrorAsync(http, 409, "IndexRangeBusy", e.Message).ConfigureAwait(false);
        }
        catch (NotCoordinatorException e)
        {
            await ErrorAsync(http, 503, "NoCoordinator", e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException)
        {
            await ErrorAsync(http, 400, "InvalidRequest", e.Message).ConfigureAwait(false);
        }
    }

    private static string Required(IQueryCollection query, string name) =>
        query[name].FirstOrDefault() is { Length: > 0 } value ? value : throw new ArgumentException($"The query parameter '{name}' is required.");

    private static async Task WriteAsync(HttpContext http, int status, ShardedIndexHost index, CancellationToken cancellationToken)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        await using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            await index.WriteAsync(j, cancellationToken).ConfigureAwait(false);
            j.WriteEndObject();
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private async Task SplitAsync(HttpContext http, ShardedIndexHost index, string bucket, string key)
    {
        var (left, right) = await index.SplitAsync(bucket, key, Stopping).ConfigureAwait(false);
        LogMessages.RangeSplitByAdmin(_services.Logger, bucket + "/" + key, left.Id, right.Id);
        await WriteAsync(http, 200, j =>
        {
            j.WritePropertyName("left");
            ShardedIndexHost.WriteRange(j, left);
            j.WritePropertyName("right");
            ShardedIndexHost.WriteRange(j, right);
        }).ConfigureAwait(false);
    }

    private async Task MoveAsync(HttpContext http, ShardedIndexHost index, string bucket, string key, string group, string? graceText)
    {
        var grace = graceText is null ? new Tessera.Cluster.Index.Sharding.SplitPolicy().MoveGrace
            : TimeSpan.FromSeconds(double.Parse(graceText, NumberStyles.Float, CultureInfo.InvariantCulture));
        if (grace < TimeSpan.Zero || grace > TimeSpan.FromMinutes(4))
        {
            throw new ArgumentException($"grace must be from 0 to 240 seconds, not {graceText}.");
        }

        var report = await index.MoveAsync(bucket, key, group, grace, Stopping).ConfigureAwait(false);
        LogMessages.RangeMoved(_services.Logger, report.RangeId, report.From, report.To, report.PreCopied, report.DeltaCopied, report.Frozen.TotalMilliseconds, report.Removed);
        await WriteAsync(http, 200, j =>
        {
            j.WriteString("rangeId", report.RangeId);
            j.WriteString("from", report.From);
            j.WriteString("to", report.To);
            j.WriteNumber("preCopied", report.PreCopied);
            j.WriteNumber("deltaCopied", report.DeltaCopied);
            j.WriteNumber("frozenMilliseconds", Math.Round(report.Frozen.TotalMilliseconds, 1));
            j.WriteNumber("removed", report.Removed);
        }).ConfigureAwait(false);
    }

    private async Task SetStateAsync(HttpContext http, string diskId, string stateText)
    {
        if (!Enum.TryParse<DiskState>(stateText, ignoreCase: true, out var state) || !Enum.IsDefined(state))
        {
            await ErrorAsync(http, 400, "InvalidRequest", $"Unknown disk state '{stateText}': active, draining or failed.").ConfigureAwait(false);
            return;
        }

        if (_services.Storage.KnownDisk(diskId) is null)
        {
            await ErrorAsync(http, 404, "NoSuchDisk", $"No disk '{diskId}'.").ConfigureAwait(false);
            return;
        }

        _services.Storage.SetState(diskId, state);
        var queued = _monitor.OnStateSet(diskId, state);
        _host.SaveTopology();
        await WriteAsync(http, 200, j =>
        {
            j.WriteString("id", diskId);
            j.WriteString("state", Name(state));
            j.WriteNumber("queued", queued);
        }).ConfigureAwait(false);
    }

    /// <summary>Drains a node, declares it lost (replace) or makes it active again: every one of its disks at once.</summary>
    private async Task NodeAsync(HttpContext http, string node, string action)
    {
        DiskState state;
        switch (action)
        {
            case "drain":
                state = DiskState.Draining;
                break;
            case "replace":
                state = DiskState.Failed;
                break;
            case "activate":
                state = DiskState.Active;
                break;
            default:
                await ErrorAsync(http, 400, "InvalidRequest", $"Unknown node action '{action}': drain, replace or activate.").ConfigureAwait(false);
                return;
        }

        var set = _services.Storage;
        var disks = set.Disks.Where(d => string.Equals(d.Labels.Node, node, StringComparison.Ordinal)).Select(d => d.Id).ToList();
        if (disks.Count == 0)
        {
            await ErrorAsync(http, 404, "NoSuchNode", $"No node '{node}' holds a disk of this store.").ConfigureAwait(false);
            return;
        }

        if (state == DiskState.Draining)
        {
            // Refused (409) when the other nodes' active disks cannot hold every policy: the drain could never finish.
            var remaining = set.Disks.Where(d => !disks.Contains(d.Id) && set.StateOf(d.Id) == DiskState.Active).ToList();
            foreach (var policy in set.Policies)
            {
                Placement.Validate(remaining, policy.DataShards, policy.ParityShards, policy.DomainLevel);
            }
        }

        var before = disks.ToDictionary(d => d, set.StateOf, StringComparer.Ordinal);
        set.ApplyStates(set.States.Where(s => !disks.Contains(s.Key)).Concat(disks.Select(d => KeyValuePair.Create(d, state))).ToDictionary(StringComparer.Ordinal));
        try
        {
            _host.SaveTopology();
        }
        catch (NotCoordinatorException)
        {
            set.ApplyStates(set.States.Where(s => !disks.Contains(s.Key)).Concat(before).ToDictionary(StringComparer.Ordinal));
            throw;
        }

        var queued = _monitor.OnStatesSet(disks, state);
        await WriteAsync(http, 200, j =>
        {
            j.WriteString("node", node);
            j.WriteString("action", action);
            j.WriteString("state", Name(state));
            j.WriteStartArray("disks");
            foreach (var disk in disks)
            {
                j.WriteStringValue(disk);
            }

            j.WriteEndArray();
            j.WriteNumber("queued", queued);
        }).ConfigureAwait(false);
    }

    private void WriteLifecycle(Utf8JsonWriter j, LifecycleStatus status)
    {
        static void Time(Utf8JsonWriter j, string name, DateTimeOffset? value)
        {
            if (value is { } v)
            {
                j.WriteString(name, v.ToString("O", CultureInfo.InvariantCulture));
            }
        }

        j.WriteBoolean("active", status.Active);
        j.WriteBoolean("running", status.Running);
        Time(j, "passStart", status.PassStart);
        if (status.ResumedBucket is { } resumed)
        {
            j.WriteString("resumedBucket", resumed);
            j.WriteString("resumedAfterKey", status.ResumedAfterKey);
        }

        Time(j, "lastPassStart", status.LastPassStart);
        Time(j, "lastPassEnd", status.LastPassEnd);
        Time(j, "nextPass", status.NextPass);
        if (status.Cursor is { } cursor)
        {
            j.WriteStartObject("cursor");
            Time(j, "passStart", cursor.PassStart);
            j.WriteString("bucket", cursor.Bucket);
            j.WriteString("phase", cursor.Phase == 0 ? "versions" : "uploads");
            j.WriteNumber("prefixIndex", cursor.PrefixIndex);
            j.WriteString("keyMarker", cursor.KeyMarker);
            Time(j, "lastPassEnd", cursor.LastPassEnd);
            j.WriteEndObject();
        }

        var classes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        j.WriteStartArray("buckets");
        foreach (var b in status.Buckets)
        {
            j.WriteStartObject();
            j.WriteString("bucket", b.Bucket);
            Time(j, "passStart", b.PassStart);
            Time(j, "passEnd", b.PassEnd);
            j.WriteNumber("objectsScanned", b.ObjectsScanned);
            j.WriteNumber("bytesScanned", b.BytesScanned);
            j.WriteNumber("uploadsScanned", b.UploadsScanned);
            j.WriteStartObject("actions");
            foreach (var (kind, count) in b.Actions)
            {
                j.WriteNumber(kind, count);
            }

            j.WriteEndObject();
            j.WriteStartObject("actionsSinceStart");
            foreach (var (kind, count) in b.ActionsSinceStart)
            {
                j.WriteNumber(kind, count);
            }

            j.WriteEndObject();
            Time(j, "nextDue", b.NextDue);
            j.WriteStartObject("bytesByClass");
            foreach (var (storageClass, bytes) in b.BytesByClass)
            {
                j.WriteNumber(storageClass, bytes);
                classes[storageClass] = classes.GetValueOrDefault(storageClass) + bytes;
            }

            j.WriteEndObject();
            j.WriteEndObject();
        }

        j.WriteEndArray();

        // The cost trade: every class's bytes with the raw bytes its erasure policy spends on disks ((k + m) / k).
        j.WriteStartArray("storageClasses");
        foreach (var (storageClass, bytes) in classes)
        {
            j.WriteStartObject();
            j.WriteString("storageClass", storageClass);
            if (_services.Tiers.ForClass(storageClass) is { } tier)
            {
                // Its bytes are on another store: none on these disks (what the tier spends there is the tier's own).
                j.WriteString("policy", "tier:" + tier.Name);
                j.WriteString("tier", tier.Name);
                j.WriteNumber("bytes", bytes);
                j.WriteNumber("overhead", 0);
                j.WriteNumber("rawBytes", 0);
                j.WriteEndObject();
                continue;
            }

            var policy = _services.Storage.PolicyFor(storageClass);
            var overhead = (double)(policy.DataShards + policy.ParityShards) / policy.DataShards;
            j.WriteString("policy", policy.DataShards.ToString(CultureInfo.InvariantCulture) + "+" + policy.ParityShards.ToString(CultureInfo.InvariantCulture));
            j.WriteNumber("bytes", bytes);
            j.WriteNumber("overhead", Math.Round(overhead, 4));
            j.WriteNumber("rawBytes", (long)Math.Ceiling(bytes * overhead));
            j.WriteEndObject();
        }

        j.WriteEndArray();
    }

    private static void WriteRebalance(Utf8JsonWriter j, RebalanceStatus status)
    {
        j.WriteBoolean("running", status.Running);
        if (status.Started is { } started)
        {
            j.WriteString("started", started.ToString("O", CultureInfo.InvariantCulture));
        }

        if (status.Finished is { } finished)
        {
            j.WriteString("finished", finished.ToString("O", CultureInfo.InvariantCulture));
        }

        j.WriteNumber("segments", status.Segments);
        j.WriteNumber("planned", status.Planned);
        j.WriteNumber("moved", status.Moved);
        j.WriteNumber("failed", status.Failed);
        j.WriteStartArray("nodes");
        foreach (var node in status.Nodes)
        {
            j.WriteStartObject();
            j.WriteString("node", node.Node);
            j.WriteNumber("fragments", node.Fragments);
            j.WriteNumber("idealShare", node.IdealShare);
            j.WriteEndObject();
        }

        j.WriteEndArray();
    }

    private async Task ObjectAsync(HttpContext http, string bucket, string key, string? versionId)
    {
        if (bucket.Length == 0 || key.Length == 0)
        {
            await ErrorAsync(http, 400, "InvalidRequest", "Name the bucket and the key: object?bucket=B&key=K.").ConfigureAwait(false);
            return;
        }

        if (_services.Index.GetBucket(bucket) is null)
        {
            await ErrorAsync(http, 404, "NoSuchBucket", $"No bucket '{bucket}'.").ConfigureAwait(false);
            return;
        }

        var manifest = _services.Index.GetObject(bucket, key, versionId, includeDeleteMarker: true);
        if (manifest is null)
        {
            await ErrorAsync(http, 404, "NoSuchKey", $"No object '{key}' in '{bucket}'.").ConfigureAwait(false);
            return;
        }

        await WriteAsync(http, 200, j =>
        {
            j.WriteString("bucket", bucket);
            j.WriteString("key", manifest.Key);
            j.WriteString("versionId", manifest.VersionId);
            j.WriteBoolean("deleteMarker", manifest.IsDeleteMarker);
            j.WriteNumber("size", manifest.Size);
            j.WriteString("etag", manifest.ETag);
            j.WriteString("storageClass", manifest.StorageClass);
            j.WriteStartArray("segments");
            foreach (var segment in manifest.Segments)
            {
                WriteSegment(j, segment, manifest.StorageClass);
            }

            j.WriteEndArray();
            if (manifest.Restore is { } restore)
            {
                // An archived version's restore: running, or its temporary STANDARD copy.
                j.WriteStartObject("restore");
                j.WriteBoolean("ongoing", restore.Ongoing);
                j.WriteNumber("days", restore.Days);
                j.WriteString("tier", restore.Tier);
                j.WriteString("requested", restore.Requested);
                if (restore.Expiry is { } expiry)
                {
                    j.WriteString("expiry", expiry);
                }

                j.WriteStartArray("segments");
                foreach (var segment in restore.Segments)
                {
                    WriteSegment(j, segment, "STANDARD");
                }

                j.WriteEndArray();
                j.WriteEndObject();
            }
        }).ConfigureAwait(false);
    }

    private void WriteSegment(Utf8JsonWriter j, SegmentManifest segment, string storageClass)
    {
        if (segment.Tier is { } tier)
        {
            j.WriteStartObject();
            j.WriteString("segment", segment.Segment.ToString("N"));
            j.WriteNumber("partNumber", segment.PartNumber);
            j.WriteNumber("size", segment.Size);
            j.WriteString("tier", tier);
            j.WriteStartArray("fragments");
            j.WriteEndArray();
            j.WriteEndObject();
            return;
        }

        var set = _services.Storage;
        var level = set.DomainLevelOf(segment.DataShards, segment.ParityShards, storageClass);
        j.WriteStartObject();
        j.WriteString("segment", segment.Segment.ToString("N"));
        j.WriteNumber("partNumber", segment.PartNumber);
        j.WriteNumber("size", segment.Size);
        j.WriteNumber("k", segment.DataShards);
        j.WriteNumber("m", segment.ParityShards);
        j.WriteNumber("shardSize", segment.ShardSize);
        j.WriteString("domainLevel", level);
        j.WriteStartArray("fragments");
        for (var i = 0; i < segment.Disks.Count; i++)
        {
            var diskId = segment.Disks[i];
            var disk = set.KnownDisk(diskId);
            j.WriteStartObject();
            j.WriteNumber("index", i);
            j.WriteString("kind", i < segment.DataShards ? "data" : "parity");
            j.WriteString("disk", diskId);
            if (disk is not null)
            {
                j.WriteString("zone", disk.Labels.Zone);
                j.WriteString("rack", disk.Labels.Rack);
                j.WriteString("node", disk.Labels.Node);
                j.WriteString("domain", disk.Labels.Domain(level, disk.Id));
            }

            j.WriteString("state", disk is null ? "unknown" : Name(set.StateOf(diskId)));
            var present = diskId.Length > 0 && set.Disk(diskId)?.LastWriteTime(new FragmentId(segment.Segment, i)) is not null;
            j.WriteBoolean("present", present);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();
    }

    private void WriteStatus(Utf8JsonWriter j)
    {
        var set = _services.Storage;
        j.WriteStartArray("disks");
        foreach (var disk in set.Disks)
        {
            WriteDisk(j, disk);
        }

        j.WriteEndArray();
        if (Cluster is { } cluster)
        {
            j.WriteString("coordinator", cluster.NodeId);
            j.WriteNumber("fencingToken", cluster.FencingToken);
        }

        j.WriteBoolean("writesDegraded", set.WritesDegraded);
        j.WriteStartArray("policies");
        foreach (var (name, policy) in set.ClassPolicies.Prepend(KeyValuePair.Create("STANDARD", set.Policy)))
        {
            j.WriteStartObject();
            j.WriteString("storageClass", name);
            j.WriteNumber("k", policy.DataShards);
            j.WriteNumber("m", policy.ParityShards);
            j.WriteNumber("shardSize", policy.ShardSize);
            j.WriteString("domainLevel", policy.DomainLevel);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        var r = _repairer.Status();
        j.WriteStartObject("repair");
        j.WriteNumber("queued", r.QueuedSegments);
        j.WriteStartArray("queuedByRedundancy");
        foreach (var (redundancy, count) in r.Queued)
        {
            j.WriteStartObject();
            j.WriteNumber("redundancy", redundancy);
            j.WriteNumber("segments", count);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteNumber("inProgress", r.InProgress);
        j.WriteNumber("segmentsRepaired", r.SegmentsRepaired);
        j.WriteNumber("fragmentsRebuilt", r.FragmentsRebuilt);
        j.WriteNumber("bytesRebuilt", r.BytesRebuilt);
        j.WriteNumber("blocked", r.Blocked);
        j.WriteNumber("unrecoverable", r.Unrecoverable);
        j.WriteNumber("busySeconds", r.BusyTime.TotalSeconds);
        j.WriteNumber("measuredBytesPerSecond", Math.Round(r.MeasuredBytesPerSecond));
        j.WriteNumber("recentBytesPerSecond", Math.Round(r.RecentBytesPerSecond));
        j.WriteNumber("bandwidthLimit", r.BandwidthLimit);
        j.WriteNumber("detectionSeconds", _detection.TotalSeconds);
        j.WriteNumber("roundDone", r.RoundDone);
        j.WriteNumber("roundTotal", r.RoundTotal);
        if (r.EstimatedRemaining is { } eta)
        {
            j.WriteNumber("etaSeconds", Math.Round(eta.TotalSeconds, 1));
        }
        else
        {
            j.WriteNull("etaSeconds");
        }

        j.WriteEndObject();
        j.WriteStartObject("degradedReads");
        j.WriteNumber("reads", _services.ReadDamage.Reads);
        j.WriteNumber("blocksReconstructed", _services.ReadDamage.Blocks);
        j.WriteEndObject();
        j.WriteStartObject("requests");
        foreach (var (operation, requests, clientErrors, serverErrors) in _requests.Snapshot())
        {
            j.WriteStartObject(operation.ToString());
            j.WriteNumber("count", requests);
            j.WriteNumber("clientErrors", clientErrors);
            j.WriteNumber("serverErrors", serverErrors);
            j.WriteEndObject();
        }

        j.WriteEndObject();
        j.WriteStartObject("rebalance");
        WriteRebalance(j, _rebalancer.Status);
        j.WriteEndObject();
        if (_scrubber.LastReport is { } scrub)
        {
            j.WriteStartObject("lastScrub");
            WriteScrub(j, scrub);
            j.WriteEndObject();
        }
        else
        {
            j.WriteNull("lastScrub");
        }
    }

    private void WriteDisk(Utf8JsonWriter j, IDisk disk)
    {
        j.WriteStartObject();
        WriteDiskFields(j, disk);
        j.WriteEndObject();
    }

    private void WriteDiskFields(Utf8JsonWriter j, IDisk disk)
    {
        j.WriteString("id", disk.Id);
        if (disk is LocalDisk local)
        {
            j.WriteString("path", local.Root);
        }
        else if (disk is Tessera.Cluster.Storage.RemoteDisk remote)
        {
            j.WriteString("endpoint", remote.Endpoint.ToString());
        }

        // In a cluster: a disk whose node's registration lapsed is out of placement; one failing its probes is down.
        j.WriteBoolean("present", !_services.Storage.Absent.Contains(disk.Id));
        if (_monitor.Down.TryGetValue(disk.Id, out var since))
        {
            j.WriteString("downSince", since.ToString("O", CultureInfo.InvariantCulture));
        }

        j.WriteString("zone", disk.Labels.Zone);
        j.WriteString("rack", disk.Labels.Rack);
        j.WriteString("node", disk.Labels.Node);
        j.WriteNumber("weight", disk.Weight);
        j.WriteString("state", Name(_services.Storage.StateOf(disk.Id)));
    }

    private static void WriteScrub(Utf8JsonWriter j, ScrubReport report)
    {
        j.WriteString("started", report.Started.ToString("O", CultureInfo.InvariantCulture));
        j.WriteNumber("seconds", Math.Round(report.Duration.TotalSeconds, 3));
        j.WriteNumber("segments", report.Segments);
        j.WriteNumber("fragmentsChecked", report.FragmentsChecked);
        j.WriteNumber("bytesVerified", report.BytesVerified);
        j.WriteNumber("missing", report.MissingFragments);
        j.WriteNumber("corrupt", report.CorruptFragments);
        j.WriteNumber("corruptBlocks", report.CorruptBlocks);
        j.WriteNumber("orphans", report.OrphanFragments);
        j.WriteNumber("failedDisks", report.FailedDisks);
    }

    private static string Name(DiskState state) => state.ToString().ToLowerInvariant();

    private static Task ErrorAsync(HttpContext http, int status, string code, string message) =>
        WriteAsync(http, status, j =>
        {
            j.WriteString("code", code);
            j.WriteString("message", message);
        });

    private static async Task WriteAsync(HttpContext http, int status, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted).ConfigureAwait(false);
    }
}
