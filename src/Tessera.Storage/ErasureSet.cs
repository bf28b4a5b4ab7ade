using System.Collections.Concurrent;
using Tessera.Erasure;

namespace Tessera.Storage;

/// <summary>
/// The disks a store codes over, with their state, the placement that picks among them, and one shared codec per
/// (k, m). The request path asks it for disks by id (as manifests record them) and for a codec. The topology can
/// change while the store runs (<see cref="AddDisk"/>, <see cref="SetState"/>): each change publishes a new immutable
/// view, so a request sees one consistent topology.
/// </summary>
public sealed class ErasureSet
{
    private readonly ConcurrentDictionary<(int K, int M), ReedSolomon> _codecs = new();
    private readonly IReadOnlyDictionary<string, ErasurePolicy> _classes;

    /// <summary>The RS(1, m) policy of each policy and the largest segment it takes (<see cref="ErasurePolicy.CopiedSegmentLimit"/>).</summary>
    private readonly Dictionary<ErasurePolicy, (ErasurePolicy Policy, long Limit)> _copies = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _changeLock = new();
    private View _view;

    /// <summary>
    /// Creates the set; validates that <paramref name="policy"/> and every storage class policy can be placed on
    /// <paramref name="disks"/> (a policy the topology cannot satisfy is refused here, at start).
    /// </summary>
    /// <param name="disks">The disks.</param>
    /// <param name="policy">The default policy (STANDARD and every class without its own).</param>
    /// <param name="classes">Policies by S3 storage class name, e.g. REDUCED_REDUNDANCY → RS(4,1).</param>
    /// <param name="states">The state of disks that are not active (from the persisted topology).</param>
    public ErasureSet(
        IReadOnlyList<IDisk> disks,
        ErasurePolicy policy,
        IReadOnlyDictionary<string, ErasurePolicy>? classes = null,
        IReadOnlyDictionary<string, DiskState>? states = null)
    {
        Policy = policy;
        _classes = classes ?? new Dictionary<string, ErasurePolicy>();
        foreach (var p in Policies)
        {
            Placement.Validate(disks, p.DataShards, p.ParityShards, p.DomainLevel);
            _copies[p] = (p with { DataShards = 1 }, p.CopiedSegmentLimit());
        }

        _view = View.Create([.. disks], states ?? new Dictionary<string, DiskState>(), new HashSet<string>(StringComparer.Ordinal), Policies, 0);
    }

    /// <summary>Policies configured for particular storage classes.</summary>
    public IReadOnlyDictionary<string, ErasurePolicy> ClassPolicies => _classes;

    /// <summary>The default policy and every storage class policy.</summary>
    public IEnumerable<ErasurePolicy> Policies => _classes.Values.Prepend(Policy);

    /// <summary>The policy new segments of <paramref name="storageClass"/> are written with.</summary>
    public ErasurePolicy PolicyFor(string? storageClass) =>
        storageClass is not null && _classes.TryGetValue(storageClass, out var policy) ? policy : Policy;

    /// <summary>
    /// The policy a new segment of <paramref name="length"/> bytes of <paramref name="storageClass"/> is written with:
    /// the class's, or its RS(1, m) copies where they take no more space (<see cref="ErasurePolicy.CopySmallSegments"/>).
    /// </summary>
    public ErasurePolicy PolicyFor(string? storageClass, long length)
    {
        var policy = PolicyFor(storageClass);
        var copies = _copies[policy];
        return length <= copies.Limit ? copies.Policy : policy;
    }

    /// <summary>
    /// The failure-domain level a segment coded RS(<paramref name="dataShards"/>, <paramref name="parityShards"/>)
    /// spreads over: its storage class's level while that class still codes with the same k and m (or writes its small
    /// segments as RS(1, m) copies), otherwise the level of a policy with that k and m, otherwise the default policy's.
    /// </summary>
    public string DomainLevelOf(int dataShards, int parityShards, string? storageClass)
    {
        var policy = PolicyFor(storageClass);
        if (Codes(policy, dataShards, parityShards))
        {
            return policy.DomainLevel;
        }

        return Policies.FirstOrDefault(p => Codes(p, dataShards, parityShards))?.DomainLevel ?? Policy.DomainLevel;

        static bool Codes(ErasurePolicy p, int k, int m) =>
            p.ParityShards == m && (p.DataShards == k || k == 1);
    }

    /// <summary>Every disk of the topology, whatever its state.</summary>
    public IReadOnlyList<IDisk> Disks => Volatile.Read(ref _view).Disks;

