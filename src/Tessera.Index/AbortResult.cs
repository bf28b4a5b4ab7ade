namespace Tessera.Index;

/// <summary>Outcome of <see cref="IIndexStore.AbortUpload"/>.</summary>
public enum AbortResult
{
    /// <summary>The upload and its parts were removed; the parts' segments were queued as garbage.</summary>
    Aborted,

    /// <summary>No upload with that id exists for that bucket and key (never created, completed or aborted).</summary>
    NoSuchUpload,
}
