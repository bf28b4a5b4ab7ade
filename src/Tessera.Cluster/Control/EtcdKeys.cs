using Google.Protobuf;

namespace Tessera.Cluster.Control;

/// <summary>
/// The control plane's etcd key layout under a prefix (default <c>/tessera/</c>):
/// <c>nodes/&lt;nodeId&gt;</c> (a <see cref="NodeRecord"/> under the node's lease), <c>coordinator</c> (the elected
/// coordinator's node id under its lease), <c>topology/disks/&lt;diskId&gt;</c> (a <see cref="DiskStateRecord"/>) and
/// <c>topology/version</c> (the map's version as a decimal number), <c>buckets/&lt;name&gt;</c> (a <see cref="BucketRecord"/>,
/// written by the index node only) and <c>users/&lt;accessKey&gt;</c> (a <see cref="UserRecord"/>).
/// </summary>
internal sealed class EtcdKeys
{
    public EtcdKeys(string prefix)
    {
        Prefix = prefix;
        NodesPrefix = prefix + "nodes/";
        Coordinator = prefix + "coordinator";
        TopologyPrefix = prefix + "topology/";
        DisksPrefix = TopologyPrefix + "disks/";
        TopologyVersion = TopologyPrefix + "version";
        BucketsPrefix = prefix + "buckets/";
        UsersPrefix = prefix + "users/";
        ReportsPrefix = prefix + "reports/";
    }

    public string Prefix { get; }

    public string NodesPrefix { get; }

    public string Coordinator { get; }

    /// <summary>The prefix holding both the disk states and the version, so one watch sees them in commit order.</summary>
    public string TopologyPrefix { get; }

    public string DisksPrefix { get; }

    public string TopologyVersion { get; }

    /// <summary>Where each node reports the nodes whose storage port it cannot reach (<see cref="ReachabilityReports"/>).</summary>
    public string ReportsPrefix { get; }

    public string BucketsPrefix { get; }

    public string UsersPrefix { get; }

    public string Node(string nodeId) => NodesPrefix + CheckId(nodeId, nameof(nodeId));

    public string Disk(string diskId) => DisksPrefix + CheckId(diskId, nameof(diskId));

    /// <summary>A bucket's key; S3 bucket names never hold '/', so the name is one key segment as it is.</summary>
    public string Bucket(string name) => BucketsPrefix + CheckId(name, nameof(name));

    public string User(string accessKey) => UsersPrefix + CheckId(accessKey, nameof(accessKey));

    public static ByteString Bytes(string key) => ByteString.CopyFromUtf8(key);

    /// <summary>The range end that makes a Range or Watch cover every key starting with <paramref name="prefix"/>.</summary>
    public static ByteString RangeEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        // Prefixes here end in '/', so the last byte never overflows.
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>Node and disk ids, bucket names and access keys become one key segment: non-empty, no '/', at most 256 characters.</summary>
    public static string CheckId(string id, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, name);
        if (id.Length > 256 || id.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{id}' is not a valid id: at most 256 characters and no '/'.", name);
        }

        return id;
    }
}