    /// <summary>The default policy of new segments.</summary>
    public ErasurePolicy Policy { get; }

    /// <summary>
    /// The placement of new segments: over the active disks when they can hold every policy, otherwise over every disk
    /// that is not draining (writes then skip the failed disks' fragments, down to the write quorum).
    /// </summary>
    public Placement Placement => Volatile.Read(ref _view).Writes;

    /// <summary>The placement over the active disks only (repair targets); null when there is none.</summary>
    public Placement? ActivePlacement => Volatile.Read(ref _view).Active;

    /// <summary>Counts topology changes: it moves on every <see cref="AddDisk"/> and <see cref="SetState"/>.</summary>
    public long Generation => Volatile.Read(ref _view).Generation;

    /// <summary>The disk with that id if it can be read (active or draining); null when failed or unknown.</summary>
    public IDisk? Disk(string id)
    {
        var view = Volatile.Read(ref _view);
        return id.Length > 0 && view.ById.TryGetValue(id, out var disk) && view.StateOf(id) != DiskState.Failed ? disk : null;
    }

    /// <summary>The disk with that id whatever its state; null when unknown.</summary>
    public IDisk? KnownDisk(string id) => id.Length > 0 && Volatile.Read(ref _view).ById.TryGetValue(id, out var disk) ? disk : null;

    /// <summary>The state of a disk (unknown ids are <see cref="DiskState.Failed"/>: nothing can be read there).</summary>
    public DiskState StateOf(string id)
    {
        var view = Volatile.Read(ref _view);
        return view.ById.ContainsKey(id) ? view.StateOf(id) : DiskState.Failed;
    }

    /// <summary>The state of every disk that is not active.</summary>
    public IReadOnlyDictionary<string, DiskState> States => Volatile.Read(ref _view).States;

    /// <summary>Adds an active disk to the topology.</summary>
    /// <exception cref="ArgumentException">A disk with that id exists, or its weight is not positive.</exception>
    public void AddDisk(IDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        lock (_changeLock)
        {
            var view = _view;
            if (view.ById.ContainsKey(disk.Id))
            {
                throw new ArgumentException($"Disk '{disk.Id}' is already in the topology.", nameof(disk));
            }

            Volatile.Write(ref _view, View.Create([.. view.Disks, disk], view.States, view.Absent, Policies, view.Generation + 1));
        }
    }

    /// <summary>
    /// Changes the state of a disk. Draining is refused when the remaining active disks cannot hold every policy
    /// (the drain could never finish); marking a disk failed or active always succeeds.
    /// </summary>
    /// <returns>False when the disk already had that state.</returns>
    /// <exception cref="ArgumentException">No disk has that id.</exception>
    /// <exception cref="PlacementException">Draining would leave too few active disks or domains.</exception>
    public bool SetState(string id, DiskState state)
    {
        lock (_changeLock)
        {
            var view = _view;
            if (!view.ById.ContainsKey(id))
            {
                throw new ArgumentException($"No disk '{id}' in the topology.", nameof(id));
            }

            if (view.StateOf(id) == state)
            {
                return false;
            }

            var states = view.States.ToDictionary(StringComparer.Ordinal);
            if (state == DiskState.Active)
            {
                states.Remove(id);
            }
            else
            {
                states[id] = state;
            }

            if (state == DiskState.Draining)
            {
                var remaining = view.Disks.Where(d => !states.ContainsKey(d.Id)).ToList();
                foreach (var p in Policies)
                {
                    Placement.Validate(remaining, p.DataShards, p.ParityShards, p.DomainLevel);
                }
            }

            Volatile.Write(ref _view, View.Create(view.Disks, states, view.Absent, Policies, view.Generation + 1));
            return true;
        }
    }

    /// <summary>
    /// Replaces every disk's state with <paramref name="states"/> (disks not named are active; ids of unknown disks are
    /// kept for when they join): a cluster node applies the coordinator's topology map this way. No placement check: the
    /// map is the coordinator's decision, already taken. Returns false when nothing changed.
    /// </summary>
    public bool ApplyStates(IReadOnlyDictionary<string, DiskState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        lock (_changeLock)
        {
            var view = _view;
            var next = states.Where(s => s.Value != DiskState.Active).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
            if (next.Count == view.States.Count && next.All(s => view.States.TryGetValue(s.Key, out var old) && old == s.Value))
            {
                return false;
            }

            Volatile.Write(ref _view, View.Create(view.Disks, next, view.Absent, Policies, view.Generation + 1));
            return true;
        }
    }

