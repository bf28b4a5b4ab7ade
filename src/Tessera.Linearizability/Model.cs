namespace Tessera.Linearizability;

/// <summary>
/// A sequential specification: what a correct, atomic object would answer. The checker looks for an order of the
/// history's operations that respects real time and that this specification accepts step by step.
/// </summary>
/// <remarks>
/// States must be immutable values: the checker keeps them on its backtracking stack and in its cache, and compares
/// them with <see cref="StateComparer"/>. A step may be nondeterministic (several next states); the checker then
/// follows the set of possible states, as Porcupine does for nondeterministic models.
/// </remarks>
/// <typeparam name="TState">The object's state.</typeparam>
/// <typeparam name="TInput">What clients ask for.</typeparam>
/// <typeparam name="TOutput">What they get back.</typeparam>
public abstract class Model<TState, TInput, TOutput>
{
    /// <summary>The state before the first operation.</summary>
    public abstract TState InitialState { get; }

    /// <summary>Compares states for the checker's cache; by default <see cref="EqualityComparer{T}.Default"/>.</summary>
    public virtual IEqualityComparer<TState> StateComparer => EqualityComparer<TState>.Default;

    /// <summary>
    /// Applies one operation to a state: the states the object may be in afterwards, given that it answered
    /// <paramref name="output"/>; empty when that answer is impossible from <paramref name="state"/>.
    /// </summary>
    /// <param name="state">The state before the operation.</param>
    /// <param name="input">What the client asked for.</param>
    /// <param name="output">What it got back; default when <paramref name="indeterminate"/>.</param>
    /// <param name="indeterminate">
    /// The outcome is unknown: accept every output the object could have given from <paramref name="state"/> and
    /// return the states each leads to. Not taking effect at all need not be returned: the checker already considers
    /// leaving the operation out.
    /// </param>
    /// <returns>
    /// The possible next states; empty when the step is illegal. The checker keeps the list (on its stack and in its
    /// cache): return a new or immutable one, never a buffer reused by the next call.
    /// </returns>
    public abstract IReadOnlyList<TState> Step(TState state, TInput input, TOutput? output, bool indeterminate);

    /// <summary>
    /// Whether the operation never changes the state, from any state: every step returns the state it was given, or
    /// nothing (a read, a failed conditional write). The checker then linearizes it at the first point where it is
    /// legal and tries no alternative there, which is sound (such an operation can always move earlier to a point
    /// where it is available and legal) and cuts the search for long reads overlapping many writes. The default,
    /// false, is always safe; true for an operation that can change the state makes the checker wrong.
    /// </summary>
    /// <param name="input">What the client asked for.</param>
    /// <param name="output">What it got back; default when <paramref name="indeterminate"/>.</param>
    /// <param name="indeterminate">The outcome is unknown.</param>
    /// <returns>True when no step of this operation changes the state.</returns>
    public virtual bool IsReadOnly(TInput input, TOutput? output, bool indeterminate) => false;

    /// <summary>
    /// Splits a history into sub-histories that can be checked independently (P-compositionality), e.g. by key. The
    /// default keeps the history whole. The split is sound only when the object is a product of independent parts,
    /// one per partition, and every operation touches one part.
    /// </summary>
    /// <param name="history">The whole history.</param>
    /// <returns>The partitions; every operation of <paramref name="history"/> in one of them (or rewritten into them).</returns>
    public virtual IReadOnlyList<HistoryPartition<TInput, TOutput>> Partition(IReadOnlyList<Operation<TInput, TOutput>> history) =>
        [new HistoryPartition<TInput, TOutput>("(whole history)", history)];

    /// <summary>Renders an operation for reports: input, then output or "?" when indeterminate.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>A one-line description.</returns>
    public virtual string DescribeOperation(Operation<TInput, TOutput> operation) =>
        operation.IsIndeterminate ? $"{operation.Input} -> ?" : $"{operation.Input} -> {operation.Output}";

    /// <summary>Renders a state for reports.</summary>
    /// <param name="state">The state.</param>
    /// <returns>A short description.</returns>
    public virtual string DescribeState(TState state) => state?.ToString() ?? "null";
}
