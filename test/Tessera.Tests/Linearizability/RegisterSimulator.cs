using System.Runtime.InteropServices;
using Tessera.Linearizability;

namespace Tessera.Tests.Linearizability;

/// <summary>Histories of a correct store of registers with conditional writes: linearizable by construction.</summary>
internal static class RegisterSimulator
{
    public static Operation<RegisterInput, RegisterOutput>[] Generate(Random random, int clients, int operationsPerClient, int keys, double indeterminateRate)
    {
        var state = new Dictionary<string, string?>();
        var written = new Dictionary<string, List<string>>();
        var history = new List<Operation<RegisterInput, RegisterOutput>>();
        var values = 0;
        foreach (var slot in Simulation.Slots(random, clients, operationsPerClient, keys, indeterminateRate))
        {
            var key = $"key{slot.Target}";
            var current = state.GetValueOrDefault(key);
            var applies = !double.IsPositiveInfinity(slot.Point);
            var value = $"v{values++}";
            RegisterInput input;
            RegisterOutput output;
            bool holds;
            switch (slot.Choice)
            {
                case < 35:
                    input = RegisterInput.Get(key);
                    output = RegisterOutput.Read(current);
                    break;
                case < 55:
                    input = RegisterInput.Put(key, value);
                    output = RegisterOutput.Ok;
                    if (applies)
                    {
                        Write(key, value);
                    }

                    break;
                case < 75:
                    // Mostly the current value (a read-modify-write that wins), sometimes an older one (it loses).
                    var older = written.GetValueOrDefault(key);
                    var expected = current is not null && random.Next(10) < 6 ? current
                        : older is { Count: > 0 } ? older[random.Next(older.Count)]
                        : "v-never";
                    input = RegisterInput.PutIfMatch(key, expected, value);
                    holds = current == expected;
                    output = holds ? RegisterOutput.Ok : RegisterOutput.PreconditionFailed;
                    if (holds && applies)
                    {
                        Write(key, value);
                    }

                    break;
                case < 85:
                    input = RegisterInput.PutIfNoneMatch(key, value);
                    holds = current is null;
                    output = holds ? RegisterOutput.Ok : RegisterOutput.PreconditionFailed;
                    if (holds && applies)
                    {
                        Write(key, value);
                    }

                    break;
                default:
                    input = RegisterInput.Delete(key);
                    output = RegisterOutput.Ok;
                    if (applies)
                    {
                        state[key] = null;
                    }

                    break;
            }

            history.Add(slot.Indeterminate
                ? Operation<RegisterInput, RegisterOutput>.Indeterminate(slot.Client, input, slot.Call, slot.Return)
                : new Operation<RegisterInput, RegisterOutput>(slot.Client, input, output, slot.Call, slot.Return));
        }

        return Simulation.Shuffled(random, history);

        void Write(string key, string value)
        {
            state[key] = value;
            if (!written.TryGetValue(key, out var list))
            {
                written[key] = list = [];
            }

            list.Add(value);
        }
    }

    /// <summary>
    /// A stale read: a Get now returns a value v whose write w completed before an effective overwrite w2 (a
    /// successful write or a delete) was called, and w2 completed before the Get was called. In every linearization
    /// w &lt; w2 &lt; Get, and values are unique, so no linearization exists. Null when the history has no such triple.
    /// </summary>
    public static (Operation<RegisterInput, RegisterOutput>[] History, Operation<RegisterInput, RegisterOutput> Mutated)? StaleRead(
        Random random, Operation<RegisterInput, RegisterOutput>[] history)
    {
        var candidates = new List<(int Index, long Before)>();
        for (var i = 0; i < history.Length; i++)
        {
            var read = history[i];
            if (!read.IsIndeterminate && read.Input.Kind == RegisterOperation.Get && LatestOverwriteCall(history, read) is { } before)
            {
                candidates.Add((i, before));
            }
        }

        // A write w qualifies when it returned before the latest call of an overwrite that returned before the read.
        random.Shuffle(CollectionsMarshal.AsSpan(candidates));
        foreach (var (index, before) in candidates)
        {
            var writes = history
                .Where(w => IsEffectiveWrite(w) && w.Input.Key == history[index].Input.Key && w.Input.Value is not null && w.Return < before)
                .ToArray();
            if (writes.Length > 0)
            {
                var mutated = (Operation<RegisterInput, RegisterOutput>[])history.Clone();
                mutated[index] = history[index] with { Output = RegisterOutput.Read(writes[random.Next(writes.Length)].Input.Value) };
                return (mutated, mutated[index]);
            }
        }

        return null;
    }

    /// <summary>
    /// A stale If-Match success: a determinate PutIfMatch conditional on a value whose write completed before an
    /// effective overwrite that completed before the If-Match was called now reports success. Null when none exists.
    /// </summary>
    public static (Operation<RegisterInput, RegisterOutput>[] History, Operation<RegisterInput, RegisterOutput> Mutated)? StaleIfMatch(
        Random random, Operation<RegisterInput, RegisterOutput>[] history)
    {
        var writers = history.Where(w => IsEffectiveWrite(w) && w.Input.Value is not null).ToDictionary(w => w.Input.Value!);
        var candidates = new List<int>();
        for (var i = 0; i < history.Length; i++)
        {
            var op = history[i];
            if (!op.IsIndeterminate && op.Input.Kind == RegisterOperation.PutIfMatch
                && writers.TryGetValue(op.Input.Expected!, out var w) && w.Input.Key == op.Input.Key
                && LatestOverwriteCall(history, op) is { } before && w.Return < before)
            {
                candidates.Add(i);
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var index = candidates[random.Next(candidates.Count)];
        var mutated = (Operation<RegisterInput, RegisterOutput>[])history.Clone();
        mutated[index] = history[index] with { Output = RegisterOutput.Ok };
        return (mutated, mutated[index]);
    }

    /// <summary>The latest call among effective writes of the key that returned before <paramref name="op"/> was called.</summary>
    private static long? LatestOverwriteCall(Operation<RegisterInput, RegisterOutput>[] history, Operation<RegisterInput, RegisterOutput> op)
    {
        long? latest = null;
        foreach (var w in history)
        {
            if (IsEffectiveWrite(w) && w.Input.Key == op.Input.Key && w.Return < op.Call && (latest is null || w.Call > latest))
            {
                latest = w.Call;
            }
        }

        return latest;
    }

    /// <summary>A determinate operation that certainly changed the key: a successful write or a delete.</summary>
    private static bool IsEffectiveWrite(Operation<RegisterInput, RegisterOutput> op) =>
        !op.IsIndeterminate && op.Input.Kind != RegisterOperation.Get && op.Output!.Succeeded;
}
