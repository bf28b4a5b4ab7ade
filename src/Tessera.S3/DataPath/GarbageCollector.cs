using Tessera.S3.Gateway;

namespace Tessera.S3.DataPath;

/// <summary>
/// Deletes the fragments of segments the index queued as garbage (replaced or deleted versions) once they are
/// older than the grace period, so that reads which started on the old manifest can finish. Entries leave the
/// queue only after their fragments are gone; a crash in between repeats the (idempotent) deletes.
/// </summary>
public sealed class GarbageCollector
{
    private readonly S3Services _services;

    /// <summary>Creates the collector.</summary>
    public GarbageCollector(S3Services services) => _services = services;

    /// <summary>One pass: deletes what is due; returns the number of segments collected.</summary>
    public int CollectOnce(int max = 1000)
    {
        var due = _services.Index.PeekGarbage(_services.Time.GetUtcNow() - _services.Options.GarbageGracePeriod, max);
        if (due.Count == 0)
        {
            return 0;
        }

        var fragments = 0;
        foreach (var entry in due)
        {
            fragments += SegmentCleanup.Delete(_services.Storage, entry.Segment);
        }

        _services.Index.RemoveGarbage(due);
        LogMessages.GarbageCollected(_services.Logger, fragments, due.Count);
        return due.Count;
    }

    /// <summary>Collects every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                while (CollectOnce() > 0 && !cancellationToken.IsCancellationRequested)
                {
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                LogMessages.GarbageCollectionFailed(_services.Logger, e);
            }

            try
            {
                await Task.Delay(interval, _services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
