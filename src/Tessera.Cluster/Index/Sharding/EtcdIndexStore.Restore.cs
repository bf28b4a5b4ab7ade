using Google.Protobuf;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>The restore state of archived versions: one object mutation (one Txn comparing the fence and the guard).</content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One mutation: reads the latest pointer and the version at R, compares the restore state, reads the references of
    /// the new restored segments; commits the version record (the latest pointer when it is that version; a chunked
    /// version keeps its chunk set, the restore section being inline), the new references and the garbage batch of the
    /// dropped restored segments, comparing the object's guard, so a concurrent change of the object makes the attempt
    /// start over from its reads (and then compare the restore state again).
    /// </remarks>
    public bool SwapRestore(string bucket, string key, string versionId, ObjectRestore? expected, ObjectRestore? replacement)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ArgumentException.ThrowIfNullOrEmpty(versionId);
        ThrowIfDisposed();
        return Mutate(bucket, key, m =>
        {
            var (latest, _, _) = ReadHead(m);
            var existing = FindVersion(m, m.Route, bucket, key, versionId);
            if (existing is null || existing.Manifest.IsDeleteMarker || !ObjectRestore.SameState(existing.Manifest.Restore, expected))
            {
                return false;
            }

            var before = existing.Manifest.Restore?.Segments.Select(s => s.Segment).ToHashSet() ?? [];
            var kept = replacement?.Segments.Select(s => s.Segment).ToHashSet() ?? [];
            var added = (replacement?.Segments ?? []).Where(s => !before.Contains(s.Segment)).ToList();
            if (added.Count > 0)
            {
                var ids = added.Select(s => s.Segment).ToList();
                var references = m.Read([.. ids.Select(s => m.Point(EtcdIndexKeys.Reference(s)))]).SelectMany(r => r.Kvs).ToList();
                if (HeldSegments(m, references, ids).Count > 0)
                {
                    throw new ArgumentException("A restored segment already belongs to another version or part.", nameof(replacement));
                }
            }

            var dropped = (existing.Manifest.Restore?.Segments ?? []).Where(s => !kept.Contains(s.Segment)).ToList();
            foreach (var segment in dropped)
            {
                m.Release(segment);
            }

            DeleteReferences(m, dropped);

            var stored = existing.Manifest with { Restore = replacement };
            var set = existing.Set;
            if (set is { } old && ManifestSerializer.ToArray(stored).Length <= Options.MaxInlineManifestBytes)
            {
                // Smaller than the inline limit now: the record goes inline and its chunk set away.
                var prefix = EtcdIndexKeys.SetPrefix(old);
                m.DeleteRange(prefix, EtcdIndexKeys.End(prefix));
                set = null;
            }

            PutVersion(m, stored, latest: latest is not null && latest.Manifest.Sequence == existing.Manifest.Sequence, references: false, set);
            if (added.Count > 0)
            {
                var buffer = ManifestSerializer.RentScratch();
                ManifestSerializer.Write(buffer, new SegmentReference(bucket, key, stored.Sequence));
                var reference = ByteString.CopyFrom(buffer.WrittenSpan);
                foreach (var segment in added)
                {
                    m.Put(EtcdIndexKeys.Reference(segment.Segment), reference);
                }
            }

            return true;
        });
    }
}
