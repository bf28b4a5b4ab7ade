using Tessera.Linearizability;

namespace Tessera.Tests.Linearizability;

/// <summary>
/// The definition, searched naively: some order of the operations, each after every determinate operation that
/// returned before it was called, that the model accepts step by step; indeterminate operations may be left out.
/// No partitioning, no cache, no reductions: the reference the checker is compared with on small histories.
/// </summary>
internal static class BruteForce
{
    public static bool IsLinearizable<TState, TInput, TOutput>(Model<TState, TInput, TOutput> model, IReadOnlyList<Operation<TInput, TOutput>> history) =>
        Search(model, [.. history], [model.InitialState]);

    private static bool Search<TState, TInput, TOutput>(Model<TState, TInput, TOutput> model, List<Operation<TInput, TOutput>> remaining, List<TState> states)
    {
        if (remaining.All(o => o.IsIndeterminate))
        {
            return true;
        }

        for (var i = 0; i < remaining.Count; i++)
        {
            var op = remaining[i];
            if (remaining.Any(q => !q.IsIndeterminate && q.Return < op.Call))
            {
                continue;
            }

            var next = states
                .SelectMany(s => model.Step(s, op.Input, op.IsIndeterminate ? default : op.Output, op.IsIndeterminate))
                .Distinct(model.StateComparer)
                .ToList();
            if (next.Count == 0)
            {
                continue;
            }

            remaining.RemoveAt(i);
            var found = Search(model, remaining, next);
            remaining.Insert(i, op);
            if (found)
            {
                return true;
            }
        }

        return false;
    }
}
