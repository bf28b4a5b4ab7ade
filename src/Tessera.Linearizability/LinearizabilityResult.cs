namespace Tessera.Linearizability;

/// <summary>The verdict on a history and, when it is not linearizable, why.</summary>
/// <typeparam name="TInput">What clients asked for.</typeparam>
/// <typeparam name="TOutput">What they got back.</typeparam>
public sealed class LinearizabilityResult<TInput, TOutput>
{
    /// <summary>Ok, Illegal or Unknown (the time budget ran out).</summary>
    public required CheckOutcome Outcome { get; init; }

    /// <summary>Set when <see cref="Outcome"/> is <see cref="CheckOutcome.Illegal"/>.</summary>
    public Counterexample<TInput, TOutput>? Counterexample { get; init; }

    /// <summary>When <see cref="Outcome"/> is <see cref="CheckOutcome.Unknown"/>: the partitions left undecided.</summary>
    public IReadOnlyList<string> UndecidedPartitions { get; init; } = [];

    /// <summary>How many partitions the model split the history into.</summary>
    public required int Partitions { get; init; }

    /// <summary>Operations over all partitions (a model that rewrites operations, as the set model, may have more than the history).</summary>
    public required int Operations { get; init; }

    /// <summary>Model steps the search tried over all partitions: a measure of the work done.</summary>
    public required long Steps { get; init; }

    /// <summary>Wall-clock time of the check.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Whether the history is linearizable.</summary>
    public bool IsOk => Outcome == CheckOutcome.Ok;

    /// <summary>A readable summary: the verdict, and the counterexample's explanation when illegal.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Outcome switch
    {
        CheckOutcome.Ok => $"Linearizable: {Operations} operations in {Partitions} partitions, {Steps} steps, {Elapsed.TotalMilliseconds:F1} ms.",
        CheckOutcome.Unknown => $"Unknown: the time budget ran out after {Elapsed.TotalMilliseconds:F1} ms with {UndecidedPartitions.Count} of {Partitions} partitions undecided ({string.Join(", ", UndecidedPartitions.Take(10))}{(UndecidedPartitions.Count > 10 ? ", ..." : "")}).",
        _ => Counterexample!.Explanation,
    };
}
