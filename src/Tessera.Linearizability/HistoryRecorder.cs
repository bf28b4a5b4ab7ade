namespace Tessera.Linearizability;

/// <summary>
/// Records a history from concurrent clients: <see cref="Begin"/> just before sending a request, then
/// <see cref="PendingOperation{TInput, TOutput}.Complete"/> with the answer or
/// <see cref="PendingOperation{TInput, TOutput}.GiveUp"/> when the outcome is unknown. Thread-safe.
/// </summary>
/// <remarks>
/// Timestamps come from <see cref="TimeProvider.GetTimestamp"/> (by default <see cref="System.Diagnostics.Stopwatch"/>),
/// one monotonic clock for every client of the history. Take the call timestamp before the request leaves and the
/// return timestamp after the whole answer arrived: a window wider than the real one only makes the check more lenient,
/// a narrower one can report a violation that did not happen.
/// </remarks>
/// <typeparam name="TInput">What clients ask for.</typeparam>
/// <typeparam name="TOutput">What they get back.</typeparam>
/// <param name="time">The clock; <see cref="TimeProvider.System"/> when null.</param>
public sealed class HistoryRecorder<TInput, TOutput>(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly List<Operation<TInput, TOutput>> _operations = [];

    /// <summary>A copy of the operations recorded so far, in the order they finished.</summary>
    public IReadOnlyList<Operation<TInput, TOutput>> Operations
    {
        get
        {
            lock (_lock)
            {
                return [.. _operations];
            }
        }
    }

    /// <summary>The current timestamp of the history's clock.</summary>
    /// <returns>A tick of <see cref="TimeProvider.GetTimestamp"/>.</returns>
    public long Now() => _time.GetTimestamp();

    /// <summary>Starts an operation: takes its call timestamp now.</summary>
    /// <param name="clientId">The client issuing it (one sequential thread of operations).</param>
    /// <param name="input">What it asks for.</param>
    /// <returns>The operation in flight; finish it exactly once.</returns>
    public PendingOperation<TInput, TOutput> Begin(int clientId, TInput input) => new(this, clientId, input, Now());

    /// <summary>Adds a finished operation (e.g. one timed by the caller).</summary>
    /// <param name="operation">The operation.</param>
    /// <returns><paramref name="operation"/>.</returns>
    public Operation<TInput, TOutput> Add(Operation<TInput, TOutput> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        lock (_lock)
        {
            _operations.Add(operation);
        }

        return operation;
    }
}
