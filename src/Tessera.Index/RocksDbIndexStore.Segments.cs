using System.Buffers.Binary;
using RocksDbSharp;

namespace Tessera.Index;

/// <content>Segment references: which segments a manifest lists, for collecting orphaned fragments.</content>
public sealed partial class RocksDbIndexStore
{
    /// <summary>
    /// The layout version this build writes (<c>07 'M'</c>): 1 = version records come with segment references;
    /// 2 = multipart uploads (<c>08 'U'</c>, <c>09 'P'</c>, <c>0A 'I'</c>, part references), which a build that reads
    /// only layout 1 would mishandle (it would delete a bucket with open uploads).
    /// </summary>
    internal const ulong CurrentLayout = 2;

    /// <summary>The first layout with segment references.</summary>
    private const ulong SegmentReferenceLayout = 1;

    private const int UpgradeBatchRecords = 1024;

    /// <inheritdoc/>
    /// <remarks>One point read of <c>06 'R' segment</c> (bloom-filtered, so a miss rarely touches disk).</remarks>
    public bool IsSegmentReferenced(Guid segment)
    {
        ThrowIfDisposed();
        return HasSegmentReference(segment);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Walks the version keyspace (<c>03 'V'</c>), then the part keyspace (<c>09 'P'</c>), on one RocksDB snapshot, so
    /// a completion that moves a part's segment to its version during the walk cannot make it appear twice (or not
    /// at all): every segment belongs to exactly one version or part. Lazy; dispose the enumerator to release the
    /// snapshot early.
    /// </remarks>
    public IEnumerable<SegmentManifest> ReferencedSegments()
    {
        ThrowIfDisposed();
        return Walk();

        IEnumerable<SegmentManifest> Walk()
        {
            using var snapshot = _db.CreateSnapshot();
            var readOptions = new ReadOptions().SetSnapshot(snapshot);
            using (var versions = _db.NewIterator(null, readOptions))
            {
                for (versions.Seek(IndexKeys.VersionSpace); versions.Valid() && versions.GetKeySpan().StartsWith(IndexKeys.VersionSpace); versions.Next())
                {
                    var manifest = ManifestSerializer.ReadObjectManifest(versions.GetValueSpan());
                    foreach (var segment in manifest.AllSegments())
                    {
                        yield return segment;
                    }
                }
            }

            using var parts = _db.NewIterator(null, readOptions);
            for (parts.Seek(IndexKeys.PartSpace); parts.Valid() && parts.GetKeySpan().StartsWith(IndexKeys.PartSpace); parts.Next())
            {
                yield return ManifestSerializer.ReadUploadPart(parts.GetValueSpan()).Segment;
            }
        }
    }

    /// <summary>The version that references <paramref name="segment"/>, or null (tests, diagnostics).</summary>
    internal SegmentReference? FindSegmentReference(Guid segment)
    {
        ThrowIfDisposed();
        Span<byte> key = stackalloc byte[IndexKeys.SegmentReferenceKeyLength];
        IndexKeys.SegmentReference(key, segment);
        return _db.Get(key, SegmentReferenceDecoder);
    }

    /// <summary>Whether a segment-reference record exists for <paramref name="segment"/>.</summary>
    private bool HasSegmentReference(Guid segment)
    {
        Span<byte> key = stackalloc byte[IndexKeys.SegmentReferenceKeyLength];
        IndexKeys.SegmentReference(key, segment);
        return _db.HasKey(key);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when a new version lists a segment twice or one that a version or a part
    /// already references, except the segments in <paramref name="ownSegments"/> (the parts of the upload being
    /// completed). A segment belongs to exactly one version or part, so that removing one never queues as garbage the
    /// fragments of a segment another still lists. (A guard against caller bugs: two racing writes of different keys
    /// that share a new segment are not detected.)
    /// </summary>
    private void EnsureSegmentsAreNew(ObjectManifest manifest, IReadOnlySet<Guid>? ownSegments)
    {
        var seen = manifest.Segments.Count > 1 ? new HashSet<Guid>(manifest.Segments.Count) : null;
        foreach (var segment in manifest.Segments)
        {
            if (seen is not null && !seen.Add(segment.Segment))
            {
                throw new ArgumentException($"The manifest lists segment {segment.Segment:N} twice.", nameof(manifest));
            }

            if (ownSegments?.Contains(segment.Segment) != true && HasSegmentReference(segment.Segment))
            {
                throw new ArgumentException($"Segment {segment.Segment:N} already belongs to another version or part.", nameof(manifest));
            }
        }
    }

    /// <summary>
    /// Brings a database written by an older build up to <see cref="CurrentLayout"/>. Layout 0 had no segment
    /// references: they are built from the version records in unsynced batches, then the mark is written synced
    /// (syncing the WAL before it); a crash in between redoes the idempotent puts on the next open. A fresh database
    /// just gets the mark, and so does layout 1 (it has no uploads, which is all layout 2 adds). Throws
    /// <see cref="InvalidDataException"/> for a database from a newer build.
    /// </summary>
    private void UpgradeLayout()
    {
        Span<byte> mark = stackalloc byte[8];
        var layout = _db.GetFixedSizeValue(IndexKeys.LayoutKey, mark) ? BinaryPrimitives.ReadUInt64BigEndian(mark) : 0;
        if (layout == CurrentLayout)
        {
            return;
        }

        if (layout > CurrentLayout)
        {
            throw new InvalidDataException($"The index has layout version {layout}; this build reads up to {CurrentLayout}.");
        }

        var batch = new WriteBatch();
        try
        {
            using var iterator = _db.NewIterator();
            for (iterator.Seek(IndexKeys.VersionSpace); layout < SegmentReferenceLayout && iterator.Valid(); iterator.Next())
            {
                var key = iterator.GetKeySpan();
                if (!key.StartsWith(IndexKeys.VersionSpace))
                {
                    break;
                }

                var bucketLength = key[2..].IndexOf(IndexKeys.Separator);
                if (bucketLength < 0)
                {
                    throw new InvalidDataException("A version key has no bucket separator.");
                }

                var bucket = RecordWriter.StrictUtf8.GetString(key.Slice(2, bucketLength));
                PutSegmentReferences(batch, bucket, ManifestSerializer.ReadObjectManifest(iterator.GetValueSpan()));
                if (batch.Count() >= UpgradeBatchRecords)
                {
                    _db.Write(batch);
                    batch.Dispose();
                    batch = new WriteBatch();
                }
            }

            BinaryPrimitives.WriteUInt64BigEndian(mark, CurrentLayout);
            batch.Put(IndexKeys.LayoutKey, mark);
            _db.Write(batch, _syncWrite);
        }
        finally
        {
            batch.Dispose();
        }
    }
}
