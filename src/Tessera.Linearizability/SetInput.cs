namespace Tessera.Linearizability;

/// <summary>A request on the set. Build it with the factories.</summary>
/// <param name="Kind">Which request.</param>
/// <param name="Element">The element (key) of Add, Remove and Contains; null for List.</param>
public sealed record SetInput(SetOperation Kind, string? Element = null)
{
    /// <summary>The shared List input.</summary>
    private static readonly SetInput ListInput = new(SetOperation.List);

    /// <summary>
    /// For a Contains: it was split from a List by <see cref="SetModel.Partition"/> (reports say so); the
    /// operation's timestamps are the List's.
    /// </summary>
    public bool FromList { get; init; }

    /// <summary>Add (PUT) an element.</summary>
    /// <param name="element">The element.</param>
    /// <returns>The input.</returns>
    public static SetInput Add(string element) => new(SetOperation.Add, element);

    /// <summary>Remove (DELETE) an element.</summary>
    /// <param name="element">The element.</param>
    /// <returns>The input.</returns>
    public static SetInput Remove(string element) => new(SetOperation.Remove, element);

    /// <summary>Observe whether one element is present (e.g. HEAD).</summary>
    /// <param name="element">The element.</param>
    /// <returns>The input.</returns>
    public static SetInput Contains(string element) => new(SetOperation.Contains, element);

    /// <summary>List every element.</summary>
    /// <returns>The input.</returns>
    public static SetInput List() => ListInput;

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        SetOperation.Add => $"Add({Element})",
        SetOperation.Remove => $"Remove({Element})",
        SetOperation.Contains => FromList ? $"List() ∋ {Element}?" : $"Contains({Element})",
        _ => "List()",
    };
}
