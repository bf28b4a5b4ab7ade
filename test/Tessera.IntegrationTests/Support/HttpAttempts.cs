using System.Diagnostics;

namespace Tessera.IntegrationTests;

/// <summary>
/// The HTTP attempts of one SDK call: the AWS SDK at its defaults retries a request that got a 5xx or no answer, so one
/// PutObject may be sent two or three times, and an early attempt the client gave up on may still take effect. A
/// history that recorded the call as one operation would then be wrong twice over: a conditional PUT whose first
/// attempt applied reports 412 from its retry, and a PUT applied by two attempts around another client's write shows
/// its value twice. So writes are recorded one operation per attempt (<see cref="Starts"/>, taken on the history's
/// clock when HttpClient starts sending each one). Attempts are seen through HttpClient's
/// <c>System.Net.Http</c> activities, attributed to the call through an <see cref="AsyncLocal{T}"/>: <see cref="Track"/>
/// before the call, in the client's flow.
/// </summary>
public sealed class HttpAttempts
{
    private static readonly AsyncLocal<HttpAttempts?> Current = new();
    private static readonly ActivityListener Listener = new()
    {
        ShouldListenTo = source => source.Name == "System.Net.Http",
        Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        ActivityStarted = _ => Current.Value?.Started(),
    };

    private readonly List<long> _starts = [];
    private readonly TimeProvider _time;

    static HttpAttempts() => ActivitySource.AddActivityListener(Listener);

    private HttpAttempts(TimeProvider time) => _time = time;

    /// <summary>When each attempt started, in order (timestamps of <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public IReadOnlyList<long> Starts
    {
        get
        {
            lock (_starts)
            {
                return [.. _starts];
            }
        }
    }

    /// <summary>Starts counting the attempts of the calls made from here on in this async flow (until the next <see cref="Track"/>).</summary>
    public static HttpAttempts Track(TimeProvider? time = null)
    {
        var attempts = new HttpAttempts(time ?? TimeProvider.System);
        Current.Value = attempts;
        return attempts;
    }

    private void Started()
    {
        lock (_starts)
        {
            _starts.Add(_time.GetTimestamp());
        }
    }
}
