using System.Collections.Immutable;

namespace Tessera.Linearizability;

/// <summary>Set equality for <see cref="WholeSetModel"/>'s states, with an order-independent hash (the sum of the elements' hashes).</summary>
internal sealed class SetStateComparer : IEqualityComparer<ImmutableHashSet<string>>
{
    /// <summary>The one instance.</summary>
    public static SetStateComparer Instance { get; } = new();

    /// <inheritdoc/>
    public bool Equals(ImmutableHashSet<string>? x, ImmutableHashSet<string>? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Count == y.Count && x.SetEquals(y));

    /// <inheritdoc/>
    public int GetHashCode(ImmutableHashSet<string> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = obj.Count;
        foreach (var element in obj)
        {
            hash += StringComparer.Ordinal.GetHashCode(element);
        }

        return hash;
    }
}
