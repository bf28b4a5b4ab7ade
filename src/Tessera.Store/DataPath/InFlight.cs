namespace Tessera.Store;

/// <summary>
/// Waiting out I/O that still uses a pooled buffer. A pooled buffer may go back to its pool only once no read can
/// still fill it and no write can still read it; after a failure (a client gone, a disk error) the other reads and
/// writes of the same stripe may still be running, so the owner waits for them, ignoring how they end (the failure
/// that matters is already on its way up).
/// </summary>
internal static class InFlight
{
    /// <summary>Completes when every task in <paramref name="tasks"/> (nulls skipped) has ended; never throws.</summary>
    public static Task EndAsync(params ReadOnlySpan<Task?> tasks)
    {
        var running = new List<Task>(tasks.Length);
        foreach (var task in tasks)
        {
            if (task is { IsCompleted: false })
            {
                running.Add(task);
            }
        }

        // WhenAny of WhenAll: done when all are done, and its own result (the WhenAll task) is never awaited for errors.
        return running.Count == 0 ? Task.CompletedTask : Task.WhenAny(Task.WhenAll(running));
    }
}
