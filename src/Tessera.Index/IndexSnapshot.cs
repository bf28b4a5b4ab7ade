using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Tessera.Index;

/// <summary>
/// The index snapshot file format (docs/design/index-recovery.md): every key/value pair of one consistent view of
/// the index, streamed. All integers little-endian.
/// </summary>
/// <remarks>
/// <code>
///  0  magic      8 bytes  "TSRSNAP1"
///  8  created    int64    UTC ticks of the moment the snapshot was taken
/// 16  sequence   uint64   RocksDB sequence number the snapshot includes
/// 24  entries    [uint32 key length ≥ 1][uint32 value length][key][value] … in key order
///  …  end        uint32   0xFFFFFFFF
///  …  count      uint64   number of entries
///  …  check      uint64   XxHash64 (seed 0) of every byte before it
/// </code>
/// The file ends exactly after the check. A reader verifies the whole file before it trusts any of it
/// (<see cref="Verify"/>); a truncated or corrupt file is refused with <see cref="InvalidDataException"/>.
/// </remarks>
public static class IndexSnapshot
{
    /// <summary>File extension of snapshot files.</summary>
    public const string FileExtension = ".tsnap";

    /// <summary>The largest key or value a snapshot may hold (a corrupt length is refused before allocating).</summary>
    public const int MaxFieldLength = 64 * 1024 * 1024;

    private const uint EndMarker = uint.MaxValue;
    private const int HeadLength = 24;

    /// <summary>The 8 magic bytes that open a snapshot file.</summary>
    public static ReadOnlySpan<byte> Magic => "TSRSNAP1"u8;

    /// <summary>Reads a whole snapshot and checks its structure, count and checksum; returns what it describes.</summary>
    /// <exception cref="InvalidDataException">The snapshot is truncated, corrupt or not a snapshot.</exception>
    public static IndexSnapshotInfo Verify(Stream source) => Read(source, onEntry: null);

    /// <summary>
    /// Reads a snapshot, handing every entry to <paramref name="onEntry"/> (key, value; valid only during the call),
    /// and checks it; the caller must discard what it did with the entries when this throws.
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot is truncated, corrupt or not a snapshot.</exception>
    internal static IndexSnapshotInfo Read(Stream source, Action<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? onEntry)
    {
        ArgumentNullException.ThrowIfNull(source);
        var hash = new XxHash64();
        Span<byte> head = stackalloc byte[HeadLength];
        ReadExactly(source, head, hash);
        if (!head[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not an index snapshot (wrong magic).");
        }

        var ticks = BinaryPrimitives.ReadInt64LittleEndian(head[8..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new InvalidDataException("Index snapshot has an invalid time.");
        }

        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(head[16..]);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long count = 0;
            Span<byte> lengths = stackalloc byte[8];
            while (true)
            {
                ReadExactly(source, lengths[..4], hash);
                var keyLength = BinaryPrimitives.ReadUInt32LittleEndian(lengths);
                if (keyLength == EndMarker)
                {
                    break;
                }

                ReadExactly(source, lengths[4..], hash);
                var valueLength = BinaryPrimitives.ReadUInt32LittleEndian(lengths[4..]);
                if (keyLength is 0 or > MaxFieldLength || valueLength > MaxFieldLength)
                {
                    throw new InvalidDataException("Index snapshot has an entry of impossible length.");
                }

                var total = (int)(keyLength + valueLength);
                if (buffer.Length < total)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(total);
                }

                ReadExactly(source, buffer.AsSpan(0, total), hash);
                onEntry?.Invoke(buffer.AsMemory(0, (int)keyLength), buffer.AsMemory((int)keyLength, (int)valueLength));
                count++;
            }

            Span<byte> tail = stackalloc byte[16];
            ReadExactly(source, tail[..8], hash);
            var expected = hash.GetCurrentHashAsUInt64();
            ReadExactly(source, tail[8..], hash: null);
            if (BinaryPrimitives.ReadInt64LittleEndian(tail) != count || BinaryPrimitives.ReadUInt64LittleEndian(tail[8..]) != expected)
            {
                throw new InvalidDataException("Index snapshot fails its checksum.");
            }

            if (source.ReadByte() >= 0)
            {
                throw new InvalidDataException("Index snapshot has bytes after its checksum.");
            }

            return new IndexSnapshotInfo(new DateTimeOffset(ticks, TimeSpan.Zero), sequence, count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes a snapshot: the head, then each entry given to <see cref="Add"/>, then the tail (<see cref="Finish"/>).</summary>
    internal sealed class Writer
    {
        private const int FlushThreshold = 64 * 1024;

        private readonly Stream _destination;
        private readonly XxHash64 _hash = new();
        private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
        private long _count;

        /// <summary>Starts a snapshot taken at <paramref name="created"/> that includes RocksDB sequence <paramref name="sequence"/>.</summary>
        public Writer(Stream destination, DateTimeOffset created, ulong sequence)
        {
            _destination = destination;
            var head = _buffer.GetSpan(HeadLength);
            Magic.CopyTo(head);
            BinaryPrimitives.WriteInt64LittleEndian(head[8..], created.UtcTicks);
            BinaryPrimitives.WriteUInt64LittleEndian(head[16..], sequence);
            _buffer.Advance(HeadLength);
        }

        /// <summary>Appends one entry.</summary>
        public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (key.IsEmpty || key.Length > MaxFieldLength || value.Length > MaxFieldLength)
            {
                throw new InvalidDataException($"An index entry of {key.Length} + {value.Length} bytes cannot go into a snapshot.");
            }

            var span = _buffer.GetSpan(8 + key.Length + value.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)key.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)value.Length);
            key.CopyTo(span[8..]);
            value.CopyTo(span[(8 + key.Length)..]);
            _buffer.Advance(8 + key.Length + value.Length);
            _count++;
            if (_buffer.WrittenCount >= FlushThreshold)
            {
                Flush();
            }
        }

        /// <summary>Writes the end marker, count and checksum, and flushes; returns the number of entries.</summary>
        public long Finish()
        {
            var span = _buffer.GetSpan(12);
            BinaryPrimitives.WriteUInt32LittleEndian(span, EndMarker);
            BinaryPrimitives.WriteInt64LittleEndian(span[4..], _count);
            _buffer.Advance(12);
            _hash.Append(_buffer.WrittenSpan);
            var check = _buffer.GetSpan(8);
            BinaryPrimitives.WriteUInt64LittleEndian(check, _hash.GetCurrentHashAsUInt64());
            _buffer.Advance(8);
            _destination.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
            _destination.Flush();
            return _count;
        }

        private void Flush()
        {
            _hash.Append(_buffer.WrittenSpan);
            _destination.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }

    private static void ReadExactly(Stream source, Span<byte> destination, XxHash64? hash)
    {
        try
        {
            source.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Index snapshot is truncated.", e);
        }

        hash?.Append(destination);
    }
}
