using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Moves fragments onto nodes that hold less than their share (a node that joined, or came back empty), and only
/// those: a pass counts the fragments each node holds on its active disks, gives each node its share of the total by
/// the weight of its active disks, and plans one move per fragment a node is short of, each from a node holding more
/// than its share, within the segment's placement rule. The fragments moved are then the ideal share itself, not a
/// reshuffle of everything (a node added to three equal ones receives a quarter of the fragments, and nothing else
/// moves). Moves run through <see cref="Repairer.RelocateAsync"/>: the new fragment is committed before the index
/// names it, and the old copy is the garbage collector's after its grace period, so reads never miss.
/// </summary>
public sealed class Rebalancer
{
    private readonly StoreServices _services;
    private readonly Repairer _repairer;
    private readonly Lock _lock = new();
    private RebalanceStatus _status = new();
    private Task _running = Task.CompletedTask;

    /// <summary>Creates the rebalancer over the store and the repairer that moves fragments.</summary>
    public Rebalancer(StoreServices services, Repairer repairer)
    {
        _services = services;
        _repairer = repairer;
    }

    /// <summary>Segments moved at once.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>The current or last pass.</summary>
    public RebalanceStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>
    /// Plans and runs a pass in the background unless one is running; returns the plan (the running pass's when one
    /// was running already). The pass ends when its moves are done or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public RebalanceStatus Start(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_status.Running)
            {
                return _status;
            }

