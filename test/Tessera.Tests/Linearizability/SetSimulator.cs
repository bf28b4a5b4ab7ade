using Tessera.Linearizability;

namespace Tessera.Tests.Linearizability;

/// <summary>Histories of a correct set (keys under a prefix): linearizable by construction, as a whole set.</summary>
internal static class SetSimulator
{
    public static Operation<SetInput, SetOutput>[] Generate(Random random, int clients, int operationsPerClient, int elements, double indeterminateRate)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var history = new List<Operation<SetInput, SetOutput>>();
        foreach (var slot in Simulation.Slots(random, clients, operationsPerClient, elements, indeterminateRate))
        {
            var element = $"e{slot.Target}";
            var applies = !double.IsPositiveInfinity(slot.Point);
            var (input, output) = slot.Choice switch
            {
                < 30 => (SetInput.Add(element), SetOutput.Ok),
                < 50 => (SetInput.Remove(element), SetOutput.Ok),
                < 85 => (SetInput.List(), SetOutput.Listed(set)),
                _ => (SetInput.Contains(element), SetOutput.Membership(set.Contains(element))),
            };
            if (applies && input.Kind == SetOperation.Add)
            {
                set.Add(element);
            }
            else if (applies && input.Kind == SetOperation.Remove)
            {
                set.Remove(element);
            }

            history.Add(slot.Indeterminate
                ? Operation<SetInput, SetOutput>.Indeterminate(slot.Client, input, slot.Call, slot.Return)
                : new Operation<SetInput, SetOutput>(slot.Client, input, output, slot.Call, slot.Return));
        }

        return Simulation.Shuffled(random, history);
    }

    /// <summary>
    /// A List missing an element: a determinate Add(e) completed before the List was called, and no Remove(e), even
    /// an indeterminate one, was called before the List returned; so e is in the set at the List's point. Null when
    /// no such pair exists.
    /// </summary>
    public static (Operation<SetInput, SetOutput>[] History, string Element)? MissingElement(Random random, Operation<SetInput, SetOutput>[] history)
    {
        var candidates = new List<(int Index, string Element)>();
        for (var i = 0; i < history.Length; i++)
        {
            var list = history[i];
            if (list.IsIndeterminate || list.Input.Kind != SetOperation.List)
            {
                continue;
            }

            foreach (var element in list.Output!.Elements!)
            {
                var added = history.Any(a => !a.IsIndeterminate && a.Input == SetInput.Add(element) && a.Return < list.Call);
                var removed = history.Any(r => r.Input == SetInput.Remove(element) && r.Call <= list.Return);
                if (added && !removed)
                {
                    candidates.Add((i, element));
                }
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var (index, missing) = candidates[random.Next(candidates.Count)];
        var mutated = (Operation<SetInput, SetOutput>[])history.Clone();
        mutated[index] = history[index] with { Output = SetOutput.Listed(history[index].Output!.Elements!.Where(e => e != missing)) };
        return (mutated, missing);
    }

    /// <summary>
    /// A List showing an element early: every Add(e) (if any) was called after the List returned, and the List now
    /// shows e. Null when no List has such an element among <paramref name="universe"/>.
    /// </summary>
    public static (Operation<SetInput, SetOutput>[] History, string Element)? EarlyElement(
        Random random, Operation<SetInput, SetOutput>[] history, IReadOnlyList<string> universe)
    {
        var candidates = new List<(int Index, string Element)>();
        for (var i = 0; i < history.Length; i++)
        {
            var list = history[i];
            if (list.IsIndeterminate || list.Input.Kind != SetOperation.List)
            {
                continue;
            }

            foreach (var element in universe)
            {
                if (!history.Any(a => a.Input == SetInput.Add(element) && a.Call <= list.Return))
                {
                    candidates.Add((i, element));
                }
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var (index, early) = candidates[random.Next(candidates.Count)];
        var mutated = (Operation<SetInput, SetOutput>[])history.Clone();
        mutated[index] = history[index] with { Output = SetOutput.Listed(history[index].Output!.Elements!.Append(early)) };
        return (mutated, early);
    }
}
