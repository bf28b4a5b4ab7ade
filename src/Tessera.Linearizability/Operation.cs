namespace Tessera.Linearizability;

/// <summary>
/// One operation of a history: a client called <paramref name="Input"/> at <paramref name="Call"/> and got
/// <paramref name="Output"/> back at <paramref name="Return"/>. All timestamps of a history come from one monotonic
/// clock (e.g. <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>, which <see cref="HistoryRecorder{TInput, TOutput}"/> uses).
/// </summary>
/// <remarks>
/// <para>
/// <b>Real-time order.</b> Operation a precedes b when a returned before b was called (<c>a.Return &lt; b.Call</c>);
/// every linearization must respect that order. Otherwise they are concurrent and may linearize either way.
/// </para>
/// <para>
/// <b>Equal timestamps.</b> When one operation returns at the very tick another is called
/// (<c>a.Return == b.Call</c>), the checker orders the call first, so the two count as concurrent: the lenient choice,
/// as in Porcupine. A clock too coarse to separate them cannot prove an order, so none is assumed.
/// </para>
/// <para>
/// <b>Indeterminate operations</b> (<see cref="IsIndeterminate"/>): a timeout or a broken connection, so it is not
/// known whether the operation took effect, nor what it returned. The checker lets it take effect once at any point
/// after its call (its return counts as +∞: even after the client gave up and went on), or never, and hands the model
/// no output. For a write that is "maybe applied". <see cref="Output"/> is ignored and <see cref="Return"/> (when the
/// client gave up) is kept for reports only.
/// </para>
/// </remarks>
/// <typeparam name="TInput">What the client asked for.</typeparam>
/// <typeparam name="TOutput">What it got back.</typeparam>
/// <param name="ClientId">The client (one sequential thread of operations) that issued it; used in reports.</param>
/// <param name="Input">What the client asked for.</param>
/// <param name="Output">What it got back; default when <see cref="IsIndeterminate"/>.</param>
/// <param name="Call">When the request was sent (a tick of the history's clock).</param>
/// <param name="Return">When the response arrived; at least <paramref name="Call"/>. For an indeterminate operation, when the client gave up.</param>
public sealed record Operation<TInput, TOutput>(int ClientId, TInput Input, TOutput? Output, long Call, long Return)
{
    /// <summary>
    /// Whether the outcome is unknown (a timeout, a connection error, a 5xx): the operation may or may not have taken
    /// effect, at any point after <see cref="Call"/>, and its output is not known.
    /// </summary>
    public bool IsIndeterminate { get; init; }

    /// <summary>The return time the checker uses: <see cref="Return"/>, or <see cref="long.MaxValue"/> (+∞) when indeterminate.</summary>
    public long EffectiveReturn => IsIndeterminate ? long.MaxValue : Return;

    /// <summary>An operation whose outcome is unknown: it may take effect at any point after <paramref name="call"/>, or never.</summary>
    /// <param name="clientId">The client that issued it.</param>
    /// <param name="input">What the client asked for.</param>
    /// <param name="call">When the request was sent.</param>
    /// <param name="gaveUp">When the client stopped waiting (kept for reports; the checker uses +∞).</param>
    /// <returns>The operation, with <see cref="IsIndeterminate"/> set and no output.</returns>
    public static Operation<TInput, TOutput> Indeterminate(int clientId, TInput input, long call, long gaveUp) =>
        new(clientId, input, default, call, gaveUp) { IsIndeterminate = true };
}
