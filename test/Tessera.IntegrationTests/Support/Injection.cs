namespace Tessera.IntegrationTests;

/// <summary>
/// One kill/restart cycle of a fault test, timed from the storm's start: the node SIGKILLed, the etcd member killed
/// with it (or alone) and whether that member was etcd's leader.
/// </summary>
public sealed record Injection(int Cycle, string Node, int? Member, bool MemberWasLeader, string Note)
{
    public TimeSpan Killed { get; set; }

    public TimeSpan Restarted { get; set; }

    /// <summary>When the node answered /health/ready again (the load balancer sends it clients from then on).</summary>
    public TimeSpan Ready { get; set; }
}
