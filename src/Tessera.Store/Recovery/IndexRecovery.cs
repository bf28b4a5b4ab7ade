using System.Globalization;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Recovery;

/// <summary>
/// Rebuilds a lost index offline (docs/design/index-recovery.md): restores the newest snapshot that passes its checks
/// from any data disk, then walks every fragment and completion record and re-inserts, in last-modified order and
/// through the normal index commits (so versioning semantics hold), every version and part the snapshot does not
/// reference and has not queued as garbage.
/// </summary>
public static class IndexRecovery
{
    /// <summary>One segment found on the disks and not known to the restored index.</summary>
    private sealed class Found(int shards)
    {
        public string[] Disks { get; } = Enumerable.Repeat("", shards).ToArray();

        public int Fragments { get; set; }

        public RecoveryRecord? Record { get; set; }
    }

    /// <summary>Runs the recovery; the store must not be running.</summary>
    /// <param name="metaDir">The index directory to rebuild.</param>
    /// <param name="disks">The data disks' directories and placement weights, in disk-id order (disk1, disk2, …).</param>
    /// <param name="region">The region recovered buckets are recorded in.</param>
    /// <param name="rootAccessKey">The owner of buckets whose fragments name none.</param>
    /// <param name="force">Replace an index that still holds buckets or objects (moved aside to <c>&lt;meta&gt;.replaced-&lt;time&gt;</c>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="log">Progress lines (rejected snapshots).</param>
    /// <exception cref="InvalidOperationException">The meta directory holds an index with buckets and <paramref name="force"/> is false.</exception>
    public static IndexRecoveryReport Run(string metaDir, IReadOnlyList<(string Path, double Weight)> disks, string region, string rootAccessKey, bool force, TimeProvider time, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(disks);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        PrepareMetaDirectory(metaDir, force, time);

        // 1. The newest snapshot that passes its checks, from any disk.
        string? snapshotPath = null;
        IndexSnapshotInfo? snapshot = null;
        var rejected = 0;
        foreach (var candidate in IndexSnapshots.List(disks.Select(d => d.Path)))
        {
            try
            {
                snapshot = RocksDbIndexStore.RestoreSnapshot(() => File.OpenRead(candidate.Path), metaDir, time);
                snapshotPath = candidate.Path;
                break;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                rejected++;
                log.WriteLine($"Snapshot {candidate.Path} rejected: {e.Message}");
            }
        }

        var opened = disks.Select((d, i) =>
        {
            var id = "disk" + (i + 1).ToString(CultureInfo.InvariantCulture);
            return (IDisk)new LocalDisk(id, d.Path, new DiskLabels(id, id, Environment.MachineName), d.Weight);
        }).ToList();

        using var index = new RocksDbIndexStore(metaDir, time);
        var fromSnapshot = CountVersions(index);
        var garbage = index.PeekGarbage(DateTimeOffset.MaxValue, int.MaxValue).Select(g => g.Segment.Segment).ToHashSet();

        // 2. Every fragment of a segment the index does not know: where it is, and its trailer.
        var found = new Dictionary<Guid, Found>();
        long scanned = 0;
        long skipped = 0;
        foreach (var disk in opened)
        {
            foreach (var id in SafeList(disk.ListFragments))
            {
                scanned++;
                if (garbage.Contains(id.Segment) || index.IsSegmentReferenced(id.Segment))
                {
                    continue;
                }

                using var reader = disk.OpenFragment(id);
                if (reader is null)
                {
                    continue;
                }

                var shards = reader.Header.DataShards + reader.Header.ParityShards;
                if (!found.TryGetValue(id.Segment, out var segment))
                {
                    found[id.Segment] = segment = new Found(shards);
                }

                if (id.Index >= segment.Disks.Length)
                {
                    continue;
                }

                segment.Disks[id.Index] = disk.Id;
                segment.Fragments++;
                segment.Record ??= reader.ReadTrailer() is { } trailer ? RecoveryRecord.TryRead(trailer) : null;
            }
        }

        // 3. Completion records of multipart objects the index does not know.
        var completions = new Dictionary<Guid, RecoveryRecord>();
        foreach (var disk in opened)
        {
            foreach (var id in SafeList(disk.ListRecords))
            {
                if (!completions.ContainsKey(id) && !garbage.Contains(id)
                    && disk.ReadRecord(id) is { } bytes && RecoveryRecord.TryRead(bytes) is { Kind: RecoveryRecordKind.Completion } record
                    && (!index.IsSegmentReferenced(id) || IsOpenPart(index, record, id)))
                {
                    // Unknown to the index, or still a part of an upload the snapshot holds open: completed since.
                    completions[id] = record;
                }
            }
        }

        var claimed = completions.Values.SelectMany(c => c.Manifest!.Segments).Select(s => s.Segment).ToHashSet();
        var events = new List<RecoveryRecord>();
        foreach (var (id, segment) in found)
        {
            if (segment.Record is not { } record)
            {
                skipped++; // No readable trailer (a format 1 fragment): nothing to re-derive from.
                continue;
            }

            // A completed object's part is restored by its completion record (unless its upload is in the snapshot).
            if (record.Kind != RecoveryRecordKind.Completion
                && !(record.Kind == RecoveryRecordKind.Part && claimed.Contains(id) && index.GetUpload(record.Bucket, record.Key, record.UploadId!) is null))
            {
                events.Add(record);
            }
        }

        events.AddRange(completions.Values);
        events.Sort((a, b) =>
        {
            var order = a.LastModified.CompareTo(b.LastModified);
            return order != 0 ? order : a.Kind.CompareTo(b.Kind);
        });

        // 4. Buckets only the disks name.
        var bucketsCreated = 0;
        foreach (var group in events.GroupBy(e => e.Bucket, StringComparer.Ordinal))
        {
            if (index.GetBucket(group.Key) is not null)
            {
                continue;
            }

            var versioned = group.Any(e => e.Manifest is { } m && m.VersionId != RocksDbIndexStore.NullVersionId);
            var owner = group.Select(e => e.Manifest?.Owner).FirstOrDefault(o => !string.IsNullOrEmpty(o)) ?? rootAccessKey;
            index.CreateBucket(new BucketInfo(group.Key, owner, group.First().LastModified, region, versioned ? VersioningState.Enabled : VersioningState.Unversioned));
            bucketsCreated++;
        }

        // 5. Replay, oldest first, through the normal commits.
        long objects = 0;
        long parts = 0;
        foreach (var record in events)
        {
            var applied = record.Kind switch
            {
                RecoveryRecordKind.Version => ApplyVersion(index, record, found),
                RecoveryRecordKind.Part => ApplyPart(index, record, found),
                _ => ApplyCompletion(index, record, found),
            };
            if (!applied)
            {
                skipped++;
            }
            else if (record.Kind == RecoveryRecordKind.Part)
            {
                parts++;
            }
            else
            {
                objects++;
            }
        }

        return new IndexRecoveryReport
        {
            SnapshotPath = snapshotPath,
            Snapshot = snapshot,
            SnapshotsRejected = rejected,
            ObjectsFromSnapshot = fromSnapshot,
            ObjectsRederived = objects,
            PartsRederived = parts,
            BucketsCreated = bucketsCreated,
            SegmentsSkipped = skipped,
            FragmentsScanned = scanned,
        };
    }

