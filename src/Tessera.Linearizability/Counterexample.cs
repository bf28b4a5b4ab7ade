namespace Tessera.Linearizability;

/// <summary>
/// Why a history is not linearizable: the partition with no linearization, the longest prefix of it the search could
/// linearize, and the operation it then could not place.
/// </summary>
/// <typeparam name="TInput">What clients asked for.</typeparam>
/// <typeparam name="TOutput">What they got back.</typeparam>
public sealed class Counterexample<TInput, TOutput>
{
    /// <summary>The failing partition's name (for the register and set models: the key or element).</summary>
    public required string Partition { get; init; }

    /// <summary>Every operation of that partition.</summary>
    public required IReadOnlyList<Operation<TInput, TOutput>> Operations { get; init; }

    /// <summary>The longest sequence of operations the search linearized, in linearization order.</summary>
    public required IReadOnlyList<Operation<TInput, TOutput>> LongestPrefix { get; init; }

    /// <summary>
    /// The operation that could not be linearized: after <see cref="LongestPrefix"/>, the search reached its return
    /// (it had to have taken effect by then), and neither it nor any other pending operation could be placed next in
    /// a way that leads to a complete linearization.
    /// </summary>
    public required Operation<TInput, TOutput> FailedOperation { get; init; }

    /// <summary>The operations called and not yet linearized at that point (including <see cref="FailedOperation"/>): the candidates that all failed.</summary>
    public required IReadOnlyList<Operation<TInput, TOutput>> Pending { get; init; }

    /// <summary>A readable explanation: the prefix with the state after each step, the failed operation and the candidates.</summary>
    public required string Explanation { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Explanation;
}
