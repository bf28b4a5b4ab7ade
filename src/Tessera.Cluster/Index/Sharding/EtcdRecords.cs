using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The values of <see cref="EtcdIndexStore"/>'s records that differ from the single node's (<see cref="ManifestSerializer"/>
/// everywhere else), with the primitives of <see cref="RecordWriter"/>:
/// <list type="bullet">
/// <item><b>Version record / latest pointer</b>: a <see cref="ManifestSerializer"/> manifest (first byte 1), or when
/// the manifest is larger than <see cref="EtcdIndexOptions.MaxInlineManifestBytes"/> the <b>chunked form</b>:
/// <see cref="ChunkedTag"/>, the chunk set (16 bytes), the segment count (varint), then the manifest encoded without
/// segments. The segments are the set's chunks in order.</item>
/// <item><b>Chunk</b> (<c>0D 'S' set index</c>): version 1, staged UTC ticks (int64 LE), count, then each segment as a
/// length-prefixed standalone <see cref="ManifestSerializer"/> segment record.</item>
/// <item><b>Bucket marker</b> (<c>01 'B' bucket</c>): the versioning state as text (<c>unversioned</c>,
/// <c>enabled</c>, <c>suspended</c>).</item>
/// <item><b>Upload locator, completion link, staged set</b>: 8 bytes big-endian (a sequence, or UTC ticks).</item>
/// <item><b>Garbage batch</b>: <see cref="GarbageBatch"/>.</item>
/// </list>
/// </summary>
internal static class EtcdRecords
{
    /// <summary>First byte of a version record in the chunked form (a manifest record starts with its format version, 1).</summary>
    public const byte ChunkedTag = 0xE1;

    private const byte ChunkFormat = 1;

    /// <summary>Whether a version record is in the chunked form.</summary>
    public static bool IsChunked(ReadOnlySpan<byte> value) => value.Length > 0 && value[0] == ChunkedTag;

    /// <summary>The chunked form of <paramref name="manifest"/> (whose segments are in <paramref name="set"/>).</summary>
    public static byte[] Chunked(ObjectManifest manifest, Guid set)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        RecordWriter.WriteByte(buffer, ChunkedTag);
        RecordWriter.WriteGuid(buffer, set);
        RecordWriter.WriteCount(buffer, manifest.Segments.Count);
        ManifestSerializer.Write(buffer, manifest with { Segments = [] });
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the chunked form: the set, the segment count and the manifest without its segments.</summary>
    public static ObjectManifest ReadChunked(ReadOnlySpan<byte> value, out Guid set, out int count)
    {
        var reader = new RecordReader(value);
        if (reader.ReadByte() != ChunkedTag)
        {
            throw new InvalidDataException("A version record is not in the chunked form.");
        }

        set = reader.ReadGuid();
        count = (int)reader.ReadVarUInt64();
        return ManifestSerializer.ReadObjectManifest(value[(value.Length - reader.Remaining)..]);
    }

    /// <summary>The standalone encoding of one segment (what chunks and garbage batches hold).</summary>
    public static byte[] Segment(SegmentManifest segment)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        ManifestSerializer.Write(buffer, segment);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A chunk holding <paramref name="segments"/> (their standalone encodings), stamped <paramref name="stagedTicks"/>.</summary>
    public static byte[] Chunk(IEnumerable<byte[]> segments, long stagedTicks)
    {
        var list = segments as IReadOnlyCollection<byte[]> ?? [.. segments];
        var buffer = new ArrayBufferWriter<byte>(64 + list.Sum(s => s.Length + 3));
        RecordWriter.WriteByte(buffer, ChunkFormat);
        RecordWriter.WriteInt64(buffer, stagedTicks);
        RecordWriter.WriteCount(buffer, list.Count);
        foreach (var segment in list)
        {
            WriteBytes(buffer, segment);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The segments of a chunk.</summary>
    public static List<SegmentManifest> ReadChunk(ReadOnlySpan<byte> value)
    {
        var reader = new RecordReader(value);
        if (reader.ReadByte() != ChunkFormat)
        {
            throw new InvalidDataException("A chunk has an unknown format.");
        }

        reader.ReadInt64();
        var segments = new List<SegmentManifest>(reader.ReadCount());
        for (var i = segments.Capacity; i > 0; i--)
        {
            segments.Add(ManifestSerializer.ReadSegmentManifest(reader.ReadStringBytes()));
        }

        reader.EnsureEnd();
        return segments;
    }

    /// <summary>The bucket marker's value: the versioning state.</summary>
    public static ByteString Marker(VersioningState versioning) => ByteString.CopyFromUtf8(versioning switch
    {
        VersioningState.Enabled => "enabled",
        VersioningState.Suspended => "suspended",
        _ => "unversioned",
    });

    /// <summary>The versioning state a bucket marker holds.</summary>
    public static VersioningState ReadMarker(ByteString value) => value.ToStringUtf8() switch
    {
        "enabled" => VersioningState.Enabled,
        "suspended" => VersioningState.Suspended,
        "unversioned" => VersioningState.Unversioned,
        var other => throw new InvalidDataException($"A bucket marker holds '{other}'."),
    };

    /// <summary>8 bytes big-endian.</summary>
    public static ByteString UInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>Reads 8 bytes big-endian.</summary>
    public static ulong ReadUInt64(ByteString value) =>
        value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value.Span) : throw new InvalidDataException("An 8-byte record has another length.");

    /// <summary>Appends a length-prefixed byte string (read back with <see cref="RecordReader.ReadStringBytes"/>).</summary>
    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        RecordWriter.WriteVarUInt64(writer, (ulong)bytes.Length);
        writer.Write(bytes);
    }
}
