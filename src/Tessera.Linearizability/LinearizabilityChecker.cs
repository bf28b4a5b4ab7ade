using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tessera.Linearizability;

/// <summary>
/// Checks whether a recorded concurrent history is linearizable with respect to a sequential model: whether its
/// operations can be put in one order that respects real time (an operation that returned before another was
/// called comes first) and that the model accepts, each operation taking effect at a single point between its call
/// and its return.
/// </summary>
/// <remarks>
/// <para>
/// The algorithm is Porcupine's: the model's <see cref="Model{TState, TInput, TOutput}.Partition"/> splits the history
/// into independent sub-histories (P-compositionality: a history is linearizable exactly when each independent part
/// is), and each is searched with Wing–Gong–Lowe backtracking plus Lowe's cache of (linearized set, state) pairs,
/// with reductions for indeterminate and read-only operations that keep timeouts and long reads from blowing the
/// search up (docs/design/linearizability.md). Partitions are checked in parallel, at most one per processor, largest
/// first; the first illegal one stops the rest.
/// </para>
/// <para>
/// The problem is NP-complete: the search is exponential in the worst case (many long, overlapping operations whose
/// effects commute up to the state). The time budget bounds it, and running out gives
/// <see cref="CheckOutcome.Unknown"/>, never a guess.
/// </para>
/// </remarks>
public static partial class LinearizabilityChecker
{
    /// <summary>Checks <paramref name="history"/> against <paramref name="model"/>.</summary>
    /// <typeparam name="TState">The model's state.</typeparam>
    /// <typeparam name="TInput">What clients asked for.</typeparam>
    /// <typeparam name="TOutput">What they got back.</typeparam>
    /// <param name="model">The sequential specification.</param>
    /// <param name="history">The operations, in any order; see <see cref="Operation{TInput, TOutput}"/> for timestamps, ties and indeterminate operations.</param>
    /// <param name="timeout">The time budget; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <returns>Ok, Illegal with a counterexample, or Unknown when the budget ran out first.</returns>
    /// <exception cref="ArgumentException">An operation returns before it is called.</exception>
    public static LinearizabilityResult<TInput, TOutput> Check<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        IReadOnlyList<Operation<TInput, TOutput>> history,
        TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The time budget must be positive or Timeout.InfiniteTimeSpan.");
        }

        var stopwatch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(timeout);
        var partitions = model.Partition(history);
        var operations = 0;
        foreach (var partition in partitions)
        {
            Validate(partition);
            operations += partition.Operations.Count;
        }

        var verdicts = new PartitionVerdict?[partitions.Count];
        var steps = 0L;

        // Largest first, handed out one at a time: the longest searches start early and the rest fill the gaps.
        var order = Enumerable.Range(0, partitions.Count).OrderByDescending(i => partitions[i].Operations.Count).ToArray();
        Parallel.ForEach(
            Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
            i =>
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                var search = new PartitionSearch<TState, TInput, TOutput>(model, partitions[i].Operations);
                var verdict = search.Run(stop.Token);
                Interlocked.Add(ref steps, search.Steps);
                verdicts[i] = verdict;
                if (verdict.Outcome == CheckOutcome.Illegal)
                {
                    stop.Cancel();
                }
            });

        // Report the first illegal partition in the model's order, so that one failing key gives the same report every time.
        for (var i = 0; i < partitions.Count; i++)
        {
            if (verdicts[i] is { Outcome: CheckOutcome.Illegal } illegal)
            {
                return new LinearizabilityResult<TInput, TOutput>
                {
                    Outcome = CheckOutcome.Illegal,
                    Counterexample = Explain(model, partitions[i], illegal),
                    Partitions = partitions.Count,
                    Operations = operations,
                    Steps = steps,
                    Elapsed = stopwatch.Elapsed,
                };
            }
        }

        var undecided = new List<string>();
        for (var i = 0; i < partitions.Count; i++)
        {
            if (verdicts[i] is not { Outcome: CheckOutcome.Ok })
            {
                undecided.Add(partitions[i].Name);
            }
        }

        return new LinearizabilityResult<TInput, TOutput>
        {
            Outcome = undecided.Count == 0 ? CheckOutcome.Ok : CheckOutcome.Unknown,
            UndecidedPartitions = undecided,
            Partitions = partitions.Count,
            Operations = operations,
            Steps = steps,
            Elapsed = stopwatch.Elapsed,
        };
    }

    private static void Validate<TInput, TOutput>(HistoryPartition<TInput, TOutput> partition)
    {
        foreach (var operation in partition.Operations)
        {
            if (!operation.IsIndeterminate && operation.Return < operation.Call)
            {
                throw new ArgumentException($"Operation {operation} in partition '{partition.Name}' returns before it is called.", nameof(partition));
            }
        }
    }
}