    /// <summary>
    /// Refuses an index that holds buckets or objects unless forced; an index without either (or a forced one) is moved aside,
    /// keeping the generated root credentials.
    /// </summary>
    private static void PrepareMetaDirectory(string metaDir, bool force, TimeProvider time)
    {
        if (!File.Exists(Path.Join(metaDir, "CURRENT")))
        {
            Directory.CreateDirectory(metaDir);
            return;
        }

        bool hasBuckets;
        using (var existing = new RocksDbIndexStore(metaDir, time))
        {
            // A cluster's index node keeps its bucket records in etcd: its objects say it is in use.
            hasBuckets = existing.ListBuckets().Count > 0 || existing.HoldsObjects();
        }

        if (hasBuckets && !force)
        {
            throw new InvalidOperationException($"{metaDir} holds an index with buckets or objects; stop the server and pass --force to replace it (it is moved aside).");
        }

        var aside = $"{metaDir.TrimEnd('/')}.replaced-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
        Directory.Move(metaDir, aside);
        Directory.CreateDirectory(metaDir);
        var credentials = Path.Join(aside, "root-credentials.json");
        if (File.Exists(credentials))
        {
            File.Copy(credentials, Path.Join(metaDir, "root-credentials.json"));
        }
    }

    /// <summary>Whether <paramref name="segment"/> is a stored part of the completion's upload (open in the index).</summary>
    private static bool IsOpenPart(RocksDbIndexStore index, RecoveryRecord completion, Guid segment) =>
        index.GetUpload(completion.Bucket, completion.Key, completion.UploadId!) is not null
        && index.ListParts(completion.Bucket, completion.Key, completion.UploadId!, 0, RocksDbIndexStore.MaxPartNumber) is { } listing
        && listing.Parts.Any(p => p.Segment.Segment == segment);

