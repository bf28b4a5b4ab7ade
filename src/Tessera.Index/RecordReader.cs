using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Tessera.Index;

/// <summary>
/// Reads the primitives <see cref="RecordWriter"/> writes, from a span it does not own (for example a RocksDB value
/// that is only valid during the callback). Every read is bounds-checked; a truncated or malformed record throws
/// <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct RecordReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Starts reading at the first byte of <paramref name="data"/>.</summary>
    public RecordReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            ThrowTruncated();
        }

        return _data[_position++];
    }

    /// <summary>Reads an unsigned LEB128 varint of at most 10 bytes.</summary>
    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1)
            {
                ThrowInvalid("varint overflows 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("Index record is malformed: varint longer than 10 bytes.");
    }

    /// <summary>Reads a zig-zag varint as a signed 64-bit integer.</summary>
    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads a zig-zag varint that must fit in 32 bits.</summary>
    public int ReadVarInt32()
    {
        var value = ReadVarInt64();
        if (value is < int.MinValue or > int.MaxValue)
        {
            ThrowInvalid("32-bit field out of range");
        }

        return (int)value;
    }

    /// <summary>Reads a collection count, checked against the bytes left (every element takes at least one byte).</summary>
    public int ReadCount()
    {
        var count = ReadVarUInt64();
        if (count > (ulong)Remaining)
        {
            ThrowInvalid("count larger than the record");
        }

        return (int)count;
    }

    /// <summary>Reads 8 bytes little-endian.</summary>
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>Reads a string written by <see cref="RecordWriter.WriteString"/>.</summary>
    public string ReadString() => Decode(Take(ReadLength(ReadVarUInt64())));

    /// <summary>Reads a string written by <see cref="RecordWriter.WriteNullableString"/>.</summary>
    public string? ReadNullableString()
    {
        var raw = ReadVarUInt64();
        return raw == 0 ? null : Decode(Take(ReadLength(raw - 1)));
    }

    /// <summary>Reads the raw UTF-8 bytes of a string without decoding it (valid as long as the source span).</summary>
    public ReadOnlySpan<byte> ReadStringBytes() => Take(ReadLength(ReadVarUInt64()));

    /// <summary>Skips a string.</summary>
    public void SkipString() => Take(ReadLength(ReadVarUInt64()));

    /// <summary>Reads an instant written by <see cref="RecordWriter.WriteTimestamp"/>.</summary>
    public DateTimeOffset ReadTimestamp()
    {
        var ticks = ReadInt64();
        var minutes = ReadVarInt32();
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("Index record holds an invalid timestamp.", e);
        }
    }

    /// <summary>Reads 16 GUID bytes.</summary>
    public Guid ReadGuid() => new(Take(16));

    /// <summary>Reads a list written by <see cref="RecordWriter.WritePairs"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ReadPairs()
    {
        var count = ReadCount();
        if (count == 0)
        {
            return [];
        }

        var pairs = new KeyValuePair<string, string>[count];
        for (var i = 0; i < pairs.Length; i++)
        {
            var name = ReadString();
            pairs[i] = new(name, ReadString());
        }

        return pairs;
    }

    /// <summary>Throws unless every byte was consumed (a record with trailing bytes is not the format it claims).</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            ThrowInvalid("trailing bytes after the record");
        }
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _data.Length - _position)
        {
            ThrowTruncated();
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    private readonly int ReadLength(ulong length)
    {
        if (length > (ulong)Remaining)
        {
            ThrowTruncated();
        }

        return (int)length;
    }

    private static string Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return "";
        }

        try
        {
            return RecordWriter.StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("Index record holds invalid UTF-8.", e);
        }
    }

    [DoesNotReturn]
    private static void ThrowTruncated() => throw new InvalidDataException("Index record is truncated.");

    [DoesNotReturn]
    private static void ThrowInvalid(string what) => throw new InvalidDataException($"Index record is malformed: {what}.");
}
