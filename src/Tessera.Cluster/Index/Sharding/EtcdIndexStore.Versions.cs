using Etcdserverpb;
using Google.Protobuf;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>Version records: decoding (chunk sets), lookups at a mutation's revision, and the writes that add or remove one.</content>
public sealed partial class EtcdIndexStore
{
    /// <summary>Decodes a version record, reading its chunk set from <paramref name="view"/> (same group, same revision) when it is chunked.</summary>
    internal ObjectManifest DecodeVersion(GroupView view, ReadOnlySpan<byte> value) => Stored(view, value).Manifest;

    /// <summary>A version record as stored.</summary>
    internal StoredVersion Stored(GroupView view, ByteString raw) => Stored(view, raw.Span) with { Raw = raw };

    /// <summary>Every segment of a chunk set, in order, at the view's revision.</summary>
    internal List<SegmentManifest> ReadSet(GroupView view, Guid set)
    {
        var prefix = EtcdIndexKeys.SetPrefix(set);
        var segments = new List<SegmentManifest>();
        foreach (var chunk in view.Scan(prefix, EtcdIndexKeys.End(prefix), pageSize: Math.Max(2, (2 << 20) / Options.ChunkBytes)))
        {
            segments.AddRange(EtcdRecords.ReadChunk(chunk.Value.Span));
        }

        return segments;
    }

    /// <summary>
    /// The object's latest version and newest version sequence at the mutation's revision (its first read, with
    /// <paramref name="extra"/> read in the same Txn and returned).
    /// </summary>
    private (StoredVersion? Latest, ulong Newest, List<RangeResponse> Extra) ReadHead(ObjectMutation m, params RangeRequest[] extra)
    {
        var prefix = EtcdIndexKeys.VersionPrefix(m.Bucket, m.Key);
        var responses = m.Read([m.Point(EtcdIndexKeys.Latest(m.Bucket, m.Key)), m.Between(prefix, EtcdIndexKeys.End(prefix), limit: 1), .. extra]);
        var latest = responses[0].Kvs.FirstOrDefault() is { } kv ? Stored(m, kv.Value) : null;
        var newest = responses[1].Kvs.FirstOrDefault() is { } version ? IndexKeys.SequenceOfVersionKey(m.IndexKey(version)) : 0;
        return (latest, newest, [.. responses.Skip(2)]);
    }

    /// <summary>The sequence of a new version or upload: above R and above the key's newest.</summary>
    private static ulong NextSequence(GroupView view, ulong newest) => Math.Max((ulong)view.Revision + 1, newest + 1);

    /// <summary>The version of a key whose id is <paramref name="versionId"/>, at the view's revision, or null.</summary>
    private StoredVersion? FindVersion(GroupView view, RangeRoute route, string bucket, string key, string versionId)
    {
        var prefix = EtcdIndexKeys.VersionPrefix(bucket, key);
        using var cursor = new EtcdCursor(this, [route], _ => view, prefix, EtcdIndexKeys.End(prefix), manifests: true);
        return IndexListings.SeekVersion(cursor, bucket, key, versionId) ? Stored(view, cursor.RawValue) : null;
    }

    /// <summary>The null version of a key: the latest one if it is, otherwise (suspended buckets) found by scanning.</summary>
    private StoredVersion? FindNullVersion(ObjectMutation m, StoredVersion? latest) =>
        latest is null ? null
        : latest.Manifest.VersionId == NullVersionId ? latest
        : FindVersion(m, m.Route, m.Bucket, m.Key, NullVersionId);

