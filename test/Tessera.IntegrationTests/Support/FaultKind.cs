namespace Tessera.IntegrationTests;

/// <summary>The faults <see cref="EtcdGroupNemesis"/> injects into an index group's etcd members.</summary>
public enum FaultKind
{
    /// <summary>The leader's peer and client ports cut in both directions (nftables in its namespace).</summary>
    IsolateLeader,

    /// <summary>A 1 | 2 partition with the leader alone and the gateways on its side: they reach only the minority.</summary>
    SplitGatewaysWithMinority,

    /// <summary>A 1 | 2 partition with the leader alone and the gateways on the majority's side.</summary>
    SplitGatewaysWithMajority,

    /// <summary>The leader SIGSTOPped, then SIGCONTed.</summary>
    PauseLeader,

    /// <summary>The leader SIGKILLed, then started again over its data directory.</summary>
    KillLeader,
}
