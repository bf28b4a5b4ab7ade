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

    private readonly IReadOnlyDictionary<string, ErasurePolicy> _classes;

    /// <summary>
    /// Creates the set; validates that <paramref name="policy"/> and every storage class policy can be placed on
    /// <paramref name="disks"/> (a policy the topology cannot satisfy is refused here, at start).
    /// </summary>
    /// <param name="disks">The disks.</param>
    /// <param name="policy">The default policy (STANDARD and every class without its own).</param>
    /// <param name="classes">Policies by S3 storage class name, e.g. REDUCED_REDUNDANCY → RS(4,1).</param>
    public ErasureSet(IReadOnlyList<IDisk> disks, ErasurePolicy policy, IReadOnlyDictionary<string, ErasurePolicy>? classes = null)
    {
        Disks = disks;
        Policy = policy;
        _classes = classes ?? new Dictionary<string, ErasurePolicy>();
        _byId = disks.ToDictionary(d => d.Id, StringComparer.Ordinal);
        foreach (var p in _classes.Values.Prepend(policy))
        {
            Placement.Validate(disks, p.DataShards, p.ParityShards, p.DomainLevel);
        }

        Placement = new Placement(disks);
    }

    /// <summary>Policies configured for particular storage classes.</summary>
    public IReadOnlyDictionary<string, ErasurePolicy> ClassPolicies => _classes;

    /// <summary>The policy new segments of <paramref name="storageClass"/> are written with.</summary>
    public ErasurePolicy PolicyFor(string? storageClass) =>
        storageClass is not null && _classes.TryGetValue(storageClass, out var policy) ? policy : Policy;

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
