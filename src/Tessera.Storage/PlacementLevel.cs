using System.Text;

namespace Tessera.Storage;

/// <summary>
/// The disks of a topology grouped by the domains of one level (zone, rack, node or disk), precomputed once so
/// that <see cref="Placement.Place"/> only hashes. Domains are sorted by name and members by disk id (ordinal), so
/// nothing depends on the order the disks were listed in.
/// </summary>
internal sealed class PlacementLevel
{
    private readonly int _diskCount;

    /// <summary>Groups <paramref name="disks"/> by their domain of <paramref name="level"/>.</summary>
    public PlacementLevel(string level, IReadOnlyList<IDisk> disks)
    {
        Name = level;
        _diskCount = disks.Count;
        var groups = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            var domain = disks[i].Labels.Domain(level, disks[i].Id);
            if (!groups.TryGetValue(domain, out var members))
            {
                members = [];
                groups.Add(domain, members);
            }

            members.Add(i);
        }

        DomainNames = new string[groups.Count];
        DomainKeys = new byte[groups.Count][];
        DomainWeights = new double[groups.Count];
        MemberStart = new int[groups.Count + 1];
        Members = new int[disks.Count];
        var d = 0;
        var position = 0;
        foreach (var (domain, members) in groups)
        {
            members.Sort((a, b) => string.CompareOrdinal(disks[a].Id, disks[b].Id));
            DomainNames[d] = domain;
            DomainKeys[d] = Encoding.UTF8.GetBytes(domain);
            MemberStart[d] = position;
            foreach (var member in members)
            {
                Members[position++] = member;
                DomainWeights[d] += disks[member].Weight;
            }

            MaxDomainSize = Math.Max(MaxDomainSize, members.Count);
            d++;
        }

        MemberStart[groups.Count] = position;
    }

    /// <summary>The level name: zone, rack, node or disk.</summary>
    public string Name { get; }

    /// <summary>Number of domains.</summary>
    public int DomainCount => DomainNames.Length;

    /// <summary>Domain names, sorted ordinally.</summary>
    public string[] DomainNames { get; }

    /// <summary>UTF-8 of each domain name: what rendezvous hashing hashes after the segment id.</summary>
    public byte[][] DomainKeys { get; }

    /// <summary>Sum of the weights of each domain's disks.</summary>
    public double[] DomainWeights { get; }

    /// <summary>Domain <c>d</c>'s disks are <c>Members[MemberStart[d]..MemberStart[d + 1]]</c>.</summary>
    public int[] MemberStart { get; }

    /// <summary>Indices into the topology's disk list, grouped by domain.</summary>
    public int[] Members { get; }

    /// <summary>The number of disks of the largest domain.</summary>
    public int MaxDomainSize { get; }

    /// <summary>Number of disks in domain <paramref name="domain"/>.</summary>
    public int DomainSize(int domain) => MemberStart[domain + 1] - MemberStart[domain];

    /// <summary>
    /// The most fragments of one stripe any domain may hold for RS(<paramref name="dataShards"/>,
    /// <paramref name="parityShards"/>): 1 when there are at least k + m domains; otherwise ⌈(k + m) / domains⌉,
    /// raised (never beyond m) only when small domains cannot otherwise hold k + m fragments.
    /// </summary>
    /// <exception cref="PlacementException">Fewer than k + m disks, or no limit of at most m fits, so the loss of
    /// one domain could lose more fragments than the code can rebuild.</exception>
    public int MaxPerDomain(int dataShards, int parityShards) => MaxPerDomain(dataShards, parityShards, parityShards);

    /// <summary>
    /// As <see cref="MaxPerDomain(int, int)"/>, but a domain may hold up to <paramref name="cap"/> fragments: with
    /// <c>cap = k + m</c>, the most even spread the domains allow even where losing one of them would lose more than m
    /// (a degraded placement, while domains are missing).
    /// </summary>
    public int MaxPerDomain(int dataShards, int parityShards, int cap)
    {
        var total = dataShards + parityShards;
        if (_diskCount < total)
        {
            throw new PlacementException($"RS({dataShards},{parityShards}) needs at least {total} disks; the topology has {_diskCount}.");
        }

        if (DomainCount >= total)
        {
            return 1;
        }

        var least = (total + DomainCount - 1) / DomainCount;
        if (least > cap)
        {
            var needed = parityShards == 0 ? total : (total + parityShards - 1) / parityShards;
            throw new PlacementException(
                $"RS({dataShards},{parityShards}) over '{Name}' needs at least {needed} {Name}s; the topology has {DomainCount}.");
        }

        for (var limit = least; limit <= cap; limit++)
        {
            var capacity = 0;
            for (var d = 0; d < DomainCount; d++)
            {
                capacity += Math.Min(limit, DomainSize(d));
            }

            if (capacity >= total)
            {
                return limit;
            }
        }

        throw new PlacementException(
            $"RS({dataShards},{parityShards}) over '{Name}' cannot place {total} fragments with at most {parityShards} per {Name}: "
            + $"the {DomainCount} {Name}s hold too few disks ({string.Join(", ", Enumerable.Range(0, DomainCount).Select(d => $"{DomainNames[d]}: {DomainSize(d)}"))}).");
    }
}
