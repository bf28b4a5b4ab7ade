using Tessera.Storage;

namespace Tessera.Store.Tiering;

/// <summary>
/// The remote tiers a store knows by name, and which storage classes live in one: a transition to such a class moves
/// the version's bytes to the tier instead of re-encoding them on the local disks.
/// </summary>
public sealed class RemoteTiers
{
    private readonly Dictionary<string, IRemoteTier> _tiers;
    private readonly Dictionary<string, string> _classes;

    /// <summary>No tiers (the default).</summary>
    public RemoteTiers()
        : this([], new Dictionary<string, string>(StringComparer.Ordinal))
    {
    }

    /// <summary>Creates the set.</summary>
    /// <param name="tiers">The tiers.</param>
    /// <param name="classes">Storage class → the name of the tier that holds its bytes (each must be one of <paramref name="tiers"/>).</param>
    public RemoteTiers(IEnumerable<IRemoteTier> tiers, IReadOnlyDictionary<string, string> classes)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        ArgumentNullException.ThrowIfNull(classes);
        _tiers = tiers.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _classes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (storageClass, tier) in classes)
        {
            if (!_tiers.ContainsKey(tier))
            {
                throw new ArgumentException($"Storage class {storageClass} names the tier '{tier}', which is not configured.", nameof(classes));
            }

            _classes[storageClass] = tier;
        }
    }

    /// <summary>Every tier.</summary>
    public IReadOnlyCollection<IRemoteTier> All => _tiers.Values;

    /// <summary>The tier that holds <paramref name="storageClass"/>'s bytes, or null when the class lives on the disks.</summary>
    public IRemoteTier? ForClass(string? storageClass) =>
        storageClass is not null && _classes.TryGetValue(storageClass, out var name) ? _tiers[name] : null;

    /// <summary>The tier named <paramref name="name"/>; throws <see cref="StorageUnavailableException"/> when none is configured so.</summary>
    public IRemoteTier Get(string name) =>
        _tiers.TryGetValue(name, out var tier)
            ? tier
            : throw new StorageUnavailableException($"The remote tier '{name}' holding this object is not configured on this server.");

    /// <summary>The tier named <paramref name="name"/>, or null.</summary>
    public IRemoteTier? Find(string name) => _tiers.GetValueOrDefault(name);
}