            _status = new RebalanceStatus { Running = true, Started = _services.Time.GetUtcNow() };
        }

        RebalancePlan plan;
        try
        {
            plan = Plan();
        }
        catch
        {
            lock (_lock)
            {
                _status = _status with { Running = false };
            }

            throw;
        }

        lock (_lock)
        {
            _status = _status with { Planned = plan.Moves.Sum(m => m.Value.Count), Segments = plan.Segments, Nodes = plan.Nodes };
            _running = Task.Run(() => ExecuteAsync(plan, cancellationToken), CancellationToken.None);
            return _status;
        }
    }

    /// <summary>Plans and runs a pass and waits for it (tests, the admin API's <c>wait</c>).</summary>
    public async Task<RebalanceStatus> RunAsync(CancellationToken cancellationToken)
    {
        Start(cancellationToken);
        Task running;
        lock (_lock)
        {
            running = _running;
        }

        await running.ConfigureAwait(false);
        return Status;
    }

    /// <summary>
    /// Counts each node's fragments and plans the moves: fragment (segment, shard index) → disk. Only segments whose
    /// fragments are all on active, present disks are moved (the others are repair's).
    /// </summary>
    public RebalancePlan Plan()
    {
        var set = _services.Storage;
        if (set.ActivePlacement is not { } placement)
        {
            return new RebalancePlan([], [], 0);
        }

        var usable = set.Disks.Where(d => set.StateOf(d.Id) == DiskState.Active && !set.Absent.Contains(d.Id)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        var weights = usable.Values.GroupBy(d => d.Labels.Node).ToDictionary(g => g.Key, g => g.Sum(d => d.Weight), StringComparer.Ordinal);
        var totalWeight = weights.Values.Sum();
        if (weights.Count < 2 || totalWeight <= 0)
        {
            return new RebalancePlan([], [], 0);
        }

        // First pass: how many fragments each node and each disk holds.
        var nodeCounts = weights.Keys.ToDictionary(n => n, _ => 0L, StringComparer.Ordinal);
        var diskCounts = usable.Keys.ToDictionary(d => d, _ => 0L, StringComparer.Ordinal);
        long movable = 0;
        foreach (var segment in _services.Index.ReferencedSegments())
        {
            movable += segment.Disks.Count > 0 && segment.Disks.All(usable.ContainsKey) ? 1 : 0;
            foreach (var diskId in segment.Disks)
            {
                if (usable.TryGetValue(diskId, out var disk))
                {
                    nodeCounts[disk.Labels.Node]++;
                    diskCounts[diskId]++;
                }
            }
        }

        var total = nodeCounts.Values.Sum();
        var ideal = weights.ToDictionary(w => w.Key, w => total * w.Value / totalWeight, StringComparer.Ordinal);
        var nodes = nodeCounts.Select(c => new RebalanceNode(c.Key, c.Value, Math.Round(ideal[c.Key], 1))).OrderBy(n => n.Node, StringComparer.Ordinal).ToList();
        double Short(string node) => ideal[node] - nodeCounts[node];
        var moves = new Dictionary<Guid, Dictionary<int, string>>();
        if (!nodeCounts.Keys.Any(n => Short(n) >= 1))
        {
            return new RebalancePlan(moves, nodes, 0);
        }

        // Second pass: each segment gives a node that is short its part of the shortfall (shortfall / segments left,
        // rounded: 600 fragments over 400 segments alternate two and one), each from the node most over its share to
        // the short node's least-filled disk, while the segment's placement rule holds. What a segment cannot take
        // raises what the next ones give.
        long segments = 0;
        foreach (var segment in _services.Index.ReferencedSegments())
        {
            segments++;
            if (!nodeCounts.Keys.Any(n => Short(n) >= 1))
            {
                break;
            }

            if (segment.Disks.Count == 0 || segment.Disks.Any(d => !usable.ContainsKey(d)))
            {
                continue;
            }

            var left = Math.Max(1, movable--);

            string level;
            int limit;
            try
            {
                level = set.DomainLevelOf(segment.DataShards, segment.ParityShards, null);
                limit = placement.MaxFragmentsPerDomain(segment.DataShards, segment.ParityShards, level);
            }
            catch (PlacementException)
            {
                continue;
            }

            var disks = segment.Disks.ToArray();
            Dictionary<int, string>? planned = null;
            foreach (var target in nodeCounts.Keys.Where(n => Short(n) >= 1).OrderByDescending(Short).ToList())
            {
                for (var quota = (int)Math.Round(Short(target) / left, MidpointRounding.AwayFromZero); quota > 0 && Short(target) >= 1; quota--)
                {
                    if (!MoveOne(target))
                    {
                        break;
                    }
                }
            }

            if (planned is not null)
            {
                moves[segment.Segment] = planned;
            }

            continue;

            bool MoveOne(string target)
            {
                var source = Enumerable.Range(0, disks.Length)
                    .Where(i => planned?.ContainsKey(i) != true && Short(usable[disks[i]].Labels.Node) <= -1)
                    .OrderBy(i => Short(usable[disks[i]].Labels.Node))
                    .Select(i => (int?)i).FirstOrDefault();
                if (source is not { } index)
                {
                    return false;
                }

                var to = usable.Values.Where(d => d.Labels.Node == target && !disks.Contains(d.Id))
                    .OrderBy(d => diskCounts[d.Id] / Math.Max(d.Weight, 1e-9))
                    .FirstOrDefault(d => Fits(disks, index, d, level, limit));
                if (to is null)
                {
                    return false;
                }

                var from = usable[disks[index]];
                nodeCounts[from.Labels.Node]--;
                diskCounts[from.Id]--;
                nodeCounts[target]++;
                diskCounts[to.Id]++;
                disks[index] = to.Id;
                (planned ??= [])[index] = to.Id;
                return true;
            }
        }

        return new RebalancePlan(moves, nodes, segments);

        bool Fits(string[] disks, int index, IDisk candidate, string level, int limit)
        {
            var domain = candidate.Labels.Domain(level, candidate.Id);
            var inDomain = 0;
            for (var i = 0; i < disks.Length; i++)
            {
                if (i != index && usable.TryGetValue(disks[i], out var other) && other.Labels.Domain(level, other.Id) == domain)
                {
                    inDomain++;
                }
            }

            return inDomain + 1 <= limit;
        }
    }

    private async Task ExecuteAsync(RebalancePlan plan, CancellationToken cancellationToken)
    {
        try
        {
            await Parallel.ForEachAsync(
                plan.Moves,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Workers), CancellationToken = cancellationToken },
                async (move, ct) =>
                {
                    RepairOutcome? outcome;
                    try
                    {
                        outcome = await _repairer.RelocateAsync(move.Key, move.Value, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageUnavailableException or InvalidOperationException)
                    {
                        LogMessages.RebalanceMoveFailed(_services.Logger, e, move.Key);
                        outcome = null;
                    }

                    lock (_lock)
                    {
                        _status = outcome is RepairOutcome.Repaired
                            ? _status with { Moved = _status.Moved + move.Value.Count }
                            : _status with { Failed = _status.Failed + move.Value.Count };
                    }
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped (the node stopped coordinating, or shut down): what moved stays moved.
        }
        finally
        {
            lock (_lock)
            {
                _status = _status with { Running = false, Finished = _services.Time.GetUtcNow() };
                LogMessages.RebalanceFinished(_services.Logger, _status.Planned, _status.Moved, _status.Failed);
            }
        }
    }
}

/// <summary>A rebalance plan: the moves by segment (shard index → new disk), each node's count and share, segments walked.</summary>
public sealed record RebalancePlan(Dictionary<Guid, Dictionary<int, string>> Moves, IReadOnlyList<RebalanceNode> Nodes, long Segments);

/// <summary>A node in a rebalance plan: fragments it held on its active disks when the pass began, and its share of them.</summary>
public sealed record RebalanceNode(string Node, long Fragments, double IdealShare);

/// <summary>The state of the current or last rebalance pass.</summary>
public sealed record RebalanceStatus
{
    /// <summary>Whether a pass is moving fragments now.</summary>
    public bool Running { get; init; }

    /// <summary>When the pass began (null before the first).</summary>
    public DateTimeOffset? Started { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? Finished { get; init; }

    /// <summary>Segments the plan walked.</summary>
    public long Segments { get; init; }

    /// <summary>Fragments the plan moves.</summary>
    public long Planned { get; init; }

    /// <summary>Fragments moved and committed.</summary>
    public long Moved { get; init; }

    /// <summary>Fragments whose move did not happen (the segment changed meanwhile, a disk refused); the next pass plans again.</summary>
    public long Failed { get; init; }

    /// <summary>Each node's fragments and share when the pass began.</summary>
    public IReadOnlyList<RebalanceNode> Nodes { get; init; } = [];
}
