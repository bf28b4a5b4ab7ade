using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Tessera.Storage;

/// <summary>
/// Reads blocks of a committed fragment file (<see cref="FragmentFormat"/>) with positional reads on one handle,
/// so concurrent <see cref="TryReadBlockAsync"/> calls are safe and need no locking.
/// </summary>
internal sealed class FragmentReader : IFragmentReader
{
    private readonly SafeFileHandle _handle;
    private readonly long _blockStart;
    private readonly long _blocksEnd;
    private readonly ushort _version;

    private FragmentReader(SafeFileHandle handle, FragmentHeader header, int headerLength, ushort version)
    {
        _handle = handle;
        Header = header;
        _blockStart = FragmentFormat.BlockStart(headerLength);
        _blocksEnd = FragmentFormat.FileLength(header, headerLength);
        _version = version;
    }

    /// <inheritdoc />
    public FragmentHeader Header { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and checks its header: null when the file is missing or unreadable, the header
    /// is truncated or corrupt, or it names a fragment other than <paramref name="expected"/>.
    /// </summary>
    public static FragmentReader? TryOpen(string path, FragmentId expected)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        FragmentReader? reader = null;
        try
        {
            if (TryReadHeader(handle, out var header, out var headerLength, out var version) && header.Id == expected)
            {
                reader = new FragmentReader(handle, header, headerLength, version);
            }
        }
        catch (IOException)
        {
            // Unreadable header: the fragment counts as missing.
        }
        finally
        {
            if (reader is null)
            {
                handle.Dispose();
            }
        }

        return reader;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stripe"/> is not a block of this fragment.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not exactly the block length.</exception>
    public async ValueTask<bool> TryReadBlockAsync(int stripe, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stripe);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stripe, Header.StripeCount);
        var length = Header.BlockLength(stripe);
        if (destination.Length != length)
        {
            throw new ArgumentException($"Block {stripe} of fragment {Header.Id} is {length} bytes, not {destination.Length}.", nameof(destination));
        }

        var offset = FragmentFormat.BlockOffset(_blockStart, Header.ShardSize, stripe);
        var checksum = ArrayPool<byte>.Shared.Rent(FragmentFormat.ChecksumLength);
        try
        {
            var checksumMemory = checksum.AsMemory(0, FragmentFormat.ChecksumLength);
            var total = length + FragmentFormat.ChecksumLength;

            // One scatter read (preadv) for block and checksum; a short read means end of file, or rarely a read
            // split by the OS, which the slow path finishes.
            var read = await RandomAccess.ReadAsync(_handle, [destination, checksumMemory], offset, cancellationToken)
                .ConfigureAwait(false);
            if (read < total
                && !await TryFinishReadAsync(destination, checksumMemory, offset, read, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            return XxHash3.HashToUInt64(destination.Span) == BinaryPrimitives.ReadUInt64LittleEndian(checksumMemory.Span);
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(checksum);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads the 16-byte footer at the end of the file, then the trailer it describes; the file must end exactly
    /// after the footer and the blocks must end exactly where the trailer starts.
    /// </remarks>
    public byte[]? ReadTrailer()
    {
        if (_version == FragmentFormat.VersionWithoutTrailer)
        {
            return null;
        }

        try
        {
            var fileLength = RandomAccess.GetLength(_handle);
            if (fileLength < _blocksEnd + FragmentFormat.TrailerFooterLength)
            {
                return null;
            }

            Span<byte> footer = stackalloc byte[FragmentFormat.TrailerFooterLength];
            if (!TryReadExactly(_handle, footer, fileLength - FragmentFormat.TrailerFooterLength)
                || !FragmentFormat.TryReadTrailerFooter(footer, _blocksEnd, fileLength, out var length, out var checksum))
            {
                return null;
            }

            var trailer = new byte[length];
            return TryReadExactly(_handle, trailer, _blocksEnd) && XxHash32.HashToUInt32(trailer) == checksum ? trailer : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Closes the file handle.</summary>
    public void Dispose() => _handle.Dispose();

    private async ValueTask<bool> TryFinishReadAsync(
        Memory<byte> block, Memory<byte> checksum, long offset, long done, CancellationToken cancellationToken)
    {
        while (done < block.Length + checksum.Length)
        {
            var target = done < block.Length ? block[(int)done..] : checksum[(int)(done - block.Length)..];
            var read = await RandomAccess.ReadAsync(_handle, target, offset + done, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            done += read;
        }

        return true;
    }

    private static bool TryReadHeader(SafeFileHandle handle, out FragmentHeader header, out int headerLength, out ushort version)
    {
        header = null!;
        version = 0;
        Span<byte> preamble = stackalloc byte[FragmentFormat.PreambleLength];
        if (!TryReadExactly(handle, preamble, 0) || !FragmentFormat.TryReadHeaderLength(preamble, out headerLength))
        {
            headerLength = 0;
            return false;
        }

        var rented = headerLength > 1024 ? ArrayPool<byte>.Shared.Rent(headerLength) : null;
        try
        {
            var region = rented is null ? stackalloc byte[headerLength] : rented.AsSpan(0, headerLength);
            if (!TryReadExactly(handle, region, 0) || !FragmentFormat.TryDecode(region, out var decoded, out version))
            {
                return false;
            }

            header = decoded;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
            offset += read;
        }

        return true;
    }
}
