using System.Text.Json;
using dotnet_etcd;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Server;

/// <summary>
/// A cluster node's part in the range-sharded index (<c>indexGroups</c>, docs/design/index-sharding.md): the range
/// directory in the control plane, the <see cref="EtcdIndexStore"/> this node's gateway reads and writes through, the
/// bucket records every node reads from etcd, and (while this node coordinates) the automatic splits and the admin
/// API's splits and moves.
/// </summary>
/// <remarks>
/// Group key prefixes are fixed: group <c>NAME</c> keeps its records under <c>/tessera/idx/NAME/</c> in its own etcd, so
/// <c>control</c> (one group <c>g1</c> on the control plane's etcd) puts them next to, and never inside, the control
/// plane's keys (<c>/tessera/index/</c> is the directory, <c>/tessera/buckets/</c> the bucket records).
/// </remarks>
internal sealed class ShardedIndexHost : IAsyncDisposable
{
    /// <summary>The <c>indexGroups</c> value meaning one group on the control plane's etcd.</summary>
    public const string OnControlPlane = "control";

    /// <summary>The name of the group <see cref="OnControlPlane"/> makes.</summary>
    public const string ControlGroupName = "g1";

    private readonly EtcdClient _control;
    private readonly RangeMover _mover;

    private ShardedIndexHost(EtcdClient control, EtcdRangeDirectory directory, SharedEtcdBucketCatalog buckets)
    {
        _control = control;
        Directory = directory;
        Buckets = buckets;
        _mover = new RangeMover(directory, EtcdIndexLayout.Instance);
    }

    /// <summary>The range directory, cached; every index call compares its group's fence with it.</summary>
    public EtcdRangeDirectory Directory { get; }

    /// <summary>The bucket records, read from etcd on every call.</summary>
    public SharedEtcdBucketCatalog Buckets { get; }

    /// <summary>The key prefix of group <paramref name="name"/> in its etcd: <c>/tessera/idx/NAME/</c>.</summary>
    public static string GroupPrefix(string name) => "/tessera/idx/" + name + "/";

