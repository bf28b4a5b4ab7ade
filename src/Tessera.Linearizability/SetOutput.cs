namespace Tessera.Linearizability;

/// <summary>An answer of the set models. Build it with the factories.</summary>
public sealed record SetOutput
{
    private static readonly SetOutput PresentOutput = new() { Present = true };
    private static readonly SetOutput AbsentOutput = new() { Present = false };

    private SetOutput()
    {
    }

    /// <summary>Add or Remove done.</summary>
    public static SetOutput Ok { get; } = new();

    /// <summary>List: the elements listed. Null for other operations.</summary>
    public IReadOnlySet<string>? Elements { get; private init; }

    /// <summary>Contains: whether the element was present.</summary>
    public bool Present { get; private init; }

    /// <summary>A List's answer.</summary>
    /// <param name="elements">The elements listed (duplicates are ignored).</param>
    /// <returns>The output.</returns>
    public static SetOutput Listed(IEnumerable<string> elements) => new() { Elements = new HashSet<string>(elements, StringComparer.Ordinal) };

    /// <summary>A Contains answer.</summary>
    /// <param name="present">Whether the element was present.</param>
    /// <returns>The output.</returns>
    public static SetOutput Membership(bool present) => present ? PresentOutput : AbsentOutput;

    /// <inheritdoc/>
    public override string ToString() =>
        Elements is not null ? "{" + string.Join(", ", Elements.Order(StringComparer.Ordinal)) + "}"
        : ReferenceEquals(this, Ok) ? "ok"
        : Present ? "present" : "absent";
}
