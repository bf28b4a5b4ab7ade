using System.Collections.Immutable;

namespace Tessera.Linearizability;

/// <summary>
/// The keys under a prefix as one set, not partitioned: exact linearizability of the set, every List read at a
/// single point. The search runs over the whole history at once, so keep it to small histories (tens to a few
/// hundred operations with little concurrency); <see cref="SetModel"/> scales, at the price its remarks explain.
/// The set starts empty.
/// </summary>
public sealed class WholeSetModel : Model<ImmutableHashSet<string>, SetInput, SetOutput>
{
    private static readonly ImmutableHashSet<string> Empty = ImmutableHashSet.Create<string>(StringComparer.Ordinal);

    /// <summary>The one instance (the model has no settings).</summary>
    public static WholeSetModel Instance { get; } = new();

    /// <inheritdoc/>
    public override ImmutableHashSet<string> InitialState => Empty;

    /// <inheritdoc/>
    public override IEqualityComparer<ImmutableHashSet<string>> StateComparer => SetStateComparer.Instance;

    /// <inheritdoc/>
    public override IReadOnlyList<ImmutableHashSet<string>> Step(ImmutableHashSet<string> state, SetInput input, SetOutput? output, bool indeterminate)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(input);
        return input.Kind switch
        {
            SetOperation.Add => [state.Add(input.Element!)],
            SetOperation.Remove => [state.Remove(input.Element!)],
            SetOperation.Contains when indeterminate || output!.Present == state.Contains(input.Element!) => [state],
            SetOperation.List when indeterminate || state.SetEquals(output!.Elements!) => [state],
            _ => [],
        };
    }

    /// <summary>Contains and List: observations.</summary>
    /// <param name="input">The request.</param>
    /// <param name="output">The answer.</param>
    /// <param name="indeterminate">The outcome is unknown.</param>
    /// <returns>Whether the operation never changes the set.</returns>
    public override bool IsReadOnly(SetInput input, SetOutput? output, bool indeterminate)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Kind is SetOperation.Contains or SetOperation.List;
    }

    /// <inheritdoc/>
    public override string DescribeOperation(Operation<SetInput, SetOutput> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.IsIndeterminate ? $"{operation.Input} -> ? (indeterminate)" : $"{operation.Input} -> {operation.Output}";
    }

    /// <inheritdoc/>
    public override string DescribeState(ImmutableHashSet<string> state) =>
        "{" + string.Join(", ", (state ?? Empty).Order(StringComparer.Ordinal)) + "}";
}
