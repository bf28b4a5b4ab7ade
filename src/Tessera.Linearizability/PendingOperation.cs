namespace Tessera.Linearizability;

/// <summary>An operation in flight, from <see cref="HistoryRecorder{TInput, TOutput}.Begin"/>; finish it exactly once.</summary>
/// <typeparam name="TInput">What the client asked for.</typeparam>
/// <typeparam name="TOutput">What it gets back.</typeparam>
public sealed class PendingOperation<TInput, TOutput>
{
    private readonly HistoryRecorder<TInput, TOutput> _recorder;
    private int _finished;

    internal PendingOperation(HistoryRecorder<TInput, TOutput> recorder, int clientId, TInput input, long call)
    {
        _recorder = recorder;
        ClientId = clientId;
        Input = input;
        Call = call;
    }

    /// <summary>The client that issued it.</summary>
    public int ClientId { get; }

    /// <summary>What it asks for.</summary>
    public TInput Input { get; }

    /// <summary>Its call timestamp.</summary>
    public long Call { get; }

    /// <summary>Records the answer, timestamped now.</summary>
    /// <param name="output">What the client got back.</param>
    /// <returns>The recorded operation.</returns>
    /// <exception cref="InvalidOperationException">Already finished.</exception>
    public Operation<TInput, TOutput> Complete(TOutput output)
    {
        var now = _recorder.Now();
        Finish();
        return _recorder.Add(new Operation<TInput, TOutput>(ClientId, Input, output, Call, now));
    }

    /// <summary>
    /// Records that the outcome is unknown (a timeout, a connection error, a 5xx): it may take effect at any later
    /// point, or never (<see cref="Operation{TInput, TOutput}.IsIndeterminate"/>).
    /// </summary>
    /// <returns>The recorded operation.</returns>
    /// <exception cref="InvalidOperationException">Already finished.</exception>
    public Operation<TInput, TOutput> GiveUp()
    {
        var now = _recorder.Now();
        Finish();
        return _recorder.Add(Operation<TInput, TOutput>.Indeterminate(ClientId, Input, Call, now));
    }

    private void Finish()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            throw new InvalidOperationException($"The operation {Input} of client {ClientId} was already finished.");
        }
    }
}
