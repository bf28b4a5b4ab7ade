namespace Tessera.Linearizability;

/// <summary>
/// The keys under a prefix as a set, for listings, checked one element at a time (P-compositional). The set starts
/// empty (use a fresh prefix). For an exact check of small histories see <see cref="WholeSetModel"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>The split.</b> A set over a universe U is a product of independent booleans, one per element: Add(x) and
/// Remove(x) touch only x's. <see cref="Partition"/> makes one partition per element of U (every element any Add,
/// Remove or Contains names or any List returned) and splits each List into one observation per element of U:
/// "x present" when the listing holds x, "x absent" when not, with the List's call and return times. Each partition
/// is then a boolean register with writes (Add, Remove) and reads, and is checked alone.
/// </para>
/// <para>
/// <b>What the split gives up.</b> A List is one read of every element at a single linearization point; split, each
/// element's observation may pick its own point inside the List's window. So a listing that is a mix of states that
/// never coexisted passes, as long as each element's answer was true at some moment of the window: e.g. Add(a) then
/// Remove(b) issued sequentially while a List runs, and the List shows neither a nor b. That is a weaker property
/// than linearizability of the whole set (it is linearizability of each element, which a paginated S3 listing is
/// closer to anyway). It still catches the stale listings that matter: a List missing an element whose Add completed
/// before the List began (and no Remove of it overlapped or preceded it), a List showing an element after its Remove
/// completed, or before its Add was called, or one that was never added. Check small histories with
/// <see cref="WholeSetModel"/> too to be exact.
/// </para>
/// <para>
/// Indeterminate operations: an Add or Remove may apply at any point after its call (or never, i.e. last); an
/// indeterminate List or Contains observes nothing and is dropped by the split. Indeterminate Adds (and Removes) of
/// one element are equal inputs, which the checker treats as interchangeable, so many of them stay cheap.
/// </para>
/// </remarks>
public sealed class SetModel : Model<bool, SetInput, SetOutput>
{
    private static readonly IReadOnlyList<bool> Present = [true];
    private static readonly IReadOnlyList<bool> Absent = [false];

    /// <summary>The one instance (the model has no settings).</summary>
    public static SetModel Instance { get; } = new();

    /// <summary>Not a member: each partition is one element's membership, and elements start absent.</summary>
    public override bool InitialState => false;

    /// <inheritdoc/>
    public override IReadOnlyList<bool> Step(bool state, SetInput input, SetOutput? output, bool indeterminate)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Kind switch
        {
            SetOperation.Add => Present,
            SetOperation.Remove => Absent,
            SetOperation.Contains when indeterminate || output!.Present == state => state ? Present : Absent,
            SetOperation.Contains => [],
            _ => throw new InvalidOperationException("A List reached a per-element partition: SetModel.Partition splits every List into Contains observations."),
        };
    }

    /// <summary>
    /// One partition per element of the universe (every element named by an Add, Remove or Contains or returned by a
    /// List), named by the element, in the order elements first appear; each List becomes one Contains per element.
    /// </summary>
    /// <param name="history">The whole history.</param>
    /// <returns>The per-element sub-histories.</returns>
    public override IReadOnlyList<HistoryPartition<SetInput, SetOutput>> Partition(IReadOnlyList<Operation<SetInput, SetOutput>> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var byElement = new Dictionary<string, List<Operation<SetInput, SetOutput>>>(StringComparer.Ordinal);
        var elements = new List<string>();
        void Touch(string element)
        {
            if (!byElement.ContainsKey(element))
            {
                byElement[element] = [];
                elements.Add(element);
            }
        }

        var lists = new List<Operation<SetInput, SetOutput>>();
        foreach (var operation in history)
        {
            if (operation.IsIndeterminate && operation.Input.Kind == SetOperation.Contains)
            {
                // It changed nothing and observed nothing.
                continue;
            }

            if (operation.Input.Kind != SetOperation.List)
            {
                Touch(operation.Input.Element ?? throw new ArgumentException($"{operation.Input.Kind} without an element.", nameof(history)));
                byElement[operation.Input.Element].Add(operation);
            }
            else if (!operation.IsIndeterminate)
            {
                // An indeterminate List changed nothing and observed nothing: it constrains no partition.
                lists.Add(operation);
                foreach (var element in operation.Output?.Elements ?? throw new ArgumentException("A List without its elements.", nameof(history)))
                {
                    Touch(element);
                }
            }
        }

        foreach (var list in lists)
        {
            foreach (var element in elements)
            {
                byElement[element].Add(new Operation<SetInput, SetOutput>(
                    list.ClientId,
                    SetInput.Contains(element) with { FromList = true },
                    SetOutput.Membership(list.Output!.Elements!.Contains(element)),
                    list.Call,
                    list.Return));
            }
        }

        return [.. elements.Select(element => new HistoryPartition<SetInput, SetOutput>(element, byElement[element]))];
    }

    /// <summary>Contains and List: observations.</summary>
    /// <param name="input">The request.</param>
    /// <param name="output">The answer.</param>
    /// <param name="indeterminate">The outcome is unknown.</param>
    /// <returns>Whether the operation never changes the set.</returns>
    public override bool IsReadOnly(SetInput input, SetOutput? output, bool indeterminate)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Kind is SetOperation.Contains or SetOperation.List;
    }

    /// <inheritdoc/>
    public override string DescribeOperation(Operation<SetInput, SetOutput> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.IsIndeterminate ? $"{operation.Input} -> ? (indeterminate)" : $"{operation.Input} -> {operation.Output}";
    }

    /// <inheritdoc/>
    public override string DescribeState(bool state) => state ? "present" : "absent";
}
