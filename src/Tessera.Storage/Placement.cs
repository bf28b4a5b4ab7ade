using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace Tessera.Storage;

/// <summary>
/// Chooses the disk of every fragment of a segment: k + m distinct disks such that no failure domain of the
/// policy's level holds more fragments of a stripe than <see cref="MaxFragmentsPerDomain"/> (so losing a domain
/// never loses more than m), by weighted rendezvous hashing (highest random weight) of the segment id.
/// </summary>
/// <remarks>
/// <para>
/// Every (shard index, candidate) pair gets a score <c>−weight / ln(u)</c>, where <c>u ∈ (0, 1)</c> comes from
/// XxHash64(segment bytes ‖ candidate name UTF-8) mixed with the shard index. Candidates are first the domains
/// (weight: the sum of their disks' weights; each may take at most the per-domain limit, and no more indices than
/// it has disks), then, inside each domain, its disks (each takes one index). Pairs are taken greedily, best score
/// first, among free indices and candidates with room left.
/// </para>
/// <para>
/// So each shard index has its own rendezvous ranking: the result is deterministic, independent of the order the
/// disks are listed in, spreads data shards evenly, and when a disk comes or goes only the indices whose winner
/// changes move (plus the rare index displaced by such a change), close to the ideal share. Choosing the set of
/// disks first and ordering it afterwards would renumber shards on every change of the set and move about twice
/// as much.
/// </para>
/// <para>Immutable and thread-safe. <see cref="Place"/> allocates only its result (scratch is pooled).</para>
/// </remarks>
public sealed class Placement
{
    /// <summary>The largest k + m (the Reed-Solomon field's limit).</summary>
    public const int MaxTotalShards = 256;

    private const int StackKeyLength = 512;
    private const ulong DomainSalt = 0x243F6A8885A308D3;
    private const ulong DiskSalt = 0x13198A2E03707344;

    private readonly IDisk[] _disks;
    private readonly byte[][] _diskKeys;
    private readonly PlacementLevel[] _levels;
    private readonly int _maxKeyLength;

    /// <summary>Builds the placement over a topology.</summary>
    /// <param name="disks">Every disk, with distinct ids and positive finite weights.</param>
    /// <exception cref="ArgumentException">A disk is null, an id repeats, or a weight is not positive and finite.</exception>
    public Placement(IReadOnlyList<IDisk> disks)
    {
        ArgumentNullException.ThrowIfNull(disks);
        _disks = new IDisk[disks.Count];
        _diskKeys = new byte[disks.Count][];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            var disk = disks[i] ?? throw new ArgumentException($"Disk {i} is null.", nameof(disks));
            if (!ids.Add(disk.Id))
            {
                throw new ArgumentException($"Disk id '{disk.Id}' appears more than once.", nameof(disks));
            }

            if (!double.IsFinite(disk.Weight) || disk.Weight <= 0)
            {
                throw new ArgumentException($"Disk '{disk.Id}' has weight {disk.Weight}; weights must be positive and finite.", nameof(disks));
            }

            _disks[i] = disk;
            _diskKeys[i] = Encoding.UTF8.GetBytes(disk.Id);
            _maxKeyLength = Math.Max(_maxKeyLength, _diskKeys[i].Length);
        }