    /// <summary>
    /// Adds a version record and, when <paramref name="latest"/>, the latest pointer (the same bytes); a manifest over
    /// <see cref="EtcdIndexOptions.MaxInlineManifestBytes"/> goes in the chunked form, its segments in
    /// <paramref name="set"/> or in a set staged now. With <paramref name="references"/>, the segments' references
    /// (kind version): in the commit when few, else written before it.
    /// </summary>
    private void PutVersion(ObjectMutation m, ObjectManifest stored, bool latest, bool references, Guid? set = null)
    {
        var value = ManifestSerializer.ToArray(stored);
        if (value.Length > Options.MaxInlineManifestBytes)
        {
            value = EtcdRecords.Chunked(stored, set ?? m.StageSet(stored.Segments));
        }

        var bytes = ByteString.CopyFrom(value);
        m.Put(EtcdIndexKeys.Version(m.Bucket, m.Key, stored.Sequence), bytes);
        if (latest)
        {
            m.Put(EtcdIndexKeys.Latest(m.Bucket, m.Key), bytes);
        }

        if (!references || (stored.Segments.Count == 0 && stored.Restore is not { Segments.Count: > 0 }))
        {
            return;
        }

        var buffer = ManifestSerializer.RentScratch();
        ManifestSerializer.Write(buffer, new SegmentReference(m.Bucket, m.Key, stored.Sequence));
        var reference = ByteString.CopyFrom(buffer.WrittenSpan);
        var puts = stored.AllSegments().Select(s => (EtcdIndexKeys.Reference(s.Segment), reference)).ToList();
        if (m.TakeReferenceOps(puts.Count))
        {
            foreach (var (key, referenceValue) in puts)
            {
                m.Put(key, referenceValue);
            }
        }
        else
        {
            m.WriteNow(puts);
        }
    }

    /// <summary>
    /// Deletes a version record (and its completion link) and queues its segments as garbage; deletes their references
    /// in the same commit when they fit its budget (otherwise garbage collection deletes them with the garbage).
    /// </summary>
    private void RemoveVersion(ObjectMutation m, StoredVersion removed)
    {
        var manifest = removed.Manifest;
        m.Delete(EtcdIndexKeys.Version(m.Bucket, m.Key, manifest.Sequence));
        m.Delete(EtcdIndexKeys.Link(m.Bucket, m.Key, manifest.Sequence));
        if (manifest.Restore is { Segments: { Count: > 0 } restored })
        {
            // The restored copy's segments are inline (never in the chunk set).
            foreach (var segment in restored)
            {
                m.Release(segment);
            }

            DeleteReferences(m, restored);
        }

        if (removed.Set is { } set)
        {
            m.ReleaseSet(set);
            return;
        }

        foreach (var segment in manifest.Segments)
        {
            m.Release(segment);
        }

        DeleteReferences(m, manifest.Segments);
    }

    /// <summary>Deletes the references of released segments in the commit when they fit its budget (else they stay until their garbage is removed).</summary>
    private static void DeleteReferences(ObjectMutation m, IReadOnlyCollection<SegmentManifest> segments)
    {
        if (!m.TakeReferenceOps(segments.Count))
        {
            return;
        }

        foreach (var segment in segments)
        {
            m.Delete(EtcdIndexKeys.Reference(segment.Segment));
        }
    }

    /// <summary>
    /// After removing <paramref name="removed"/> (the latest version) points the latest pointer at the next newest
    /// version (a copy of its record) or deletes it when none is left.
    /// </summary>
    private static void RepointLatest(ObjectMutation m, StoredVersion removed)
    {
        var prefix = EtcdIndexKeys.VersionPrefix(m.Bucket, m.Key);
        var newest = m.Read([m.Between(prefix, EtcdIndexKeys.End(prefix), limit: 2)])[0];
        var next = newest.Kvs.FirstOrDefault(kv => IndexKeys.SequenceOfVersionKey(m.IndexKey(kv)) != removed.Manifest.Sequence);
        if (next is null)
        {
            m.Delete(EtcdIndexKeys.Latest(m.Bucket, m.Key));
        }
        else
        {
            m.Put(EtcdIndexKeys.Latest(m.Bucket, m.Key), next.Value);
        }
    }

    private StoredVersion Stored(GroupView view, ReadOnlySpan<byte> value)
    {
        if (!EtcdRecords.IsChunked(value))
        {
            return new StoredVersion(ManifestSerializer.ReadObjectManifest(value), null, ByteString.Empty);
        }

        var manifest = EtcdRecords.ReadChunked(value, out var set, out var count);
        var segments = ReadSet(view, set);
        if (segments.Count != count)
        {
            throw new InvalidDataException($"Chunk set {set:N} holds {segments.Count} segments; its version says {count}.");
        }

        return new StoredVersion(manifest with { Segments = segments }, set, ByteString.Empty);
    }
}
