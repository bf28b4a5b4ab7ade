using Google.Protobuf;
using Mvccpb;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Cluster.Index.Sharding;

/// <content>
/// Segment references (<c>06 'R'</c>, group-level): lookups ask every group and resolve a reference against the record
/// it names; repair's compare-and-set of a segment's disks; the scrubber's walk.
/// </content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Asks every group for the reference and resolves it: true only when the version or part it names (in the group
    /// that holds the object's range now) still lists the segment.
    /// </remarks>
    public bool IsSegmentReferenced(Guid segment)
    {
        ThrowIfDisposed();
        return Retrying(() => FindHolder(segment) is not null);
    }

    /// <inheritdoc/>
    public SegmentManifest? GetSegment(Guid segment)
    {
        ThrowIfDisposed();
        return Retrying(() => FindHolder(segment)?.Holder.Segment);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A segment of a version from a completed upload is the version's (no upload id or part number), as on RocksDB,
    /// although its reference still names the part it was uploaded as.
    /// </remarks>
    public SegmentOwnerInfo? FindSegmentOwner(Guid segment)
    {
        ThrowIfDisposed();
        return Retrying(() =>
        {
            if (FindHolder(segment) is not var (view, holder))
            {
                return null;
            }

            var reference = holder.Reference;
            if (holder.Version is { } version)
            {
                var versionClass = version.Manifest.IsRestoredSegment(segment) ? "STANDARD" : version.Manifest.StorageClass;
                return new SegmentOwnerInfo(reference.Bucket, reference.Key, version.Manifest.VersionId, null, 0, holder.Segment, versionClass);
            }

            var storageClass = FindUpload(view, reference.Bucket, reference.Key, reference.UploadId!)?.Upload.Template.StorageClass ?? "STANDARD";
            return new SegmentOwnerInfo(reference.Bucket, reference.Key, null, reference.UploadId, reference.PartNumber, holder.Segment, storageClass);
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One mutation of the object holding the segment: resolves the reference at R, checks the disks are still
    /// <paramref name="expected"/>, and rewrites the record that lists the segment (the version record and the latest
    /// pointer when it is that version, the chunk of a chunked version, or the part record), comparing the guard (and the
    /// part record). A completion that moves a part's segment to its version in between fails the compare: the retry
    /// finds the version.
    /// </remarks>
    public bool ReplaceSegmentDisks(Guid segment, IReadOnlyList<string> expected, IReadOnlyList<string> replacement)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        if (expected.Count != replacement.Count)
        {
            throw new ArgumentException("The replacement must list as many disks as the segment has fragments.", nameof(replacement));
        }

        ThrowIfDisposed();
        if (Retrying(() => FindHolder(segment)) is not var (_, holder))
        {
            return false;
        }

        return Mutate(holder.Reference.Bucket, holder.Reference.Key, m =>
        {
            var (latest, _, extra) = ReadHead(m, m.Point(EtcdIndexKeys.Reference(segment)));
            if (extra[0].Kvs.FirstOrDefault() is not { } reference || Resolve(m, reference, segment) is not { } found
                || !found.Segment.Disks.SequenceEqual(expected, StringComparer.Ordinal))
            {
                return false;
            }

            var moved = found.Segment with { Disks = [.. replacement] };
            if (found.Part is { } partRecord)
            {
                var part = ManifestSerializer.ReadUploadPart(partRecord.Value.Span);
                var partKey = EtcdIndexKeys.Part(m.Bucket, m.Key, found.Reference.UploadId!, found.Reference.PartNumber);
                m.RequireUnchanged(partKey, partRecord.ModRevision);
                var value = ManifestSerializer.RentScratch();
                ManifestSerializer.Write(value, part with { Segment = moved });
                m.Put(partKey, ByteString.CopyFrom(value.WrittenSpan));
                return true;
            }

            var version = found.Version!;
            if (version.Set is { } set && !version.Manifest.IsRestoredSegment(segment))
            {
                RewriteChunk(m, set, segment, moved);
                return true;
            }

            PutVersion(m, version.Manifest.WithSegment(moved), latest: latest is not null && latest.Manifest.Sequence == version.Manifest.Sequence, references: false, version.Set);
            return true;
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Walks each group in turn: its version records (<c>03 'V'</c>, chunk sets expanded), then its parts
    /// (<c>09 'P'</c>), in pages at one revision, skipping records of ranges the group no longer holds (copies left by a
    /// move). Within a group the walk is one snapshot, so a completion during it cannot show a segment twice; across
    /// groups there is no common snapshot (a range moving during the walk may show its segments twice or not at all), and
    /// a fence failure in a group continues its walk after the last record at a new revision. Lazy, in bounded memory.
    /// </remarks>
    public IEnumerable<SegmentManifest> ReferencedSegments()
    {
        ThrowIfDisposed();
        return _directory.Groups.SelectMany(WalkSegments);
    }

    /// <summary>
    /// The holder of <paramref name="segment"/>: the first group whose reference resolves to a record that lists it, with
    /// the view it was read through; null when none does.
    /// </summary>
    private (GroupView View, SegmentHolder Holder)? FindHolder(Guid segment)
    {
        foreach (var group in _directory.Groups)
        {
            var view = ViewOf(group);
            if (view.Get(EtcdIndexKeys.Reference(segment)) is { } reference && Resolve(view, reference, segment) is { } holder)
            {
                return (view, holder);
            }
        }

        return null;
    }

    /// <summary>
    /// Resolves a reference record read through <paramref name="view"/>: the version or part it names, if that record
    /// (in this group, which must hold the object's range now) still lists <paramref name="segment"/>. A part reference
    /// whose part is gone resolves through the completion link of the version its upload became.
    /// </summary>
    private SegmentHolder? Resolve(GroupView view, KeyValue referenceRecord, Guid segment)
    {
        var reference = ManifestSerializer.ReadSegmentReference(referenceRecord.Value.Span);
        if (!Holds(view.Group, reference.Bucket, reference.Key))
        {
            return null;
        }

        ulong versionSequence;
        if (reference.IsPart)
        {
            var links = EtcdIndexKeys.LinkPrefix(reference.Bucket, reference.Key);
            var read = view.Read([
                view.Point(EtcdIndexKeys.Part(reference.Bucket, reference.Key, reference.UploadId!, reference.PartNumber)),
                view.Between(links, EtcdIndexKeys.End(links))]);
            if (read[0].Kvs.FirstOrDefault() is { } partRecord && ManifestSerializer.ReadUploadPart(partRecord.Value.Span).Segment is var part && part.Segment == segment)
            {
                return new SegmentHolder(reference, null, partRecord, part);
            }

            var link = read[1].Kvs.FirstOrDefault(kv => EtcdRecords.ReadUInt64(kv.Value) == reference.Sequence);
            if (link is null)
            {
                return null;
            }

            versionSequence = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(view.IndexKey(link)[^8..]);
        }
        else
        {
            versionSequence = reference.Sequence;
        }

        if (view.Get(EtcdIndexKeys.Version(reference.Bucket, reference.Key, versionSequence)) is not { } record)
        {
            return null;
        }

        var version = Stored(view, record.Value);
        var listed = version.Manifest.AllSegments().FirstOrDefault(s => s.Segment == segment);
        return listed is null ? null : new SegmentHolder(reference, version, null, listed);
    }

    /// <summary>
    /// The segments among <paramref name="candidates"/> that a version or part holds: their references read in the
    /// mutation's group at R (<paramref name="ownReferences"/>), then, with
    /// <see cref="EtcdIndexOptions.CheckSegmentsInEveryGroup"/>, in every other group that answers. Like RocksDB's, the
    /// check guards against caller bugs (segment ids are fresh GUIDs): it is exact in the object's group and best effort
    /// across groups (not atomic with the commit, and a group that does not answer or whose route is stale is skipped,
    /// so a write never depends on another group's availability).
    /// </summary>
    private HashSet<Guid> HeldSegments(GroupView view, List<KeyValue> ownReferences, List<Guid> candidates)
    {
        var held = new HashSet<Guid>();
        AddHeld(view, ownReferences, candidates, held);
        if (!Options.CheckSegmentsInEveryGroup)
        {
            return held;
        }

        foreach (var group in _directory.Groups.Where(g => g.Name != view.Group.Name))
        {
            try
            {
                var other = ViewOf(group);
                AddHeld(other, [.. other.Read([.. candidates.Select(s => other.Point(EtcdIndexKeys.Reference(s)))]).SelectMany(r => r.Kvs)], candidates, held);
            }
            catch (Exception e) when (e is FenceFailedException or StorageUnavailableException or RetryException)
            {
                // Best effort: a write in one group does not wait for another (see the summary).
            }
        }

        return held;
    }

    private void AddHeld(GroupView view, List<KeyValue> references, List<Guid> candidates, HashSet<Guid> held)
    {
        foreach (var kv in references)
        {
            var segment = new Guid(view.IndexKey(kv)[2..]);
            if (candidates.Contains(segment) && Resolve(view, kv, segment) is not null)
            {
                held.Add(segment);
            }
        }
    }

    /// <summary>Rewrites the chunk of <paramref name="set"/> that lists <paramref name="segment"/> with <paramref name="moved"/> in its place.</summary>
    private void RewriteChunk(ObjectMutation m, Guid set, Guid segment, SegmentManifest moved)
    {
        var prefix = EtcdIndexKeys.SetPrefix(set);
        foreach (var chunk in m.Scan(prefix, EtcdIndexKeys.End(prefix), pageSize: 4))
        {
            var segments = EtcdRecords.ReadChunk(chunk.Value.Span);
            var at = segments.FindIndex(s => s.Segment == segment);
            if (at >= 0)
            {
                segments[at] = moved;
                m.Put(m.IndexKey(chunk).ToArray(), EtcdRecords.Chunk(segments.Select(EtcdRecords.Segment), Time.GetUtcNow().UtcTicks));
                return;
            }
        }

        throw new InvalidDataException($"Chunk set {set:N} does not list segment {segment:N}.");
    }

    /// <summary>The referenced segments of one group (see <see cref="ReferencedSegments"/>).</summary>
    private IEnumerable<SegmentManifest> WalkSegments(IndexGroup group)
    {
        var fenceFailures = 0;
        var view = ViewOf(group);
        RangeRoute? route = null;
        foreach (var space in new[] { IndexKeys.VersionSpace.ToArray(), IndexKeys.PartSpace.ToArray() })
        {
            var from = space;
            var end = EtcdIndexKeys.End(space);
            while (true)
            {
                List<SegmentManifest> segments;
                bool more;
                try
                {
                    var page = view.Read([view.Between(from, end, Options.PageSize)])[0];
                    segments = [];
                    foreach (var kv in page.Kvs)
                    {
                        var coordinate = EtcdIndexKeys.CoordinateOf(view.IndexKey(kv));
                        if (route is null || !IndexCoordinates.InRange(route, coordinate))
                        {
                            route = _directory.Route(coordinate);
                        }

                        if (route.Group.Name != group.Name)
                        {
                            continue;
                        }

                        segments.AddRange(space[0] == IndexKeys.VersionSpace[0]
                            ? Stored(view, kv.Value).Manifest.AllSegments()
                            : [ManifestSerializer.ReadUploadPart(kv.Value.Span).Segment]);
                    }

                    more = page.More && page.Kvs.Count > 0;
                    if (more)
                    {
                        from = [.. view.IndexKey(page.Kvs[^1]), 0x00];
                    }
                }
                catch (FenceFailedException e)
                {
                    RefreshAfter(e, ref fenceFailures);
                    view = ViewOf(group);
                    route = null;
                    continue;
                }

                foreach (var segment in segments)
                {
                    yield return segment;
                }

                if (!more)
                {
                    break;
                }
            }
        }
    }
}
