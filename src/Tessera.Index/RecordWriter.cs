using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Tessera.Index;

/// <summary>
/// Primitive writers for the index's binary records (see <see cref="ManifestSerializer"/> for the layouts).
/// Integers are LEB128 varints (signed ones zig-zag encoded first), strings are a varint byte length followed by
/// strict UTF-8 (a string with a lone surrogate is rejected rather than silently replaced), nullable strings store
/// length + 1 so that 0 means null.
/// </summary>
internal static class RecordWriter
{
    /// <summary>UTF-8 without BOM that throws on unpaired surrogates instead of writing U+FFFD.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes one byte.</summary>
    public static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    /// <summary>Writes an unsigned LEB128 varint (1 to 10 bytes).</summary>
    public static void WriteVarUInt64(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        writer.Advance(i);
    }

    /// <summary>Writes a signed 64-bit integer zig-zag encoded as a varint (small magnitudes stay short).</summary>
    public static void WriteVarInt64(IBufferWriter<byte> writer, long value) =>
        WriteVarUInt64(writer, (ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a signed 32-bit integer zig-zag encoded as a varint.</summary>
    public static void WriteVarInt32(IBufferWriter<byte> writer, int value) => WriteVarInt64(writer, value);

    /// <summary>Writes a collection count as a varint.</summary>
    public static void WriteCount(IBufferWriter<byte> writer, int count) => WriteVarUInt64(writer, (ulong)count);

    /// <summary>Writes 8 bytes little-endian.</summary>
    public static void WriteInt64(IBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    /// <summary>Writes a string: varint byte length, then UTF-8.</summary>
    public static void WriteString(IBufferWriter<byte> writer, string value)
    {
        var length = StrictUtf8.GetByteCount(value);
        WriteVarUInt64(writer, (ulong)length);
        WriteUtf8(writer, value, length);
    }

    /// <summary>Writes a nullable string: varint (byte length + 1, or 0 for null), then UTF-8.</summary>
    public static void WriteNullableString(IBufferWriter<byte> writer, string? value)
    {
        if (value is null)
        {
            WriteVarUInt64(writer, 0);
            return;
        }

        var length = StrictUtf8.GetByteCount(value);
        WriteVarUInt64(writer, (ulong)length + 1);
        WriteUtf8(writer, value, length);
    }

    /// <summary>Writes an instant as its UTC ticks (8 bytes) and its offset in minutes (zig-zag varint), so it round-trips exactly.</summary>
    public static void WriteTimestamp(IBufferWriter<byte> writer, DateTimeOffset value)
    {
        WriteInt64(writer, value.UtcTicks);
        WriteVarInt32(writer, (int)value.Offset.TotalMinutes);
    }

    /// <summary>Writes a GUID as its 16 bytes (little-endian field order, as <see cref="Guid.TryWriteBytes(Span{byte})"/>).</summary>
    public static void WriteGuid(IBufferWriter<byte> writer, Guid value)
    {
        value.TryWriteBytes(writer.GetSpan(16));
        writer.Advance(16);
    }

    /// <summary>Writes a list of name/value pairs: count, then name and value of each.</summary>
    public static void WritePairs(IBufferWriter<byte> writer, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        WriteCount(writer, pairs.Count);
        for (var i = 0; i < pairs.Count; i++)
        {
            WriteString(writer, pairs[i].Key);
            WriteString(writer, pairs[i].Value);
        }
    }

    private static void WriteUtf8(IBufferWriter<byte> writer, string value, int length)
    {
        if (length == 0)
        {
            return;
        }

        var written = StrictUtf8.GetBytes(value, writer.GetSpan(length));
        writer.Advance(written);
    }
}
