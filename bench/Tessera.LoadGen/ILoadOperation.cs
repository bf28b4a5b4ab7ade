namespace Tessera.LoadGen;

/// <summary>One kind of request the runner repeats. Implementations keep per-worker buffers, so calls with the same worker never overlap.</summary>
public interface ILoadOperation : IDisposable
{
    /// <summary>Performs request number <paramref name="index"/> on behalf of <paramref name="worker"/>.</summary>
    /// <returns>Bytes moved (sent or received), or an error description.</returns>
    ValueTask<OpOutcome> RunAsync(int worker, long index, CancellationToken cancellationToken);
}
