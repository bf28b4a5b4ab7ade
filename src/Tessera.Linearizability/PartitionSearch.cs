using System.Numerics;

namespace Tessera.Linearizability;

/// <summary>
/// Wing–Gong–Lowe search over one partition, as Porcupine's <c>checkSingle</c>: call and return events sorted by
/// time in a doubly linked list; the search walks the list and at a call tries to linearize that operation now (step
/// the model, lift its call and return out of the list, restart from the head); at a return it has met an operation
/// that had to take effect before it returned and did not, so it backtracks (unlift the last linearized operation,
/// restore the state, try the next candidate). A cache of configurations already reached (set of linearized
/// operations, state) prunes the search: reaching one again cannot lead anywhere new.
/// </summary>
/// <remarks>
/// <para>
/// Five reductions on top of Porcupine's algorithm, each sound and complete (argued where it is applied; the tests
/// compare the checker with a brute-force search): (1) indeterminate operations may take effect at any point after
/// their call or never, so they live in a second list, tried after the determinate candidates of a point, and the
/// search succeeds once every determinate operation is linearized; (2) an indeterminate operation is not placed where
/// it would change nothing; (3) indeterminate operations with equal inputs are interchangeable, so only the
/// earliest-called unused one is tried; (4) the cache prunes a configuration when one with the same determinate
/// operations and state and fewer indeterminate ones was reached; (5) a read-only operation
/// (<see cref="Model{TState, TInput, TOutput}.IsReadOnly"/>) that is legal where it is tried is committed to there.
/// Without indeterminate or read-only operations the search is exactly Porcupine's.
/// </para>
/// <para>
/// The lists live in arrays indexed by node, so lifting and unlifting are a few stores and the search allocates only
/// on cache insertions and model steps. Nondeterministic models are followed as sets of states (Porcupine's powerset
/// construction): a step maps every possible state and keeps the distinct results.
/// </para>
/// </remarks>
/// <typeparam name="TState">The model's state.</typeparam>
/// <typeparam name="TInput">What clients asked for.</typeparam>
/// <typeparam name="TOutput">What they got back.</typeparam>
internal sealed class PartitionSearch<TState, TInput, TOutput>
{
    private const int None = -1;

    // _match of an indeterminate call: its return (+∞) is in no list.
    private const int Unbounded = -2;

    // Node 0 heads the event list of determinate operations; nodes 1..2n are the events in time order (calls before
    // returns at equal times, then by operation); node 2n + 1 heads the list of indeterminate calls. A node's index
    // is its place in time, so "called before that return" is a comparison of nodes.
    private const int MainHead = 0;
    private readonly int _unboundedHead;

    private readonly Model<TState, TInput, TOutput> _model;
    private readonly IEqualityComparer<TState> _comparer;
    private readonly IReadOnlyList<Operation<TInput, TOutput>> _operations;

    // _match[call] is its return node (Unbounded when indeterminate), None for a return node; _operation[node] the
    // operation's index in _operations.
    private readonly int[] _next;
    private readonly int[] _prev;
    private readonly int[] _match;
    private readonly int[] _operation;

    // The linearized set as a bitset, and the hash of its determinate part, kept incrementally (Zobrist: the XOR of
    // a random word per member; 0 for indeterminate operations). _determinate marks the determinate operations.
    private readonly ulong[] _linearized;
    private readonly ulong[] _determinate;
    private readonly ulong[] _zobrist;
    private ulong _linearizedHash;

    // Cache of configurations reached: hash of (determinate part, states) → index of the first entry in _entries
    // with that hash, chained through CacheEntry.Next. A configuration is pruned when one with the same determinate
    // part and states and a subset of its indeterminate operations was reached: leaving an indeterminate operation
    // unused leaves more possibilities (it may still take effect later, or never), so whatever completes the new
    // configuration completes that one too. With no indeterminate operations this is Porcupine's cache.
    private readonly Dictionary<ulong, int> _cacheHeads = [];
    private readonly List<CacheEntry> _entries = [];