        _levels = [new("zone", _disks), new("rack", _disks), new("node", _disks), new("disk", _disks)];
        foreach (var level in _levels)
        {
            foreach (var key in level.DomainKeys)
            {
                _maxKeyLength = Math.Max(_maxKeyLength, key.Length);
            }
        }
    }

    /// <summary>The topology's disks.</summary>
    public IReadOnlyList<IDisk> Disks => _disks;

    /// <summary>
    /// Throws when RS(<paramref name="dataShards"/>, <paramref name="parityShards"/>) over <paramref name="level"/>
    /// cannot be placed on <paramref name="disks"/> so as to survive the loss of one domain. Call at startup.
    /// </summary>
    /// <exception cref="PlacementException">The policy does not fit the topology; the message says why.</exception>
    public static void Validate(IReadOnlyList<IDisk> disks, int dataShards, int parityShards, string level) =>
        _ = new Placement(disks).MaxFragmentsPerDomain(dataShards, parityShards, level);

    /// <summary>
    /// The most fragments of one stripe that one domain of <paramref name="level"/> may hold: 1 with at least
    /// k + m domains, otherwise ⌈(k + m) / domains⌉, raised (up to m) only as far as small domains require.
    /// </summary>
    /// <exception cref="PlacementException">No limit of at most m fits the topology.</exception>
    public int MaxFragmentsPerDomain(int dataShards, int parityShards, string level)
    {
        CheckCode(dataShards, parityShards);
        return GetLevel(level).MaxPerDomain(dataShards, parityShards);
    }

    /// <summary>Chooses the disk of every shard index of a segment.</summary>
    /// <param name="segment">The segment id (random, so placement spreads).</param>
    /// <param name="dataShards">k.</param>
    /// <param name="parityShards">m.</param>
    /// <param name="level">The failure-domain level: zone, rack, node or disk.</param>
    /// <returns>The disk id of shard index 0..k+m−1; all distinct.</returns>
    /// <exception cref="PlacementException">The policy does not fit the topology.</exception>
    public string[] Place(Guid segment, int dataShards, int parityShards, string level)
    {
        CheckCode(dataShards, parityShards);
        var topology = GetLevel(level);
        return PlaceWithin(segment, dataShards, parityShards, topology, topology.MaxPerDomain(dataShards, parityShards));
    }

    /// <summary>
    /// As <see cref="Place"/> where the domains of <paramref name="level"/> are too few for the policy (some are missing):
    /// the fragments are spread as evenly as the domains allow, so a domain may hold more than m of them. A write placed
    /// so is degraded: losing one domain could lose it until repair spreads it again.
    /// </summary>
    /// <exception cref="PlacementException">Fewer than k + m disks.</exception>
    public string[] PlaceSpread(Guid segment, int dataShards, int parityShards, string level)
    {
        CheckCode(dataShards, parityShards);
        var topology = GetLevel(level);
        return PlaceWithin(segment, dataShards, parityShards, topology, topology.MaxPerDomain(dataShards, parityShards, dataShards + parityShards));
    }

    private string[] PlaceWithin(Guid segment, int dataShards, int parityShards, PlacementLevel topology, int limit)
    {
        var total = dataShards + parityShards;
        var domains = topology.DomainCount;
        var result = new string[total];

        byte[]? rentedKey = null;
        var key = FragmentKeyLength <= StackKeyLength
            ? stackalloc byte[StackKeyLength]
            : (rentedKey = ArrayPool<byte>.Shared.Rent(FragmentKeyLength));
        segment.TryWriteBytes(key, bigEndian: true, out _);

        var width = Math.Max(domains, topology.MaxDomainSize);
        var scores = ArrayPool<double>.Shared.Rent(total * width);
        var capacity = ArrayPool<int>.Shared.Rent(width);
        Span<int> domainOf = stackalloc int[total];
        Span<int> rows = stackalloc int[total];
        Span<int> choice = stackalloc int[total];
        Span<int> bestColumn = stackalloc int[total];
        Span<double> bestScore = stackalloc double[total];
        try
        {
            // Stage 1: shard index → domain.
            for (var d = 0; d < domains; d++)
            {
                var hash = Hash(key, topology.DomainKeys[d]);
                var weight = topology.DomainWeights[d];
                capacity[d] = Math.Min(limit, topology.DomainSize(d));
                for (var j = 0; j < total; j++)
                {
                    scores[(j * domains) + d] = Score(hash, j, DomainSalt, weight);
                }
            }

            Assign(scores, total, domains, capacity, domainOf, bestColumn, bestScore);

            // Stage 2: inside each domain, its indices → its disks.
            for (var d = 0; d < domains; d++)
            {
                var count = 0;
                for (var j = 0; j < total; j++)
                {
                    if (domainOf[j] == d)
                    {
                        rows[count++] = j;
                    }
                }

                if (count == 0)
                {
                    continue;
                }

                var start = topology.MemberStart[d];
                var size = topology.DomainSize(d);
                if (size == 1)
                {
                    result[rows[0]] = _disks[topology.Members[start]].Id;
                    continue;
                }

                for (var s = 0; s < size; s++)
                {
                    var disk = topology.Members[start + s];
                    var hash = Hash(key, _diskKeys[disk]);
                    var weight = _disks[disk].Weight;
                    capacity[s] = 1;
                    for (var r = 0; r < count; r++)
                    {
                        scores[(r * size) + s] = Score(hash, rows[r], DiskSalt, weight);
                    }
                }

                Assign(scores, count, size, capacity, choice, bestColumn, bestScore);
                for (var r = 0; r < count; r++)
                {
                    result[rows[r]] = _disks[topology.Members[start + choice[r]]].Id;
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scores);
            ArrayPool<int>.Shared.Return(capacity);
            if (rentedKey is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedKey);
            }
        }

        return result;
    }

    /// <summary>
    /// Chooses new disks for the fragments of a segment that must move (repair of a lost fragment, drain of a disk),
    /// keeping the domain rule together with the fragments that stay: no domain of <paramref name="level"/> ends up
    /// with more than <see cref="MaxFragmentsPerDomain"/> fragments and no disk with two. A moving index goes to the
    /// disk <see cref="Place"/> would choose for it when that disk is free and its domain has room, otherwise to the
    /// best-scoring disk (weighted rendezvous) that fits.
    /// </summary>
    /// <param name="segment">The segment id.</param>
    /// <param name="dataShards">k.</param>
    /// <param name="parityShards">m.</param>
    /// <param name="level">The failure-domain level.</param>
    /// <param name="kept">For each shard index, the disk whose fragment stays, or null for a fragment that moves.
    /// Kept disks need not belong to this placement's topology.</param>
    /// <returns>For each shard index, the kept disk id or the chosen one; null where no disk fits.</returns>
    public string?[] Replace(Guid segment, int dataShards, int parityShards, string level, IReadOnlyList<IDisk?> kept) =>
        Replace(segment, dataShards, parityShards, level, kept, spread: false);

    /// <summary>
    /// As <see cref="Replace(Guid, int, int, string, IReadOnlyList{IDisk?})"/>; with <paramref name="spread"/>, where the
    /// domains are too few for the code (a node lost for good), a domain may hold more than m fragments, as evenly as the
    /// domains allow (<see cref="PlaceSpread"/>): k + m fragments spread so are better than fewer kept within the rule.
    /// </summary>
    public string?[] Replace(Guid segment, int dataShards, int parityShards, string level, IReadOnlyList<IDisk?> kept, bool spread)
    {
        ArgumentNullException.ThrowIfNull(kept);
        CheckCode(dataShards, parityShards);
        var total = dataShards + parityShards;
        if (kept.Count != total)
        {
            throw new ArgumentException($"Expected {total} entries, one per shard index.", nameof(kept));
        }

        var topology = GetLevel(level);
        var result = new string?[total];
        var used = new HashSet<string>(StringComparer.Ordinal);
        var perDomain = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var j = 0; j < total; j++)
        {
            if (kept[j] is { } disk)
            {
                result[j] = disk.Id;
                used.Add(disk.Id);
                var domain = disk.Labels.Domain(level, disk.Id);
                perDomain[domain] = perDomain.GetValueOrDefault(domain) + 1;
            }
        }

        int limit;
        string[] ideal;
        try
        {
            limit = topology.MaxPerDomain(dataShards, parityShards, spread ? dataShards + parityShards : parityShards);
            ideal = spread ? PlaceSpread(segment, dataShards, parityShards, level) : Place(segment, dataShards, parityShards, level);
        }
        catch (PlacementException)
        {
            return result; // The topology cannot hold the code at all: nothing can move.
        }

        var byId = _disks.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var key = new byte[FragmentKeyLength]; // Repair is not a hot path: no pooling.
        segment.TryWriteBytes(key, bigEndian: true, out _);
        for (var j = 0; j < total; j++)
        {
            if (kept[j] is not null)
            {
                continue;
            }

            IDisk? choice = null;
            if (byId[ideal[j]] is var preferred && Fits(preferred))
            {
                choice = preferred;
            }
            else
            {
                var best = double.NegativeInfinity;
                for (var d = 0; d < _disks.Length; d++)
                {
                    if (Fits(_disks[d]))
                    {
                        var score = Score(Hash(key, _diskKeys[d]), j, DiskSalt, _disks[d].Weight);
                        if (score > best)
                        {
                            best = score;
                            choice = _disks[d];
                        }
                    }
                }
            }

            if (choice is not null)
            {
                result[j] = choice.Id;
                used.Add(choice.Id);
                var domain = choice.Labels.Domain(level, choice.Id);
                perDomain[domain] = perDomain.GetValueOrDefault(domain) + 1;
            }
        }

        return result;

        bool Fits(IDisk disk) => !used.Contains(disk.Id) && perDomain.GetValueOrDefault(disk.Labels.Domain(level, disk.Id)) < limit;
    }

    /// <summary>Bytes of the hash input: the 16 segment bytes and the longest name.</summary>
    private int FragmentKeyLength => 16 + _maxKeyLength;

    /// <summary>
    /// Greedy assignment of <paramref name="rowCount"/> rows (shard indices) to columns (candidates): repeatedly
    /// takes the best-scoring pair of a free row and a column with capacity left. Each row's best column is cached
    /// and recomputed only when that column fills up. Total capacity must be at least the row count.
    /// </summary>
    /// <param name="scores">Row-major scores, <paramref name="columnCount"/> per row.</param>
    /// <param name="rowCount">Rows to assign.</param>
    /// <param name="columnCount">Candidates.</param>
    /// <param name="capacity">Room left in each column; consumed.</param>
    /// <param name="assignment">Receives each row's column.</param>
    /// <param name="bestColumn">Scratch, at least <paramref name="rowCount"/> long.</param>
    /// <param name="bestScore">Scratch, at least <paramref name="rowCount"/> long.</param>
    private static void Assign(
        ReadOnlySpan<double> scores,
        int rowCount,
        int columnCount,
        Span<int> capacity,
        Span<int> assignment,
        Span<int> bestColumn,
        Span<double> bestScore)
    {
        for (var r = 0; r < rowCount; r++)
        {
            assignment[r] = -1;
            FindBest(scores.Slice(r * columnCount, columnCount), capacity, out bestColumn[r], out bestScore[r]);
        }

        for (var round = 0; round < rowCount; round++)
        {
            var row = -1;
            for (var r = 0; r < rowCount; r++)
            {
                if (assignment[r] < 0 && (row < 0 || bestScore[r] > bestScore[row]))
                {
                    row = r;
                }
            }

            var column = bestColumn[row];
            assignment[row] = column;
            if (--capacity[column] > 0)
            {
                continue;
            }

            for (var r = 0; r < rowCount; r++)
            {
                if (assignment[r] < 0 && bestColumn[r] == column)
                {
                    FindBest(scores.Slice(r * columnCount, columnCount), capacity, out bestColumn[r], out bestScore[r]);
                }
            }
        }
    }

    private static void FindBest(ReadOnlySpan<double> row, ReadOnlySpan<int> capacity, out int column, out double score)
    {
        column = -1;
        score = double.NegativeInfinity;
        for (var c = 0; c < row.Length; c++)
        {
            if (capacity[c] > 0 && (column < 0 || row[c] > score))
            {
                column = c;
                score = row[c];
            }
        }
    }

    /// <summary>XxHash64 of the segment bytes (already at the start of <paramref name="key"/>) and a name.</summary>
    private static ulong Hash(Span<byte> key, byte[] name)
    {
        name.CopyTo(key[16..]);
        return XxHash64.HashToUInt64(key[..(16 + name.Length)]);
    }

    /// <summary>
    /// The weighted rendezvous score of a candidate for shard index <paramref name="index"/>: the candidate's hash
    /// is mixed with the index (SplitMix64 finalizer) into <c>u ∈ (0, 1)</c>; <c>−weight / ln(u)</c> makes each
    /// candidate win with probability proportional to its weight.
    /// </summary>
    private static double Score(ulong hash, int index, ulong salt, double weight)
    {
        var x = (hash ^ salt) + ((ulong)(index + 1) * 0x9E3779B97F4A7C15);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        x ^= x >> 31;
        var unit = ((x >> 11) + 0.5) * (1.0 / (1UL << 53));
        return -weight / Math.Log(unit);
    }

    private static void CheckCode(int dataShards, int parityShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(parityShards);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataShards + parityShards, MaxTotalShards, nameof(parityShards));
    }

    private PlacementLevel GetLevel(string level) => level switch
    {
        "zone" => _levels[0],
        "rack" => _levels[1],
        "node" => _levels[2],
        "disk" => _levels[3],
        _ => throw new ArgumentException($"Unknown failure-domain level '{level}' (zone, rack, node or disk).", nameof(level)),
    };
}
