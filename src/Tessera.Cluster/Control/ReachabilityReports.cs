using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Tessera.Cluster.Control;

/// <summary>
/// The nodes' reachability reports in etcd: <c>/tessera/reports/&lt;nodeId&gt;</c> holds the nodes whose storage port
/// that node cannot reach, comma-separated (empty when it reaches every one). The coordinator counts a node that most
/// of the others cannot reach as failing its probes, itself included: a coordinator whose own storage port is cut still
/// reaches its own disks, and only the others' reports tell it otherwise.
/// </summary>
public sealed class ReachabilityReports
{
    private readonly EtcdClient _client;
    private readonly ControlPlaneOptions _options;
    private readonly EtcdKeys _keys;

    /// <summary>Creates the reports over <paramref name="client"/> (not disposed here).</summary>
    public ReachabilityReports(EtcdClient client, ControlPlaneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? new ControlPlaneOptions();
        _options.Validate();
        _client = client;
        _keys = new EtcdKeys(_options.KeyPrefix);
    }

    /// <summary>Replaces <paramref name="nodeId"/>'s report with <paramref name="unreachable"/>.</summary>
    public async Task PublishAsync(string nodeId, IEnumerable<string> unreachable, CancellationToken cancellationToken)
    {
        var key = _keys.ReportsPrefix + EtcdKeys.CheckId(nodeId, nameof(nodeId));
        var value = string.Join(',', unreachable.Order(StringComparer.Ordinal));
        await _client.PutAsync(
            new PutRequest { Key = EtcdKeys.Bytes(key), Value = ByteString.CopyFromUtf8(value) },
            deadline: DateTime.UtcNow + _options.RequestTimeout,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The nodes of <paramref name="registered"/> that more than half of the other registered nodes report they cannot
    /// reach (one linearizable read of every report; reports of nodes not registered are ignored).
    /// </summary>
    public async Task<IReadOnlySet<string>> ReadDownAsync(IReadOnlyCollection<string> registered, CancellationToken cancellationToken)
    {
        var prefix = _keys.ReportsPrefix;
        var response = await _client.GetAsync(
            new RangeRequest { Key = EtcdKeys.Bytes(prefix), RangeEnd = EtcdKeys.RangeEnd(prefix) },
            deadline: DateTime.UtcNow + _options.RequestTimeout,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var reports = response.Kvs
            .Select(kv => (Reporter: kv.Key.ToStringUtf8()[prefix.Length..], Unreachable: kv.Value.ToStringUtf8().Split(',', StringSplitOptions.RemoveEmptyEntries)))
            .Where(r => registered.Contains(r.Reporter))
            .ToList();
        var voters = registered.Count - 1;
        return registered
            .Where(node => voters > 0 && reports.Count(r => r.Reporter != node && r.Unreachable.Contains(node, StringComparer.Ordinal)) * 2 > voters)
            .ToHashSet(StringComparer.Ordinal);
    }
}