    // Indeterminate operations with equal inputs are interchangeable once called (no output, return at +∞, the same
    // step), so only the earliest-called one not yet linearized is tried: any linearization can be renamed into one
    // that takes them in call order. _class[op] is None for operations without a twin; _rank[op] the operation's
    // place in its class by call order; _taken[class] how many are linearized. k pending twins then make k + 1
    // configurations instead of 2^k.
    private readonly int[] _class;
    private readonly int[] _rank;
    private readonly int[] _taken;

    // Operations the model declares read-only (they never change the state).
    private readonly bool[] _readOnly;

    // The backtracking stack: the call linearized at each depth, the states before it, whether it was committed
    // (read-only: its failure is its point's), and the return that bounded the scan it was found in (None: found
    // among determinate calls).
    private readonly int[] _stackNode;
    private readonly IReadOnlyList<TState>[] _stackStates;
    private readonly bool[] _stackCommitted;
    private readonly int[] _stackFrontier;
    private int _depth;
    private int _determinateLeft;
    private IReadOnlyList<TState> _states = [];

    private int _bestDepth = -1;
    private int[] _bestPrefix = [];
    private int _bestFailed = None;
    private int[] _bestPending = [];

    /// <summary>Builds the event lists of one partition.</summary>
    /// <param name="model">The specification.</param>
    /// <param name="operations">The partition's operations (validated by the caller).</param>
    public PartitionSearch(Model<TState, TInput, TOutput> model, IReadOnlyList<Operation<TInput, TOutput>> operations)
    {
        _model = model;
        _comparer = model.StateComparer;
        _operations = operations;
        var n = operations.Count;

        var events = new (long Time, int Kind, int Operation)[2 * n];
        for (var i = 0; i < n; i++)
        {
            events[2 * i] = (operations[i].Call, 0, i);
            events[(2 * i) + 1] = (operations[i].EffectiveReturn, 1, i);
        }

        Array.Sort(events);
        _unboundedHead = (2 * n) + 1;
        _next = new int[(2 * n) + 2];
        _prev = new int[(2 * n) + 2];
        _match = new int[(2 * n) + 2];
        _operation = new int[(2 * n) + 2];
        Array.Fill(_match, None);
        Array.Fill(_operation, None);
        var returnNode = new int[n];
        for (var node = 1; node <= 2 * n; node++)
        {
            var (_, kind, op) = events[node - 1];
            _operation[node] = op;
            if (kind == 1)
            {
                returnNode[op] = node;
            }
        }

        var mainTail = MainHead;
        var unboundedTail = _unboundedHead;
        _next[MainHead] = _next[_unboundedHead] = None;
        for (var node = 1; node <= 2 * n; node++)
        {
            var (_, kind, op) = events[node - 1];
            var indeterminate = operations[op].IsIndeterminate;
            if (indeterminate && kind == 1)
            {
                continue;
            }

            if (kind == 0)
            {
                _match[node] = indeterminate ? Unbounded : returnNode[op];
            }

            ref var tail = ref indeterminate ? ref unboundedTail : ref mainTail;
            _next[tail] = node;
            _prev[node] = tail;
            _next[node] = None;
            tail = node;
        }

        _linearized = new ulong[(n + 63) / 64];
        _determinate = new ulong[_linearized.Length];
        _zobrist = new ulong[n];
        _readOnly = new bool[n];
        var seed = 0x2545F4914F6CDD1DUL;
        for (var i = 0; i < n; i++)
        {
            var operation = operations[i];
            var random = SplitMix64(ref seed);
            if (!operation.IsIndeterminate)
            {
                _zobrist[i] = random;
                _determinate[i >> 6] |= 1UL << i;
                _determinateLeft++;
            }

            _readOnly[i] = model.IsReadOnly(operation.Input, operation.IsIndeterminate ? default : operation.Output, operation.IsIndeterminate);
        }

        (_class, _rank, _taken) = Twins(operations, events);
        _stackNode = new int[n];
        _stackStates = new IReadOnlyList<TState>[n];
        _stackCommitted = new bool[n];
        _stackFrontier = new int[n];
    }

    /// <summary>Model steps tried so far (successful or not), for reports.</summary>
    public long Steps { get; private set; }

