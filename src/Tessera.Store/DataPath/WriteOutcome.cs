namespace Tessera.Store;

/// <summary>How an <see cref="ObjectWriter"/> write ended. Anything but <see cref="Committed"/> left no fragment behind.</summary>
public enum WriteOutcome
{
    /// <summary>The fragments and the index entry are durable.</summary>
    Committed,

    /// <summary>The bucket was gone when the index was asked.</summary>
    NoSuchBucket,

    /// <summary>The version's write condition did not hold.</summary>
    PreconditionFailed,

    /// <summary>The part's upload was gone (completed or aborted meanwhile).</summary>
    NoSuchUpload,
}
