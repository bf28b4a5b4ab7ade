namespace Tessera.Storage;

/// <summary>Reads blocks of one committed fragment file, verifying each block's checksum.</summary>
public interface IFragmentReader : IDisposable
{
    /// <summary>The header as read (and checked) from the file.</summary>
    FragmentHeader Header { get; }

    /// <summary>
    /// Reads block <paramref name="stripe"/> into <paramref name="destination"/> (exactly its block length) and
    /// verifies its checksum. Returns false when the block is short, unreadable or corrupt: the caller treats the
    /// shard as missing and reconstructs it. Safe to call concurrently for different blocks.
    /// </summary>
    ValueTask<bool> TryReadBlockAsync(int stripe, Memory<byte> destination, CancellationToken cancellationToken);
}