    /// <summary>Searches for a linearization until one is found, the search space is exhausted, or <paramref name="stop"/> fires.</summary>
    /// <param name="stop">Cancelled on timeout or when another partition was found illegal.</param>
    /// <returns>Ok, Illegal (with the longest prefix found) or Unknown (stopped).</returns>
    public PartitionVerdict Run(CancellationToken stop)
    {
        _states = [_model.InitialState];

        // The scan of one point: first the determinate calls up to the first return in the event list (the
        // frontier: that operation must be linearized before anything called after it returned), then the
        // indeterminate calls made before the frontier, then back. Trying determinate candidates first means
        // configurations that use fewer indeterminate operations are reached first, and they subsume the others.
        var node = _next[MainHead];
        var frontier = None;
        var iterations = 0L;

        // Done when every determinate operation is linearized: the indeterminate ones left never took effect.
        while (_determinateLeft > 0)
        {
            // Checking a token is a volatile read; every 256 iterations keeps it out of the inner loop's cost.
            if ((++iterations & 255) == 0 && stop.IsCancellationRequested)
            {
                return new PartitionVerdict(CheckOutcome.Unknown, [], None, []);
            }

            if (frontier == None && _match[node] == None)
            {
                frontier = node;
                node = _next[_unboundedHead];
                continue;
            }

            if (frontier != None && (node == None || node > frontier))
            {
                // The operation returning at the frontier had to take effect by then and nothing available could
                // be linearized any further. Remember the deepest such dead end for the report.
                if (_depth > _bestDepth)
                {
                    RecordDeadEnd(frontier);
                }

                if (!Backtrack(out node, out frontier))
                {
                    return Illegal();
                }

                continue;
            }

            switch (TryLinearize(node, frontier))
            {
                case Attempt.Linearized:
                    node = _next[MainHead];
                    frontier = None;
                    break;
                case Attempt.PointFailed:
                    if (!Backtrack(out node, out frontier))
                    {
                        return Illegal();
                    }

                    break;
                default:
                    node = _next[node];
                    break;
            }
        }

        var order = new int[_depth];
        for (var i = 0; i < _depth; i++)
        {
            order[i] = _operation[_stackNode[i]];
        }

        return new PartitionVerdict(CheckOutcome.Ok, order, None, []);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Groups indeterminate operations with equal inputs; ranks follow the event order (call time, then index).</summary>
    private static (int[] Class, int[] Rank, int[] Taken) Twins(
        IReadOnlyList<Operation<TInput, TOutput>> operations, (long Time, int Kind, int Operation)[] events)
    {
        var classes = new int[operations.Count];
        var ranks = new int[operations.Count];
        Array.Fill(classes, None);

        // Keyed by object: TInput may be a nullable type, and Equals is the input's own.
        var byInput = new Dictionary<object, int>();
        var sizes = new List<int>();
        var nulls = None;
        foreach (var (_, kind, op) in events)
        {
            var operation = operations[op];
            if (kind != 0 || !operation.IsIndeterminate)
            {
                continue;
            }

            int id;
            if (operation.Input is null)
            {
                id = nulls == None ? (nulls = sizes.Count) : nulls;
            }
            else if (!byInput.TryGetValue(operation.Input, out id))
            {
                byInput[operation.Input] = id = sizes.Count;
            }

            if (id == sizes.Count)
            {
                sizes.Add(0);
            }

            classes[op] = id;
            ranks[op] = sizes[id]++;
        }

        // A class of one gains nothing: leave it out of the bookkeeping.
        for (var op = 0; op < classes.Length; op++)
        {
            if (classes[op] != None && sizes[classes[op]] == 1)
            {
                classes[op] = None;
            }
        }

        return (classes, ranks, new int[sizes.Count]);
    }

    private PartitionVerdict Illegal() => new(CheckOutcome.Illegal, _bestPrefix, _bestFailed, _bestPending);

    /// <summary>Tries to linearize the operation called at <paramref name="call"/> now.</summary>
    private Attempt TryLinearize(int call, int frontier)
    {
        var op = _operation[call];
        var operation = _operations[op];
        var twins = _class[op];
        if (twins != None && _rank[op] != _taken[twins])
        {
            return Attempt.Skipped;
        }

        var next = StepAll(_states, operation);

        // An indeterminate operation that would change nothing here is the same as one that never took effect,
        // which the search allows anyway: placing it here would only repeat that subtree.
        if (next.Count == 0 || (operation.IsIndeterminate && SameStates(next, _states)))
        {
            return Attempt.Skipped;
        }

        // A read-only operation legal here and keeping every possible state may as well be linearized here: any
        // linearization that places it later can move it here (it is available, so nothing must precede it; it
        // changes no state, so nothing after it notices). Its subtree then covers every alternative of this point,
        // and when that subtree fails (now, or before: cached), so does the point.
        var committed = _readOnly[op] && SameStates(next, _states);
        if (!TryCache(op, next))
        {
            return committed ? Attempt.PointFailed : Attempt.Skipped;
        }

        _stackNode[_depth] = call;
        _stackStates[_depth] = _states;
        _stackCommitted[_depth] = committed;
        _stackFrontier[_depth] = frontier;
        _depth++;
        _states = next;
        if (operation.IsIndeterminate)
        {
            if (twins != None)
            {
                _taken[twins]++;
            }
        }
        else
        {
            _determinateLeft--;
        }

        Lift(call);
        return Attempt.Linearized;
    }

    /// <summary>
    /// Undoes the last linearization and returns where its scan goes on; keeps undoing past committed (read-only)
    /// linearizations, whose failure is their point's. False when there is nothing left to undo: illegal.
    /// </summary>
    private bool Backtrack(out int node, out int frontier)
    {
        while (_depth > 0)
        {
            _depth--;
            var call = _stackNode[_depth];
            _states = _stackStates[_depth];
            _stackStates[_depth] = null!;
            var op = _operation[call];
            _linearized[op >> 6] &= ~(1UL << op);
            _linearizedHash ^= _zobrist[op];
            if (!_operations[op].IsIndeterminate)
            {
                _determinateLeft++;
            }
            else if (_class[op] != None)
            {
                _taken[_class[op]]--;
            }

            Unlift(call);
            if (!_stackCommitted[_depth])
            {
                node = _next[call];
                frontier = _stackFrontier[_depth];
                return true;
            }
        }

        node = frontier = None;
        return false;
    }

    private IReadOnlyList<TState> StepAll(IReadOnlyList<TState> states, Operation<TInput, TOutput> operation)
    {
        Steps++;
        var output = operation.IsIndeterminate ? default : operation.Output;
        if (states.Count == 1)
        {
            var next = _model.Step(states[0], operation.Input, output, operation.IsIndeterminate);
            return next.Count <= 1 ? next : Distinct(next, null)!;
        }

        List<TState>? all = null;
        foreach (var state in states)
        {
            all = Distinct(_model.Step(state, operation.Input, output, operation.IsIndeterminate), all);
        }

        return all is null ? [] : all;
    }

    private List<TState>? Distinct(IReadOnlyList<TState> states, List<TState>? into)
    {
        foreach (var state in states)
        {
            into ??= new List<TState>(states.Count);
            if (!Contains(into, state))
            {
                into.Add(state);
            }
        }

        return into;
    }

    private bool Contains(IReadOnlyList<TState> states, TState state)
    {
        foreach (var candidate in states)
        {
            if (_comparer.Equals(candidate, state))
            {
                return true;
            }
        }

        return false;
    }

    private bool SameStates(IReadOnlyList<TState> a, IReadOnlyList<TState> b)
    {
        // Both are duplicate-free, so equal counts and inclusion make equal sets.
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var state in a)
        {
            if (!Contains(b, state))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Marks <paramref name="op"/> linearized with <paramref name="states"/> and caches the configuration; false (and
    /// unmarked) when it is subsumed by one reached before.
    /// </summary>
    private bool TryCache(int op, IReadOnlyList<TState> states)
    {
        _linearized[op >> 6] |= 1UL << op;
        _linearizedHash ^= _zobrist[op];
        var statesHash = 0UL;
        foreach (var state in states)
        {
            // Summed so that the hash does not depend on the order of a nondeterministic step's results.
            statesHash += (ulong)(uint)(state is null ? 0 : _comparer.GetHashCode(state)) * 0x9E3779B97F4A7C15UL;
        }

        var hash = _linearizedHash ^ BitOperations.RotateLeft(statesHash, 31);
        var head = _cacheHeads.GetValueOrDefault(hash, None);
        var previous = None;
        for (var i = head; i != None; i = _entries[i].Next)
        {
            var entry = _entries[i];
            var relation = Compare(entry.Linearized);
            if (relation != Relation.Unrelated && SameStates(entry.States, states))
            {
                if (relation == Relation.Subsumes)
                {
                    // (A chain holds no entry subsuming another, so nothing was dropped before this one: head stands.)
                    _linearized[op >> 6] &= ~(1UL << op);
                    _linearizedHash ^= _zobrist[op];
                    return false;
                }

                // The new configuration subsumes this one, which can no longer prune anything the new one does
                // not: drop it from the chain so that chains stay as short as the set of minimal configurations.
                if (previous == None)
                {
                    head = entry.Next;
                }
                else
                {
                    _entries[previous] = _entries[previous] with { Next = entry.Next };
                }

                continue;
            }

            previous = i;
        }

        _cacheHeads[hash] = _entries.Count;
        _entries.Add(new CacheEntry((ulong[])_linearized.Clone(), states, head));
        return true;
    }

    /// <summary>
    /// How a configuration reached before relates to the current one: both must have the same determinate
    /// operations; then the one with a subset of the other's indeterminate operations subsumes it.
    /// </summary>
    private Relation Compare(ulong[] reached)
    {
        var reachedOnly = 0UL;
        var currentOnly = 0UL;
        for (var w = 0; w < reached.Length; w++)
        {
            var current = _linearized[w];
            var onlyReached = reached[w] & ~current;
            var onlyCurrent = current & ~reached[w];
            if (((onlyReached | onlyCurrent) & _determinate[w]) != 0)
            {
                return Relation.Unrelated;
            }

            reachedOnly |= onlyReached;
            currentOnly |= onlyCurrent;
        }

        return reachedOnly == 0 ? Relation.Subsumes
            : currentOnly == 0 ? Relation.Subsumed
            : Relation.Unrelated;
    }

    private void Lift(int call)
    {
        // Out of its list: an indeterminate call alone; a determinate call, which is always followed by its
        // return, and then the return, which may be last.
        _next[_prev[call]] = _next[call];
        if (_next[call] != None)
        {
            _prev[_next[call]] = _prev[call];
        }

        var ret = _match[call];
        if (ret == Unbounded)
        {
            return;
        }

        _next[_prev[ret]] = _next[ret];
        if (_next[ret] != None)
        {
            _prev[_next[ret]] = _prev[ret];
        }
    }

    private void Unlift(int call)
    {
        // The exact reverse of Lift: the return first, then the call.
        var ret = _match[call];
        if (ret != Unbounded)
        {
            _next[_prev[ret]] = ret;
            if (_next[ret] != None)
            {
                _prev[_next[ret]] = ret;
            }
        }

        _next[_prev[call]] = call;
        if (_next[call] != None)
        {
            _prev[_next[call]] = call;
        }
    }

    private void RecordDeadEnd(int frontier)
    {
        _bestDepth = _depth;
        _bestPrefix = new int[_depth];
        for (var i = 0; i < _depth; i++)
        {
            _bestPrefix[i] = _operation[_stackNode[i]];
        }

        _bestFailed = _operation[frontier];
        var pending = new List<int>();
        for (var node = _next[MainHead]; node != frontier; node = _next[node])
        {
            if (_match[node] != None)
            {
                pending.Add(_operation[node]);
            }
        }

        for (var node = _next[_unboundedHead]; node != None && node < frontier; node = _next[node])
        {
            pending.Add(_operation[node]);
        }

        _bestPending = [.. pending];
    }

    private enum Relation
    {
        Unrelated,
        Subsumes,
        Subsumed,
    }

    private enum Attempt
    {
        Skipped,
        Linearized,
        PointFailed,
    }

    private readonly record struct CacheEntry(ulong[] Linearized, IReadOnlyList<TState> States, int Next);
}
