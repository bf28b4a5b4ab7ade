namespace Tessera.Linearizability;

/// <summary>
/// A sub-history that can be checked on its own (P-compositionality): the history is linearizable exactly when every
/// partition is. <see cref="Model{TState, TInput, TOutput}.Partition"/> produces them, e.g. one per key.
/// </summary>
/// <typeparam name="TInput">What clients asked for.</typeparam>
/// <typeparam name="TOutput">What they got back.</typeparam>
/// <param name="Name">What the partition is about (a key, an element), for reports.</param>
/// <param name="Operations">Its operations, in any order.</param>
public sealed record HistoryPartition<TInput, TOutput>(string Name, IReadOnlyList<Operation<TInput, TOutput>> Operations);
