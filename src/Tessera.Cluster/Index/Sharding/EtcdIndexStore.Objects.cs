using Etcdserverpb;
using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>Object reads and writes: each write is one <see cref="ObjectMutation"/> on the object's route.</content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Without <paramref name="versionId"/>: one fenced read of the latest pointer; with one, a seek (generated ids) or a
    /// scan of the key's versions, at one revision.
    /// </remarks>
    public ObjectManifest? GetObject(string bucket, string key, string? versionId = null, bool includeDeleteMarker = false)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        var manifest = ReadObject(bucket, key, (view, route) =>
            versionId is null
                ? view.Get(EtcdIndexKeys.Latest(bucket, key)) is { } kv ? DecodeVersion(view, kv.Value.Span) : null
                : FindVersion(view, route, bucket, key, versionId)?.Manifest);
        return manifest is { IsDeleteMarker: true } && !includeDeleteMarker ? null : manifest;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One mutation: reads the bucket's marker, the latest pointer, the key's newest version and the references of the
    /// new segments at R; commits the version, the latest pointer, the references and the removal of a replaced
    /// <c>null</c> version (its segments queued as garbage) comparing the guard and the marker. Segments referenced in
    /// another group are looked up there too (not atomically: like RocksDB, a guard against caller bugs).
    /// </remarks>
    public PutObjectResult PutObject(string bucket, ObjectManifest manifest, WriteCondition condition = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(manifest.Key);
        if (manifest.IsDeleteMarker)
        {
            throw new ArgumentException("Delete markers are written by DeleteObject.", nameof(manifest));
        }

        ThrowIfDisposed();
        return Mutate(bucket, manifest.Key, m =>
        {
            var references = manifest.Segments.Take(EtcdIndexOptions.EtcdMaxTxnOps - 4).Select(s => m.Point(EtcdIndexKeys.Reference(s.Segment))).ToArray();
            var (latest, newest, extra) = ReadHead(m, references);
            if (NoBucket(m))
            {
                return new PutObjectResult(PutObjectStatus.NoSuchBucket);
            }

            return CommitVersion(m, latest, newest, manifest, condition, ownSegments: null, extra);
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The stored version keeps its sequence, so its place in the version order and the latest pointer are unchanged;
    /// the stored segments and class are kept (no garbage is queued and none is dropped), and so is the chunk set of a
    /// version in the chunked form.
    /// </remarks>
    public bool ReplaceManifest(string bucket, ObjectManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(manifest.Key);
        ThrowIfDisposed();
        return Mutate(bucket, manifest.Key, m =>
        {
            var (latest, _, _) = ReadHead(m);
            var existing = FindVersion(m, m.Route, bucket, manifest.Key, manifest.VersionId);
            if (existing is null || existing.Manifest.IsDeleteMarker)
            {
                return false;
            }

            // The stored segments and class stay whatever the caller read: a transition may have moved them since (and
            // repair their disks), so a chunked version keeps its chunk set.
            var stored = manifest with { Sequence = existing.Manifest.Sequence, Segments = existing.Manifest.Segments, StorageClass = existing.Manifest.StorageClass, Restore = existing.Manifest.Restore };
            PutVersion(m, stored, latest: latest is not null && latest.Manifest.Sequence == existing.Manifest.Sequence, references: false, existing.Set);
            return true;
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Without <paramref name="versionId"/>: unversioned buckets remove the null version; enabled buckets add a delete
    /// marker with a generated version id; suspended buckets add a delete marker with version id <c>null</c> that
    /// replaces the null version. With <paramref name="versionId"/>: removes exactly that version (a missing one is a
    /// success with nothing removed); when it was the latest, the next newest version becomes the latest. One mutation.
    /// </remarks>
    public DeleteObjectResult DeleteObject(string bucket, string key, string? versionId = null) => Delete(bucket, key, versionId, null);

    /// <inheritdoc/>
    /// <remarks>
    /// The latest pointer is read at R like every mutation's, and the commit compares the object's guard, which every
    /// write of the key puts: a PUT that lands between the read and the commit fails the compare, and the retry sees it.
    /// </remarks>
    public DeleteObjectResult DeleteObjectIfLatest(string bucket, string key, string? versionId, ulong latestSequence) =>
        Delete(bucket, key, versionId, latestSequence);

    private DeleteObjectResult Delete(string bucket, string key, string? versionId, ulong? latestSequence)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        return Mutate(bucket, key, m =>
        {
            var (latest, newest, _) = ReadHead(m);
            if (NoBucket(m))
            {
                return new DeleteObjectResult(NoSuchBucket: true);
            }

            m.RequireMarker();
            if (latestSequence is { } expected && latest?.Manifest.Sequence != expected)
            {
                return new DeleteObjectResult(NoSuchBucket: false, PreconditionFailed: true);
            }

            var versioning = m.Versioning!.Value;
            if (versionId is not null || versioning == VersioningState.Unversioned)
            {
                var target = versionId is null ? FindNullVersion(m, latest) : FindVersion(m, m.Route, bucket, key, versionId);
                if (target is null)
                {
                    return default;
                }

                RemoveVersion(m, target);
                if (latest is not null && latest.Manifest.Sequence == target.Manifest.Sequence)
                {
                    RepointLatest(m, target);
                }

                return new DeleteObjectResult(NoSuchBucket: false, Removed: target.Manifest);
            }

            var sequence = NextSequence(m, newest);
            var suspended = versioning == VersioningState.Suspended;
            var marker = new ObjectManifest
            {
                Key = key,
                VersionId = suspended ? NullVersionId : IndexListings.GeneratedVersionId(sequence),
                Sequence = sequence,
                IsDeleteMarker = true,
                LastModified = Time.GetUtcNow(),
            };

            var removed = suspended ? FindNullVersion(m, latest) : null;
            if (removed is not null)
            {
                RemoveVersion(m, removed);
            }

            PutVersion(m, marker, latest: true, references: false);
            return new DeleteObjectResult(NoSuchBucket: false, removed?.Manifest, marker);
        });
    }

    /// <summary>
    /// The commit of a new version, shared by <see cref="PutObject"/> and <see cref="CompleteUpload"/> (which adds its
    /// own writes to the same mutation): decides <paramref name="condition"/> on the latest version, checks that the
    /// segments are new (those in <paramref name="ownSegments"/>, a completing upload's own parts, may be referenced
    /// already), assigns the sequence and version id, and stages the version, the latest pointer, the references
    /// (not for a completion: its parts' references stay and resolve through its link) and the removal of a replaced
    /// <c>null</c> version. <paramref name="references"/> are the new segments' reference records read at R.
    /// </summary>
    private PutObjectResult CommitVersion(
        ObjectMutation m, StoredVersion? latest, ulong newest, ObjectManifest manifest, WriteCondition condition, IReadOnlySet<Guid>? ownSegments, List<RangeResponse> references)
    {
        if (!condition.HoldsFor(latest?.Manifest))
        {
            return new PutObjectResult(PutObjectStatus.PreconditionFailed);
        }

        EnsureSegmentsAreNew(m, manifest, ownSegments, references);
        m.RequireMarker();
        var sequence = NextSequence(m, newest);
        var versioned = m.Versioning == VersioningState.Enabled;
        var versionId = !versioned ? NullVersionId
            : string.IsNullOrEmpty(manifest.VersionId) || manifest.VersionId == NullVersionId ? IndexListings.GeneratedVersionId(sequence)
            : manifest.VersionId;
        var stored = manifest with { Sequence = sequence, VersionId = versionId, Restore = null };

        var replaced = versioned ? null : FindNullVersion(m, latest);
        if (replaced is not null)
        {
            RemoveVersion(m, replaced);
        }

        PutVersion(m, stored, latest: true, references: ownSegments is null);
        return new PutObjectResult(PutObjectStatus.Committed, replaced?.Manifest, stored);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when a new version lists a segment twice or one that a version or a part
    /// already holds, except the segments in <paramref name="ownSegments"/>, with RocksDB's messages and in its order.
    /// References are resolved (a reference whose record no longer lists the segment does not count): in the
    /// mutation's group at R (<paramref name="references"/>, read with its first read), then in every other group.
    /// </summary>
    private void EnsureSegmentsAreNew(ObjectMutation m, ObjectManifest manifest, IReadOnlySet<Guid>? ownSegments, List<RangeResponse> references)
    {
        var candidates = manifest.Segments.Where(s => ownSegments?.Contains(s.Segment) != true).Select(s => s.Segment).Distinct().ToList();
        HashSet<Guid> held = [];
        if (candidates.Count > 0)
        {
            var found = new List<KeyValue>();
            for (var i = 0; i < manifest.Segments.Count; i++)
            {
                if (i < references.Count && references[i].Kvs.FirstOrDefault() is { } kv)
                {
                    found.Add(kv);
                }
            }

            if (manifest.Segments.Count > references.Count)
            {
                found.AddRange(ReadReferences(m, manifest.Segments.Skip(references.Count).Select(s => s.Segment)));
            }

            held = HeldSegments(m, found, candidates);
        }

        var seen = manifest.Segments.Count > 1 ? new HashSet<Guid>(manifest.Segments.Count) : null;
        foreach (var segment in manifest.Segments)
        {
            if (seen is not null && !seen.Add(segment.Segment))
            {
                throw new ArgumentException($"The manifest lists segment {segment.Segment:N} twice.", nameof(manifest));
            }

            if (ownSegments?.Contains(segment.Segment) != true && held.Contains(segment.Segment))
            {
                throw new ArgumentException($"Segment {segment.Segment:N} already belongs to another version or part.", nameof(manifest));
            }
        }
    }

    private static List<KeyValue> ReadReferences(GroupView view, IEnumerable<Guid> segments) =>
        [.. view.Read([.. segments.Select(s => view.Point(EtcdIndexKeys.Reference(s)))]).SelectMany(r => r.Kvs)];

    /// <summary>
    /// Whether the mutation found no bucket: no marker in its group and no record in the catalog. A missing marker while
    /// the catalog has the bucket is a DeleteBucket in progress (it may put the marker back) or an interrupted bucket
    /// change: the attempt is retried.
    /// </summary>
    private bool NoBucket(ObjectMutation m)
    {
        if (m.Marker is not null)
        {
            return false;
        }

        if (_buckets.Get(m.Bucket) is not null)
        {
            throw new RetryException($"Bucket {m.Bucket} has no marker in index group {m.Group.Name} while its record exists.");
        }

        return true;
    }
}
