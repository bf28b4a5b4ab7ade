namespace Tessera.Index;

/// <summary>Outcome of <see cref="IIndexStore.PutPart"/>.</summary>
public enum PutPartStatus
{
    /// <summary>The part was stored (replacing any earlier part with its number).</summary>
    Stored,

    /// <summary>No upload with that id exists for that bucket and key (never created, completed or aborted).</summary>
    NoSuchUpload,
}
