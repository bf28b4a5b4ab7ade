using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Tessera.Storage;

/// <summary>
/// Writes one fragment file of a <see cref="LocalDisk"/> under <c>tmp/</c> in the <see cref="FragmentFormat"/>,
/// then renames it into <c>fragments/</c> on commit.
/// </summary>
/// <remarks>
/// Not thread-safe: one call at a time, as the stripe order requires anyway. Nothing is buffered: each block is
/// hashed and handed to the OS in one gather write (block, then its 8-byte checksum) from the caller's memory, so
/// the caller may reuse the block as soon as the call completes.
/// </remarks>
internal sealed class FragmentWriter : IFragmentWriter
{
    private readonly LocalDisk _disk;
    private readonly SafeFileHandle _handle;
    private readonly string _tempPath;
    private readonly long _blockStart;

    /// <summary>Where the blocks end: the trailer, if any, starts here.</summary>
    private readonly long _trailerOffset;

    /// <summary>The gather list of the write in flight: the caller's block and <see cref="_checksum"/>.</summary>
    private readonly ReadOnlyMemory<byte>[] _gather = new ReadOnlyMemory<byte>[2];
    private readonly byte[] _checksum = new byte[FragmentFormat.ChecksumLength];
    private int _blocksWritten;
    private bool _committed;
    private bool _disposed;

    private FragmentWriter(LocalDisk disk, FragmentHeader header, SafeFileHandle handle, string tempPath, int headerLength)
    {
        _disk = disk;
        Header = header;
        _handle = handle;
        _tempPath = tempPath;
        _blockStart = FragmentFormat.BlockStart(headerLength);
        _trailerOffset = FragmentFormat.FileLength(header, headerLength);
    }

    /// <inheritdoc />
    public FragmentHeader Header { get; }

    /// <summary>Creates the temp file (preallocated to its final length) and writes the header region.</summary>
    /// <exception cref="ArgumentException">The header cannot be encoded (<see cref="FragmentFormat.Encode(FragmentHeader)"/>).</exception>
    public static async ValueTask<FragmentWriter> CreateAsync(
        LocalDisk disk, FragmentHeader header, string tempPath, CancellationToken cancellationToken)
    {
        var region = FragmentFormat.Encode(header);
        var handle = File.OpenHandle(
            tempPath,
            FileMode.CreateNew,
            FileAccess.Write,
            FileShare.None,
            FileOptions.Asynchronous,
            preallocationSize: FragmentFormat.FileLength(header, region.Length));
        try
        {
            await RandomAccess.WriteAsync(handle, region, 0, cancellationToken).ConfigureAwait(false);
            return new FragmentWriter(disk, header, handle, tempPath, region.Length);
        }
        catch
        {
            handle.Dispose();
            TryDelete(tempPath);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask WriteBlockAsync(ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        var stripe = _blocksWritten;
        if (stripe >= Header.StripeCount)
        {
            throw new InvalidOperationException($"Fragment {Header.Id} has {Header.StripeCount} blocks; all are written.");
        }

        var expected = Header.BlockLength(stripe);
        if (block.Length != expected)
        {
            throw new ArgumentException($"Block {stripe} of fragment {Header.Id} must be {expected} bytes, not {block.Length}.", nameof(block));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(_checksum, XxHash3.HashToUInt64(block.Span));
        _gather[0] = block;
        _gather[1] = _checksum;
        try
        {
            var offset = FragmentFormat.BlockOffset(_blockStart, Header.ShardSize, stripe);
            await RandomAccess.WriteAsync(_handle, _gather, offset, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Do not keep the caller's buffer alive (it may go back to a pool).
            _gather[0] = default;
        }

        _blocksWritten = stripe + 1;
    }

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken) => CommitAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <inheritdoc />
    public async ValueTask CommitAsync(ReadOnlyMemory<byte> trailer, CancellationToken cancellationToken)
    {
        ThrowIfFinished();
        if (_blocksWritten != Header.StripeCount)
        {
            throw new InvalidOperationException(
                $"Fragment {Header.Id} announces {Header.StripeCount} blocks but {_blocksWritten} were written.");
        }

        if (trailer.Length > FragmentFormat.MaxTrailerLength)
        {
            throw new ArgumentException($"A trailer holds at most {FragmentFormat.MaxTrailerLength} bytes, not {trailer.Length}.", nameof(trailer));
        }

        if (!trailer.IsEmpty)
        {
            // One gather write: trailer, then its footer (length, checksum, magic); the file ends with the magic.
            var footer = new byte[FragmentFormat.TrailerFooterLength];
            FragmentFormat.WriteTrailerFooter(trailer.Span, footer);
            await RandomAccess.WriteAsync(_handle, [trailer, footer], _trailerOffset, cancellationToken).ConfigureAwait(false);
        }

        // fsync blocks: run it on the data path's own threads (not the pool's) so that the commits of the k + m
        // fragments of a stripe, and of concurrent PUTs, overlap.
        await BlockingIoScheduler.Shared.Run(static state => ((FragmentWriter)state!).Commit(), this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the file; an uncommitted temp file is deleted (a failure to delete is left to the next start).</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _handle.Dispose();
            if (!_committed)
            {
                TryDelete(_tempPath);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Commit()
    {
        RandomAccess.FlushToDisk(_handle);
        _handle.Dispose();
        var directory = _disk.EnsureFragmentDirectory(Header.Id);
        File.Move(_tempPath, Path.Join(directory, Header.Id.ToString()), overwrite: true);
        _committed = true;
        DirectorySync.Fsync(directory);
    }

    private void ThrowIfFinished()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException($"Fragment {Header.Id} is already committed.");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The temp directory is emptied when the disk is next opened.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
