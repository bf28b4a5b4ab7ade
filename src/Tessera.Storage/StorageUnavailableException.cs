namespace Tessera.Storage;

/// <summary>
/// Too few disks answered: a write could not reach its quorum (k + 1 fragments), or a read found fewer than k
/// readable fragments of a stripe. The request fails as 503 and may be retried; nothing half-written is visible.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