    private static bool ApplyVersion(RocksDbIndexStore index, RecoveryRecord record, Dictionary<Guid, Found> found)
    {
        var manifest = record.Manifest!;
        if (manifest.Segments.Count != 1 || WithDisks(manifest.Segments[0], found) is not { } segment)
        {
            return false;
        }

        var bucket = index.GetBucket(record.Bucket)!;
        if (bucket.Versioning != VersioningState.Enabled
            && index.GetObject(record.Bucket, record.Key, includeDeleteMarker: true) is { } current && current.LastModified > manifest.LastModified)
        {
            return false; // A newer version of the key is already current: this one was replaced.
        }

        return Put(index, record.Bucket, manifest with { Segments = [segment] });
    }

    private static bool ApplyPart(RocksDbIndexStore index, RecoveryRecord record, Dictionary<Guid, Found> found)
    {
        var part = record.Part!;
        if (index.GetUpload(record.Bucket, record.Key, record.UploadId!) is null || WithDisks(part.Segment, found) is not { } segment)
        {
            return false; // An orphan part (its upload is unknown): left for the garbage collector.
        }

        try
        {
            return index.PutPart(record.Bucket, record.Key, record.UploadId!, part with { Segment = segment }).Status == PutPartStatus.Stored;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool ApplyCompletion(RocksDbIndexStore index, RecoveryRecord record, Dictionary<Guid, Found> found)
    {
        var manifest = record.Manifest!;
        var partNumbers = manifest.Segments.Select(s => s.PartNumber).ToList();
        if (index.GetUpload(record.Bucket, record.Key, record.UploadId!) is not null)
        {
            // The upload was open at snapshot time: its parts are stored (from the snapshot, or replayed before this).
            var listing = index.ListParts(record.Bucket, record.Key, record.UploadId!, 0, RocksDbIndexStore.MaxPartNumber);
            var stored = listing?.Parts.ToDictionary(p => p.PartNumber) ?? [];
            var segments = new List<SegmentManifest>();
            foreach (var wanted in manifest.Segments)
            {
                if (!stored.TryGetValue(wanted.PartNumber, out var part) || part.Segment.Segment != wanted.Segment)
                {
                    return false;
                }

                segments.Add(part.Segment);
            }

            try
            {
                return index.CompleteUpload(record.Bucket, record.Key, record.UploadId!, partNumbers, manifest with { Segments = segments }).Status == CompleteStatus.Completed;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        var located = new List<SegmentManifest>();
        foreach (var wanted in manifest.Segments)
        {
            if (WithDisks(wanted, found) is not { } segment)
            {
                return false;
            }

            located.Add(segment);
        }

        return Put(index, record.Bucket, manifest with { Segments = located });
    }

    private static bool Put(RocksDbIndexStore index, string bucket, ObjectManifest manifest)
    {
        try
        {
            return index.PutObject(bucket, manifest).Status == PutObjectStatus.Committed;
        }
        catch (ArgumentException)
        {
            return false; // A segment another version already lists.
        }
    }

    /// <summary>The segment with the disks its fragments were found on; null when fewer than k were found.</summary>
    private static SegmentManifest? WithDisks(SegmentManifest segment, Dictionary<Guid, Found> found) =>
        found.TryGetValue(segment.Segment, out var where) && where.Fragments >= segment.DataShards
            && where.Disks.Length == segment.DataShards + segment.ParityShards
            ? segment with { Disks = where.Disks }
            : null;

    private static long CountVersions(RocksDbIndexStore index)
    {
        long count = 0;
        foreach (var bucket in index.ListBuckets())
        {
            string? keyMarker = null;
            string? versionMarker = null;
            while (true)
            {
                var page = index.ListObjectVersions(bucket.Name, new ListVersionsQuery("", null, keyMarker, versionMarker, 1000));
                count += page.Versions.Count;
                if (!page.IsTruncated)
                {
                    break;
                }

                (keyMarker, versionMarker) = (page.NextKeyMarker, page.NextVersionIdMarker);
            }
        }

        return count;
    }

    /// <summary>A disk's listing, empty when the disk cannot be listed (a failed disk holds nothing to recover).</summary>
    private static List<T> SafeList<T>(Func<IEnumerable<T>> list)
    {
        try
        {
            return list().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
