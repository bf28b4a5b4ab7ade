namespace Tessera.Storage;

/// <summary>
/// Writes one fragment file: blocks in stripe order, then <see cref="CommitAsync"/>. Until committed the file lives
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
    /// Makes the fragment durable and visible: fsync the file, rename it to its final name, fsync the directory.
    /// Fails if fewer blocks were written than the header announces.
    /// </summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);
}
