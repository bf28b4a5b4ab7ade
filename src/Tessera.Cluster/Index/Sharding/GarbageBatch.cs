using System.Buffers;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// A garbage batch (<c>04 'G' ticks id</c>): the segments one mutation released, queued at one time. Value: version 1,
/// the queued time (<see cref="RecordWriter.WriteTimestamp"/>, offset kept), the inline segments (count, each a
/// length-prefixed standalone segment record), then the chunk sets holding the rest (count, 16 bytes each).
/// <see cref="IIndexStore.PeekGarbage"/> shows each segment as a <see cref="GarbageEntry"/> whose
/// <see cref="GarbageEntry.Sequence"/> is the batch's id, so <see cref="IIndexStore.RemoveGarbage"/> finds the batch.
/// </summary>
/// <param name="Queued">When the segments were released.</param>
/// <param name="Inline">Segments held in the batch itself.</param>
/// <param name="Sets">Chunk sets whose segments are released too (a released large version's, or staged ones).</param>
internal sealed record GarbageBatch(DateTimeOffset Queued, IReadOnlyList<SegmentManifest> Inline, IReadOnlyList<Guid> Sets)
{
    private const byte Format = 1;

    /// <summary>The encoding, from segments already encoded (<see cref="EtcdRecords.Segment"/>).</summary>
    public static byte[] Encode(DateTimeOffset queued, IReadOnlyCollection<byte[]> inline, IReadOnlyCollection<Guid> sets)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + inline.Sum(s => s.Length + 3) + (sets.Count * 16));
        RecordWriter.WriteByte(buffer, Format);
        RecordWriter.WriteTimestamp(buffer, queued);
        RecordWriter.WriteCount(buffer, inline.Count);
        foreach (var segment in inline)
        {
            EtcdRecords.WriteBytes(buffer, segment);
        }

        RecordWriter.WriteCount(buffer, sets.Count);
        foreach (var set in sets)
        {
            RecordWriter.WriteGuid(buffer, set);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a batch.</summary>
    public static GarbageBatch Decode(ReadOnlySpan<byte> value)
    {
        var reader = new RecordReader(value);
        if (reader.ReadByte() != Format)
        {
            throw new InvalidDataException("A garbage batch has an unknown format.");
        }

        var queued = reader.ReadTimestamp();
        var inline = new SegmentManifest[reader.ReadCount()];
        for (var i = 0; i < inline.Length; i++)
        {
            inline[i] = ManifestSerializer.ReadSegmentManifest(reader.ReadStringBytes());
        }

        var sets = new Guid[reader.ReadCount()];
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i] = reader.ReadGuid();
        }

        reader.EnsureEnd();
        return new GarbageBatch(queued, inline, sets);
    }
}