    /// <summary>
    /// Disks whose node is absent from the cluster (its registration lapsed): new segments are not placed on them while
    /// the others can take the fragments, but they are still read, and nothing is repaired because of it (that is the
    /// down-out interval's call). Where the present disks are too few for a policy's domain level, new segments are
    /// spread as evenly as they allow (<see cref="WritesDegraded"/>).
    /// </summary>
    public IReadOnlySet<string> Absent => Volatile.Read(ref _view).Absent;

    /// <summary>Whether new segments are placed degraded: some domain may hold more than m of a stripe's fragments.</summary>
    public bool WritesDegraded => Volatile.Read(ref _view).Degraded;

    /// <summary>Replaces the set of absent disks (<see cref="Absent"/>); false when it did not change.</summary>
    public bool SetAbsent(IEnumerable<string> diskIds)
    {
        ArgumentNullException.ThrowIfNull(diskIds);
        var absent = diskIds.ToHashSet(StringComparer.Ordinal);
        lock (_changeLock)
        {
            var view = _view;
            if (absent.SetEquals(view.Absent))
            {
                return false;
            }

            Volatile.Write(ref _view, View.Create(view.Disks, view.States, absent, Policies, view.Generation + 1));
            return true;
        }
    }

    /// <summary>
    /// The disks of a new segment's fragments, index by index: <see cref="Placement.Place"/> over the write placement,
    /// or <see cref="Placement.PlaceSpread"/> while writes are degraded.
    /// </summary>
    /// <exception cref="PlacementException">The policy does not fit the disks.</exception>
    public string[] PlaceNew(Guid segment, int dataShards, int parityShards, string level)
    {
        var view = Volatile.Read(ref _view);
        return view.Degraded
            ? view.Writes.PlaceSpread(segment, dataShards, parityShards, level)
            : view.Writes.Place(segment, dataShards, parityShards, level);
    }

    /// <summary>Whether <paramref name="disks"/> can hold every one of <paramref name="policies"/> at its domain level.</summary>
    public static bool CanHold(IReadOnlyList<IDisk> disks, IEnumerable<ErasurePolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        try
        {
            foreach (var p in policies)
            {
                Placement.Validate(disks, p.DataShards, p.ParityShards, p.DomainLevel);
            }

            return true;
        }
        catch (PlacementException)
        {
            return false;
        }
    }

    /// <summary>The shared codec for RS(k, m).</summary>
    public ReedSolomon Codec(int dataShards, int parityShards) =>
        _codecs.GetOrAdd((dataShards, parityShards), static key => new ReedSolomon(key.K, key.M));

    /// <summary>One immutable topology: disks, states and the placements derived from them.</summary>
    private sealed record View(
        IReadOnlyList<IDisk> Disks,
        Dictionary<string, IDisk> ById,
        IReadOnlyDictionary<string, DiskState> States,
        IReadOnlySet<string> Absent,
        Placement Writes,
        bool Degraded,
        Placement? Active,
        long Generation)
    {
        public DiskState StateOf(string id) => States.TryGetValue(id, out var state) ? state : DiskState.Active;

        public static View Create(
            IReadOnlyList<IDisk> disks,
            IReadOnlyDictionary<string, DiskState> states,
            IReadOnlySet<string> absent,
            IEnumerable<ErasurePolicy> policies,
            long generation)
        {
            var byId = disks.ToDictionary(d => d.Id, StringComparer.Ordinal);
            var frozen = states.Where(s => byId.ContainsKey(s.Key) && s.Value != DiskState.Active)
                .ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
            var active = disks.Where(d => !frozen.ContainsKey(d.Id)).ToList();
            var activePlacement = active.Count > 0 ? new Placement(active) : null;
            var present = active.Where(d => !absent.Contains(d.Id)).ToList();
            var widest = policies.Max(p => p.DataShards + p.ParityShards);

            // Failed disks are out as absent ones are: a node whose disks the down-out interval declared failed leaves
            // the others to spread over, as it did while merely absent (placing on its failed disks refused writes).
            var failed = frozen.Count(s => s.Value == DiskState.Failed);
            var (writes, degraded) =
                present.Count > 0 && CanHold(present, policies) ? (new Placement(present), false)
                : present.Count < active.Count + failed && present.Count >= widest ? (new Placement(present), true)
                : activePlacement is not null && CanHold(active, policies) ? (activePlacement, false)
                : (new Placement([.. disks.Where(d => !frozen.TryGetValue(d.Id, out var s) || s != DiskState.Draining)]), false);
            return new View(disks, byId, frozen, absent, writes, degraded, activePlacement, generation);
        }
    }
}
