namespace Tessera.Cluster.Control;

/// <summary>
/// What a node announces about itself at <c>/tessera/nodes/&lt;NodeId&gt;</c> while it is up (JSON, camelCase, through
/// <see cref="ControlJsonContext"/>). The key lives under the node's lease, so it disappears when the node leaves or
/// stops renewing.
/// </summary>
public sealed record NodeRecord
{
    /// <summary>The node's id, unique in the cluster (no '/').</summary>
    public required string NodeId { get; init; }

    /// <summary>The URL clients reach the node's S3 API at.</summary>
    public required string S3Endpoint { get; init; }

    /// <summary>The URL peers reach the node's storage endpoint at (<see cref="Storage.ClusterProtocol.StoragePrefix"/> is appended).</summary>
    public required string StorageEndpoint { get; init; }

    /// <summary>The failure domain the node stands in (a site or room); empty when not given.</summary>
    public string Zone { get; init; } = "";

    /// <summary>The rack the node stands in; empty when not given.</summary>
    public string Rack { get; init; } = "";

    /// <summary>The node's disks.</summary>
    public IReadOnlyList<NodeDisk> Disks { get; init; } = [];

    /// <summary>When the node's process started: a new value tells peers the node restarted.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The node's Tessera version.</summary>
    public string Version { get; init; } = "";
}
