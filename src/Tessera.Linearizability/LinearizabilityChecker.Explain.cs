using System.Globalization;
using System.Text;

namespace Tessera.Linearizability;

/// <summary>The readable explanation of an illegal partition.</summary>
public static partial class LinearizabilityChecker
{
    // Long prefixes are cut to their end: the failure is about the state the prefix reached, not its beginning.
    private const int PrefixLinesShown = 30;

    private static Counterexample<TInput, TOutput> Explain<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        HistoryPartition<TInput, TOutput> partition,
        PartitionVerdict verdict)
    {
        var operations = partition.Operations;
        var origin = long.MaxValue;
        foreach (var operation in operations)
        {
            origin = Math.Min(origin, operation.Call);
        }

        var text = new StringBuilder();
        var prefix = verdict.Linearization;
        text.Append(CultureInfo.InvariantCulture, $"Not linearizable: partition '{partition.Name}' ({operations.Count} operations). ");
        text.Append(CultureInfo.InvariantCulture, $"The longest linearizable prefix has {prefix.Length} operations");
        text.AppendLine(prefix.Length == 0 ? "." : ", in linearization order with the state after each:");

        // Replay the prefix to show the states; the search's powerset step is deterministic, so this is what it saw.
        List<TState> states = [model.InitialState];
        var comparer = model.StateComparer;
        for (var i = 0; i < prefix.Length; i++)
        {
            var operation = operations[prefix[i]];
            states = StepAll(model, comparer, states, operation);
            if (i >= prefix.Length - PrefixLinesShown)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {i + 1,5}. {Line(model, operation, origin)}  => {States(model, states)}");
            }
            else if (i == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  ({prefix.Length - PrefixLinesShown} earlier operations not shown)");
            }
        }

        var failed = operations[verdict.Failed];
        text.AppendLine(CultureInfo.InvariantCulture, $"State after the prefix: {States(model, states)}.");
        text.AppendLine("This operation had to take effect before it returned, but could not be linearized:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {Line(model, failed, origin)}");
        text.AppendLine("Pending then (called, not linearized; indeterminate ones may also never take effect), each tried next:");
        foreach (var index in verdict.Pending)
        {
            var operation = operations[index];
            var next = StepAll(model, comparer, states, operation);
            var why = next.Count == 0 ? "impossible from this state"
                : operation.IsIndeterminate && next.Count == states.Count && next.All(s => states.Contains(s, comparer))
                    ? "would change nothing here (the same as never taking effect)"
                : "possible here, but no complete linearization follows";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {Line(model, operation, origin)}  -- {why}");
        }

        return new Counterexample<TInput, TOutput>
        {
            Partition = partition.Name,
            Operations = operations,
            LongestPrefix = [.. prefix.Select(i => operations[i])],
            FailedOperation = failed,
            Pending = [.. verdict.Pending.Select(i => operations[i])],
            Explanation = text.ToString(),
        };
    }

    private static List<TState> StepAll<TState, TInput, TOutput>(
        Model<TState, TInput, TOutput> model,
        IEqualityComparer<TState> comparer,
        List<TState> states,
        Operation<TInput, TOutput> operation)
    {
        var next = new List<TState>();
        var output = operation.IsIndeterminate ? default : operation.Output;
        foreach (var state in states)
        {
            foreach (var candidate in model.Step(state, operation.Input, output, operation.IsIndeterminate))
            {
                if (!next.Contains(candidate, comparer))
                {
                    next.Add(candidate);
                }
            }
        }

        return next;
    }

    private static string Line<TState, TInput, TOutput>(Model<TState, TInput, TOutput> model, Operation<TInput, TOutput> operation, long origin)
    {
        var end = operation.IsIndeterminate ? "∞" : (operation.Return - origin).ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"[client {operation.ClientId}, {operation.Call - origin}..{end}] {model.DescribeOperation(operation)}");
    }

    private static string States<TState, TInput, TOutput>(Model<TState, TInput, TOutput> model, List<TState> states) =>
        states.Count == 1 ? model.DescribeState(states[0]) : "one of {" + string.Join(" | ", states.Select(model.DescribeState)) + "}";
}
