namespace Tessera.Index;

/// <summary>Outcome of <see cref="IIndexStore.CompleteUpload"/>.</summary>
public enum CompleteStatus
{
    /// <summary>The object version was committed and the upload removed.</summary>
    Completed,

    /// <summary>No upload with that id exists for that bucket and key (never created, completed or aborted).</summary>
    NoSuchUpload,

    /// <summary>A listed part is missing or was replaced since the caller read it (S3: 400 InvalidPart); nothing was written.</summary>
    InvalidPart,

    /// <summary>The <see cref="WriteCondition"/> did not hold; nothing was written and the upload stays open.</summary>
    PreconditionFailed,
}
