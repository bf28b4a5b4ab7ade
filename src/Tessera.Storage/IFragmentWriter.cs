namespace Tessera.Storage;

/// <summary>
/// Writes one fragment file: blocks in stripe order, then <see cref="CommitAsync(ReadOnlyMemory{byte}, CancellationToken)"/>. Until committed the file lives
/// under a temporary name that no reader sees; disposing an uncommitted writer deletes it.
/// </summary>
public interface IFragmentWriter : IAsyncDisposable
{
    /// <summary>The fragment being written.</summary>
    FragmentHeader Header { get; }

    /// <summary>
    /// Appends the shard of the next stripe with its checksum. <paramref name="block"/> must be exactly
    /// <see cref="FragmentHeader.BlockLength"/> of that stripe; the caller may reuse it once the task completes.
    /// </summary>
    ValueTask WriteBlockAsync(ReadOnlyMemory<byte> block, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the fragment durable and visible without a trailer: fsync the file, rename it to its final name, fsync
    /// the directory. Fails if fewer blocks were written than the header announces.
    /// </summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="CommitAsync(CancellationToken)"/>, first appending <paramref name="trailer"/> after the last
    /// block (format version 2; an empty trailer writes none). The bytes are opaque here: the S3 layer stores the
    /// segment's manifest entry in them so that the index can be rebuilt from the disks, and repair copies them
    /// unchanged from a surviving fragment (<see cref="IFragmentReader.ReadTrailer"/>) to a rebuilt one.
    /// </summary>
    /// <exception cref="ArgumentException">The trailer is over 16 MiB.</exception>
    ValueTask CommitAsync(ReadOnlyMemory<byte> trailer, CancellationToken cancellationToken);
}
