namespace Tessera.Cluster.Control;

/// <summary>Settings shared by the etcd control plane's parts (<see cref="ClusterMembership"/>, <see cref="CoordinatorElection"/>, <see cref="TopologyStore"/>).</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>
    /// The key prefix every control-plane key lives under; default <c>/tessera/</c>. Must start and end with '/'.
    /// Two Tessera clusters can share one etcd cluster under different prefixes.
    /// </summary>
    public string KeyPrefix { get; init; } = "/tessera/";

    /// <summary>
    /// The TTL of a node's and a candidate's lease; default 10 s. It is how long a crashed node stays listed and how
    /// long the cluster may go without a coordinator after the coordinator crashes. Keep-alives are sent every TTL/3.
    /// etcd rounds it up to whole seconds and to its own minimum (1.5 election timeouts).
    /// </summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The deadline of each unary etcd request; default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">The prefix does not start and end with '/'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is not positive or the TTL is under a second.</exception>
    public void Validate()
    {
        if (KeyPrefix is not ['/', .., '/'])
        {
            throw new ArgumentException("The key prefix must start and end with '/'.", nameof(KeyPrefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(LeaseTtl, TimeSpan.FromSeconds(1), nameof(LeaseTtl));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
    }
}
