using System.Collections.Concurrent;
using Tessera.Erasure;

namespace Tessera.Storage;

/// <summary>
/// The disks a store codes over, the placement that picks among them, and one shared codec per (k, m). The
/// request path asks it for disks by id (as manifests record them) and for a codec.
/// </summary>
public sealed class ErasureSet
{
    private readonly Dictionary<string, IDisk> _byId;
    private readonly ConcurrentDictionary<(int K, int M), ReedSolomon> _codecs = new();

    /// <summary>Creates the set; validates that <paramref name="policy"/> can be placed on <paramref name="disks"/>.</summary>
    public ErasureSet(IReadOnlyList<IDisk> disks, ErasurePolicy policy)
    {
        Disks = disks;
        Policy = policy;
        _byId = disks.ToDictionary(d => d.Id, StringComparer.Ordinal);
        Placement.Validate(disks, policy.DataShards, policy.ParityShards, policy.DomainLevel);
        Placement = new Placement(disks);
    }

    /// <summary>Every disk.</summary>
    public IReadOnlyList<IDisk> Disks { get; }

    /// <summary>The default policy of new segments.</summary>
    public ErasurePolicy Policy { get; }

    /// <summary>The placement over <see cref="Disks"/>.</summary>
    public Placement Placement { get; }

    /// <summary>The disk with that id, or null when it is not (or no longer) in the set.</summary>
    public IDisk? Disk(string id) => id.Length > 0 && _byId.TryGetValue(id, out var disk) ? disk : null;

    /// <summary>The shared codec for RS(k, m).</summary>
    public ReedSolomon Codec(int dataShards, int parityShards) =>
        _codecs.GetOrAdd((dataShards, parityShards), static key => new ReedSolomon(key.K, key.M));
}
