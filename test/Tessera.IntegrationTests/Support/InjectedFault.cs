namespace Tessera.IntegrationTests;

/// <summary>One fault <see cref="EtcdGroupNemesis"/> injected.</summary>
/// <param name="Kind">What it was.</param>
/// <param name="Member">The member it targeted (the leader when it began; -1 when none was known).</param>
/// <param name="Start">When it began, on the history's clock.</param>
/// <param name="End">When it was healed (the member continued, restarted, the nft tables removed).</param>
/// <param name="Dropped">The packets the nft tables of this fault dropped (0 for a pause or a kill).</param>
public sealed record InjectedFault(FaultKind Kind, int Member, long Start, long End, long Dropped)
{
    /// <summary>Whether <paramref name="timestamp"/> falls while the fault was in place.</summary>
    public bool Covers(long timestamp) => timestamp >= Start && timestamp < End;

    public override string ToString() =>
        $"{Kind} of member {Member} for {TimeSpan.FromSeconds((End - Start) / (double)System.Diagnostics.Stopwatch.Frequency).TotalSeconds:F1} s"
        + (Kind is FaultKind.PauseLeader or FaultKind.KillLeader ? "" : $", {Dropped} packets dropped");
}
