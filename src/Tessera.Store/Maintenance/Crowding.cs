using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Finds the fragments of a segment that crowd a failure domain: more of them in one domain than the placement allows
/// (<see cref="Placement.MaxFragmentsPerDomain"/>), as a write placed while domains were missing leaves
/// (<see cref="ErasureSet.WritesDegraded"/>). Repair moves the excess to other domains once they are back.
/// </summary>
internal static class Crowding
{
    /// <summary>
    /// The shard indices beyond the limit in each domain of <paramref name="level"/> (the highest indices of a crowded
    /// domain), skipping those in <paramref name="skip"/>; empty while writes are degraded or the level does not fit.
    /// </summary>
    public static List<int> Excess(ErasureSet set, IReadOnlyList<string> disks, int dataShards, int parityShards, string level, bool[]? skip = null)
    {
        var excess = new List<int>();
        if (set.WritesDegraded || set.ActivePlacement is not { } placement)
        {
            return excess;
        }

        int limit;
        try
        {
            limit = placement.MaxFragmentsPerDomain(dataShards, parityShards, level);
        }
        catch (PlacementException)
        {
            return excess;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            if (skip?[i] == true || set.KnownDisk(disks[i]) is not { } disk)
            {
                continue;
            }

            var domain = disk.Labels.Domain(level, disk.Id);
            var count = counts[domain] = counts.GetValueOrDefault(domain) + 1;
            if (count > limit)
            {
                excess.Add(i);
            }
        }

        return excess;
    }
}