    /// <summary>
    /// Parses <c>indexGroups</c>: <c>NAME=URL[,URL...]</c> entries separated by <c>;</c>, or <c>control</c> (group
    /// <c>g1</c> on <paramref name="controlEndpoints"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An entry without a name or endpoints, a name with '/', a name given twice.</exception>
    public static IReadOnlyList<GroupRecord> ParseGroups(string value, string controlEndpoints)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Trim() == OnControlPlane)
        {
            return [new GroupRecord { Name = ControlGroupName, Endpoints = controlEndpoints, KeyPrefix = GroupPrefix(ControlGroupName) }];
        }

        var groups = new List<GroupRecord>();
        foreach (var entry in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? entry[..equals].Trim() : "";
            var endpoints = equals > 0 ? string.Join(',', entry[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) : "";
            if (name.Length == 0 || endpoints.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Length > 64)
            {
                throw new ArgumentException($"indexGroups: '{entry}' is not NAME=URL[,URL...] (a name of at most 64 characters without '/').");
            }

            if (groups.Any(g => g.Name == name))
            {
                throw new ArgumentException($"indexGroups names group '{name}' twice.");
            }

            groups.Add(new GroupRecord { Name = name, Endpoints = endpoints, KeyPrefix = GroupPrefix(name) });
        }

        return groups.Count > 0 ? groups : throw new ArgumentException("indexGroups names no group: give NAME=URL[,URL...] entries separated by ';', or 'control'.");
    }

    /// <summary>Opens the directory (creating it, or adding groups missing from it) over the control plane of <paramref name="options"/>.</summary>
    public static async Task<ShardedIndexHost> OpenAsync(ServerOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var groups = ParseGroups(options.IndexGroups!, options.Etcd!);
        var control = new EtcdClient(options.Etcd!);
        try
        {
            var directory = await EtcdRangeDirectory.OpenAsync(control, new ControlPlaneOptions(), groups, cancellationToken: cancellationToken).ConfigureAwait(false);
            var buckets = new SharedEtcdBucketCatalog(control, logger: loggers.CreateLogger("Tessera.Cluster.Metadata"));
            return new ShardedIndexHost(control, directory, buckets);
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new index over the directory (the caller disposes it before this host), behind this gateway's manifest cache:
    /// a GET is answered from the cache only when its witness is unchanged (docs/design/consistency.md).
    /// </summary>
    public IIndexStore CreateStore(TimeProvider time)
    {
        var options = new EtcdIndexOptions();
        return new WitnessCachedIndexStore(new EtcdIndexStore(Directory, Buckets, time, options), new WitnessReader(Directory, options.RequestTimeout));
    }

    /// <summary>Splits the range holding <c>bucket/key</c> so that a range starts there.</summary>
    public Task<(RangeRecord Left, RangeRecord Right)> SplitAsync(string bucket, string key, CancellationToken cancellationToken) =>
        _mover.SplitAsync(IndexCoordinates.Of(bucket, key), cancellationToken);

    /// <summary>Moves the range starting exactly at <c>bucket/key</c> to <paramref name="group"/>.</summary>
    public Task<MoveReport> MoveAsync(string bucket, string key, string group, TimeSpan grace, CancellationToken cancellationToken) =>
        _mover.MoveAsync(IndexCoordinates.Of(bucket, key), group, grace, cancellationToken);

    /// <summary>
    /// Runs the automatic splits (<see cref="RangeSplitter"/>, <see cref="SplitPolicy"/> defaults) while this node
    /// coordinates: a splitter per term, stopped when the term ends, until <paramref name="stopping"/> fires.
    /// </summary>
    public async Task RunSplitterAsync(ClusterCoordinator coordinator, ILogger logger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!coordinator.IsCoordinator || coordinator.Term.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                    continue;
                }

                using var term = CancellationTokenSource.CreateLinkedTokenSource(coordinator.Term, stopping);
                var splitter = new RangeSplitter(Directory, _mover, EtcdIndexLayout.LatestSpace);
                await splitter.RunAsync(
                    decision => LogMessages.RangeSplit(logger, decision.RangeId, Show(decision.At), decision.Reason, decision.Keys, decision.Move?.To ?? "(not moved)", decision.Move?.Frozen.TotalMilliseconds ?? 0),
                    e => LogMessages.RangeSplitFailed(logger, e),
                    term.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The term ended (or the node stops): wait for the next one.
            }
        }
    }

    /// <summary>Writes the directory: <c>{"revision", "groups": [{name, endpoints, keyPrefix, generation}], "ranges": [{id, start, end, group, frozen, movingTo}]}</c>.</summary>
    public async Task WriteAsync(Utf8JsonWriter j, CancellationToken cancellationToken)
    {
        await Directory.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = Directory.Snapshot;
        j.WriteNumber("revision", snapshot.Revision);
        j.WriteStartArray("groups");
        foreach (var (group, _) in snapshot.Groups.Values.OrderBy(g => g.Record.Name, StringComparer.Ordinal))
        {
            j.WriteStartObject();
            j.WriteString("name", group.Name);
            j.WriteString("endpoints", group.Endpoints);
            j.WriteString("keyPrefix", group.KeyPrefix);
            j.WriteNumber("generation", group.Generation);
            j.WriteNumber("ranges", snapshot.Ranges.Count(r => r.Record.Group == group.Name));
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteStartArray("ranges");
        foreach (var (range, _) in snapshot.Ranges)
        {
            WriteRange(j, range);
        }

        j.WriteEndArray();
    }

    /// <summary>Writes one range as a JSON object, its bounds shown as <c>bucket/key</c> (the end null for the last range).</summary>
    public static void WriteRange(Utf8JsonWriter j, RangeRecord range)
    {
        j.WriteStartObject();
        j.WriteString("id", range.Id);
        j.WriteString("start", Show(range.Start));
        if (range.End is null)
        {
            j.WriteNull("end");
        }
        else
        {
            j.WriteString("end", Show(range.End));
        }

        j.WriteString("group", range.Group);
        j.WriteBoolean("frozen", range.Frozen);
        if (range.MovingTo is { } target)
        {
            j.WriteString("movingTo", target);
        }

        j.WriteEndObject();
    }

    /// <summary>A coordinate as <c>bucket/key</c> (its 0x00 shown as '/'); bytes that are not UTF-8 as U+FFFD.</summary>
    public static string Show(byte[] coordinate) => System.Text.Encoding.UTF8.GetString(coordinate).Replace('\0', '/');

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Directory.Dispose();
        _control.Dispose();
        return ValueTask.CompletedTask;
    }
}
