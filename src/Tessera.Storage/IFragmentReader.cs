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

    /// <summary>
    /// The trailer written at commit (<see cref="IFragmentWriter.CommitAsync(ReadOnlyMemory{byte}, CancellationToken)"/>),
    /// checked against its checksum; null when the fragment has none (format version 1, an empty trailer) or when it
    /// is truncated, corrupt or unreadable. Never throws for a damaged file.
    /// </summary>
    byte[]? ReadTrailer();
}
