using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>Lifecycle transitions: a version's segments swapped for re-encoded ones in one mutation.</content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One mutation of the object, so one commit Txn guarded by the object's guard (any other write of the key between
    /// the reads at R and the commit fails it, and the retry compares the segments again): reads the latest pointer, the
    /// version (its chunk set, when chunked) and the new segments' references at R; commits the version record (inline,
    /// or in a new chunk set staged before the commit), the latest pointer when it is that version, the new references
    /// (in the commit when they fit its budget, else written before it: harmless without the commit, they resolve
    /// against the record they name) and the release of the old segments (a garbage batch, or the old chunk set released
    /// whole; their references are deleted in the commit when they fit, else with the garbage). The completion link of a
    /// version from a multipart upload stays: its part references no longer resolve once the version lists other
    /// segments.
    /// </remarks>
    public bool TransitionVersion(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass)
    {
        var sameSegments = TransitionArguments.Validate(bucket, key, versionId, expectedSegments, newSegments, storageClass);
        ThrowIfDisposed();
        return Mutate(bucket, key, m =>
        {
            var references = sameSegments ? [] : newSegments.Take(EtcdIndexOptions.EtcdMaxTxnOps - 4).Select(s => m.Point(EtcdIndexKeys.Reference(s.Segment))).ToArray();
            var (latest, _, extra) = ReadHead(m, references);
            var existing = FindVersion(m, m.Route, bucket, key, versionId);
            if (existing is null || existing.Manifest.IsDeleteMarker || !existing.Manifest.Segments.Select(s => s.Segment).SequenceEqual(expectedSegments))
            {
                return false;
            }

            var stored = existing.Manifest with { Segments = newSegments, StorageClass = storageClass };
            var isLatest = latest is not null && latest.Manifest.Sequence == existing.Manifest.Sequence;
            if (sameSegments)
            {
                // A change of class only: the chunk set (if any) and the references stay.
                PutVersion(m, stored, isLatest, references: false, existing.Set);
                return true;
            }

            EnsureSegmentsAreNew(m, stored, ownSegments: null, extra);
            if (existing.Set is { } set)
            {
                m.ReleaseSet(set);
            }
            else
            {
                foreach (var segment in existing.Manifest.Segments)
                {
                    m.Release(segment);
                }

                DeleteReferences(m, existing.Manifest.Segments);
            }

            PutVersion(m, stored, isLatest, references: true);
            return true;
        });
    }
}
