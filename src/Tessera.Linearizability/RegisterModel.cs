namespace Tessera.Linearizability;

/// <summary>
/// S3 objects as registers with compare-and-set: one register per key, partitioned by key (keys are independent
/// objects, so checking each key's sub-history alone is exact). The state is the key's current value, null when
/// absent; every key starts absent (use fresh keys).
/// </summary>
/// <remarks>
/// <para>
/// Values are strings and are compared ordinally; tests write a unique body per write, so a value names the write
/// that produced it (an ETag read back or sent in If-Match maps to its body).
/// </para>
/// <para>
/// Indeterminate operations (timeouts, connection errors, 5xx): the checker lets them take effect at any point after
/// their call, or never. A write applies where it is placed; a conditional one applies exactly when its condition
/// holds there. So a timed-out conditional write may have applied (placed where its condition held) or not (never
/// placed). An indeterminate Get constrains nothing.
/// </para>
/// </remarks>
public sealed class RegisterModel : Model<string?, RegisterInput, RegisterOutput>
{
    private static readonly IReadOnlyList<string?> Absent = [null];

    /// <summary>The value <see cref="Partition"/> gives an indeterminate write whose value is never observed.</summary>
    public const string Unobserved = "(never observed)";

    /// <summary>The one instance (the model has no settings).</summary>
    public static RegisterModel Instance { get; } = new();

    /// <inheritdoc/>
    public override string? InitialState => null;

    /// <inheritdoc/>
    public override IEqualityComparer<string?> StateComparer => StringComparer.Ordinal;

    /// <inheritdoc/>
    public override IReadOnlyList<string?> Step(string? state, RegisterInput input, RegisterOutput? output, bool indeterminate)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!indeterminate)
        {
            ArgumentNullException.ThrowIfNull(output);
        }

        switch (input.Kind)
        {
            case RegisterOperation.Get:
                return indeterminate || string.Equals(output!.Value, state, StringComparison.Ordinal) ? [state] : [];
            case RegisterOperation.Put:
                return indeterminate || output!.Succeeded ? [input.Value] : [];
            case RegisterOperation.Delete:
                return indeterminate || output!.Succeeded ? Absent : [];
            case RegisterOperation.PutIfMatch:
            case RegisterOperation.PutIfNoneMatch:
                var holds = input.Kind == RegisterOperation.PutIfMatch
                    ? state is not null && string.Equals(state, input.Expected, StringComparison.Ordinal)
                    : state is null;
                if (!indeterminate && output!.Succeeded != holds)
                {
                    return [];
                }

                return holds ? [input.Value] : [state];
            default:
                throw new ArgumentOutOfRangeException(nameof(input), input.Kind, "Unknown register operation.");
        }
    }

    /// <summary>Gets, and conditional writes that reported a failed precondition.</summary>
    /// <param name="input">The request.</param>
    /// <param name="output">The answer; null when indeterminate.</param>
    /// <param name="indeterminate">The outcome is unknown (a write may then have applied).</param>
    /// <returns>Whether the operation never changes the register.</returns>
    public override bool IsReadOnly(RegisterInput input, RegisterOutput? output, bool indeterminate)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Kind == RegisterOperation.Get
            || (!indeterminate && output is { Succeeded: false } && input.Kind is RegisterOperation.PutIfMatch or RegisterOperation.PutIfNoneMatch);
    }

    /// <summary>
    /// One partition per key, in the order keys first appear, with two rewrites that only make the search cheaper:
    /// indeterminate Gets are dropped (they change nothing and observed nothing), and an indeterminate write whose
    /// value no Get returned and no If-Match named gets the value <see cref="Unobserved"/> instead.
    /// </summary>
    /// <remarks>
    /// The second rewrite is exact: the model compares a value only with what Gets returned and If-Matches expect, so
    /// two values neither ever names behave the same in every later step. It makes such writes equal inputs, which
    /// the checker treats as interchangeable (it tries the earliest pending one only), so k unobserved timed-out
    /// writes cost k + 1 branches instead of 2^k; this is what keeps an illegal history with many timeouts decidable.
    /// </remarks>
    /// <param name="history">The whole history.</param>
    /// <returns>The per-key sub-histories, named by key.</returns>
    public override IReadOnlyList<HistoryPartition<RegisterInput, RegisterOutput>> Partition(
        IReadOnlyList<Operation<RegisterInput, RegisterOutput>> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var byKey = new Dictionary<string, List<Operation<RegisterInput, RegisterOutput>>>(StringComparer.Ordinal);
        var keys = new List<string>();
        foreach (var operation in history)
        {
            if (operation.IsIndeterminate && operation.Input.Kind == RegisterOperation.Get)
            {
                continue;
            }

            if (!byKey.TryGetValue(operation.Input.Key, out var operations))
            {
                byKey[operation.Input.Key] = operations = [];
                keys.Add(operation.Input.Key);
            }

            operations.Add(operation);
        }

        return [.. keys.Select(key => new HistoryPartition<RegisterInput, RegisterOutput>(key, MergeUnobserved(byKey[key])))];
    }

    /// <inheritdoc/>
    public override string DescribeOperation(Operation<RegisterInput, RegisterOutput> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var output = operation.IsIndeterminate || operation.Output is null ? "? (indeterminate)"
            : operation.Input.Kind == RegisterOperation.Get ? Quote(operation.Output.Value)
            : operation.Output.Succeeded ? "ok" : "precondition failed";
        return $"{operation.Input} -> {output}";
    }

    /// <inheritdoc/>
    public override string DescribeState(string? state) => Quote(state);

    /// <summary>Gives the indeterminate writes of one key whose value is never observed the value <see cref="Unobserved"/>.</summary>
    private static List<Operation<RegisterInput, RegisterOutput>> MergeUnobserved(List<Operation<RegisterInput, RegisterOutput>> operations)
    {
        var observed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            if (operation.Input.Kind == RegisterOperation.Get && operation.Output?.Value is { } read)
            {
                observed.Add(read);
            }
            else if (operation.Input.Kind == RegisterOperation.PutIfMatch && operation.Input.Expected is { } expected)
            {
                observed.Add(expected);
            }
        }

        // Sound only if the token itself is never named; tests could write anything.
        if (observed.Contains(Unobserved))
        {
            return operations;
        }

        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            if (operation.IsIndeterminate && operation.Input.Value is { } value && !observed.Contains(value))
            {
                operations[i] = operation with { Input = operation.Input with { Value = Unobserved } };
            }
        }

        return operations;
    }

    /// <summary>A value for reports: quoted, or "absent".</summary>
    internal static string Quote(string? value) => value is null ? "absent" : $"\"{value}\"";
}
