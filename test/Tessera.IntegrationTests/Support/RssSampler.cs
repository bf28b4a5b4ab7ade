namespace Tessera.IntegrationTests;

/// <summary>Samples a server process's resident memory every 50 ms until disposed; <see cref="Peak"/> is the maximum seen.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public RssSampler(ServerProcess server) =>
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), server.ResidentBytes()));
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);

    /// <summary>The highest resident set size seen so far, in bytes.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
