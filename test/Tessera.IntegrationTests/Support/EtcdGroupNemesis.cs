using System.Diagnostics;

namespace Tessera.IntegrationTests;

/// <summary>
/// Injects faults into the members of a <see cref="NamespacedEtcdGroup"/>, one at a time, in the order given and
/// round after round: a quiet gap, the fault on the member that leads then, held for <c>hold(kind)</c>, healed, and a wait
/// until every member serves linearizable reads again before the next gap. Partitions are nftables tables in the
/// members' namespaces that drop packets (a dead link, not a refusal); the gateways, in the root namespace, reach
/// the members from <see cref="NamespaceNetwork.HostAddress"/>, so a table that drops that address puts them on the
/// other side. The packets each table dropped are read before it is removed. A fault begun is always healed, also
/// when the run is stopped meanwhile.
/// </summary>
public sealed class EtcdGroupNemesis(NamespaceNetwork network, NamespacedEtcdGroup group, IReadOnlyList<FaultKind> order, TimeSpan quiet, Func<FaultKind, TimeSpan> hold)
{
    private readonly List<InjectedFault> _faults = [];

    /// <summary>The faults injected so far.</summary>
    public IReadOnlyList<InjectedFault> Faults
    {
        get
        {
            lock (_faults)
            {
                return [.. _faults];
            }
        }
    }

    /// <summary>The distinct kinds injected so far.</summary>
    public int KindsInjected => Faults.Select(f => f.Kind).Distinct().Count();

    /// <summary>Runs rounds until <paramref name="stop"/> fires (between rounds, or in a quiet gap).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            try
            {
                await Task.Delay(quiet, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await InjectAsync(order[round % order.Count]);
        }
    }

    private async Task InjectAsync(FaultKind kind)
    {
        // Bounded by the test's token only: a fault begun is healed even when the run was stopped meanwhile.
        var ct = TestContext.Current.CancellationToken;
        var leader = await LeaderAsync(ct);
        var target = leader < 0 ? 0 : leader;
        var others = Enumerable.Range(0, group.Count).Where(i => i != target).ToList();
        var start = Stopwatch.GetTimestamp();
        long dropped = 0;
        List<string> cut = [];
        try
        {
            switch (kind)
            {
                case FaultKind.IsolateLeader:
                    int[] ports = [NamespacedEtcdGroup.ClientPort, NamespacedEtcdGroup.PeerPort];
                    cut.Add(group.Members[target]);
                    await network.CutAsync(group.Members[target], ports, ports, ct);
                    break;
                case FaultKind.SplitGatewaysWithMinority:
                case FaultKind.SplitGatewaysWithMajority:
                    // The leader alone on one side, the two others on the other; the gateways (the host address) with
                    // the leader or with the majority.
                    var withMinority = kind == FaultKind.SplitGatewaysWithMinority;
                    var host = network.HostAddress;
                    cut.Add(group.Members[target]);
                    await network.PartitionAsync(group.Members[target], [.. others.Select(group.AddressOf), .. withMinority ? Array.Empty<string>() : [host]], ct);
                    foreach (var other in others)
                    {
                        cut.Add(group.Members[other]);
                        await network.PartitionAsync(group.Members[other], [group.AddressOf(target), .. withMinority ? [host] : Array.Empty<string>()], ct);
                    }

                    break;
                case FaultKind.PauseLeader:
                    group.Pause(target);
                    break;
                case FaultKind.KillLeader:
                    group.Kill(target);
                    break;
            }

            await Task.Delay(hold(kind), ct);
        }
        finally
        {
            foreach (var member in cut)
            {
                var (inbound, outbound) = await network.DroppedAsync(member, ct);
                dropped += inbound + outbound;
                await network.HealAsync(member, ct);
            }

            if (kind == FaultKind.PauseLeader)
            {
                group.Resume(target);
            }
            else if (kind == FaultKind.KillLeader)
            {
                await group.RestartAsync(target, ct);
            }

            var end = Stopwatch.GetTimestamp();
            lock (_faults)
            {
                _faults.Add(new InjectedFault(kind, leader, start, end, dropped));
            }
        }

        // Every member back (a restarted or long-cut member catches up) before the next gap.
        await group.WaitHealthyAsync(Enumerable.Range(0, group.Count), ct);
    }

    /// <summary>The leader, asked for up to 5 s (an election may be under way after the last fault); -1 when none is named.</summary>
    private async Task<int> LeaderAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var leader = await group.LeaderIndexAsync(ct);
            if (leader >= 0 || clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                return leader;
            }

            await Task.Delay(100, ct);
        }
    }
}
