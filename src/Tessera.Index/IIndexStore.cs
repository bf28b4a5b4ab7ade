namespace Tessera.Index;

/// <summary>
/// The index plane's contract: buckets and key → versions → manifests, with every mutation atomic and durable
/// (synced) before it returns. A single node implements it over one RocksDB; a cluster will implement it over
/// range-sharded consensus groups. All reads are linearizable with respect to completed writes.
/// </summary>
public interface IIndexStore : IDisposable
{
    /// <summary>Creates a bucket unless one with that name exists; returns what happened and the bucket as stored.</summary>
    (BucketCreateResult Result, BucketInfo Bucket) CreateBucket(BucketInfo bucket);

    /// <summary>The bucket, or null.</summary>
    BucketInfo? GetBucket(string name);

    /// <summary>Replaces a bucket's record (versioning, later lifecycle); false when it does not exist.</summary>
    bool UpdateBucket(BucketInfo bucket);

    /// <summary>Every bucket, sorted by name.</summary>
    IReadOnlyList<BucketInfo> ListBuckets();

    /// <summary>
    /// Deletes an empty bucket atomically with the emptiness check: no object, no version or delete marker, and no
    /// open multipart upload.
    /// </summary>
    BucketDeleteResult DeleteBucket(string name);

    /// <summary>
    /// The current version of a key (null when absent or when the newest version is a delete marker and
    /// <paramref name="includeDeleteMarker"/> is false), or the given version.
    /// </summary>
    ObjectManifest? GetObject(string bucket, string key, string? versionId = null, bool includeDeleteMarker = false);

    /// <summary>
    /// Commits a new version atomically: checks the bucket exists and the condition holds, writes the manifest and
    /// moves the latest pointer in one synced write. In unversioned and suspended buckets it replaces the
    /// <c>null</c> version; the segments no longer referenced are queued as garbage in the same write.
    /// </summary>
    /// <remarks>
    /// The index assigns <see cref="ObjectManifest.Sequence"/> (the caller's value is ignored) and the version id:
    /// <c>null</c> in unversioned and suspended buckets; in enabled buckets the caller's id, or a generated one when
    /// the caller gives none (empty or <c>null</c>). <see cref="PutObjectResult.Stored"/> is the manifest as stored.
    /// Every segment belongs to exactly one version: a manifest that lists a segment twice, or one a stored version
    /// already lists, is refused with <see cref="ArgumentException"/>.
    /// </remarks>
    PutObjectResult PutObject(string bucket, ObjectManifest manifest, WriteCondition condition = default);

    /// <summary>
    /// Replaces the stored manifest of an existing version (same key and version id) by a metadata-only change such as
    /// new tags; the latest pointer follows when it is that version. The stored segments (their disks included) and
    /// storage class are kept, whatever <paramref name="manifest"/> lists: a transition or a repair may have moved them
    /// since the caller read it. Queues no garbage. False when the version does not exist.
    /// </summary>
    bool ReplaceManifest(string bucket, ObjectManifest manifest);

    /// <summary>
    /// Moves an existing version to another storage class (a lifecycle transition): in one synced write, if version
    /// <paramref name="versionId"/> of <paramref name="key"/> still exists and lists exactly the segments
    /// <paramref name="expectedSegments"/> (a compare-and-set on the version read), its manifest gets
    /// <paramref name="newSegments"/> and <paramref name="storageClass"/> and keeps everything else (sequence, version
    /// id, ETag, checksums, metadata, tags, last-modified time); the latest pointer follows when it is that version; the
    /// new segments' references are written and the old segments' released (queued as garbage), unless
    /// <paramref name="newSegments"/> are the expected ones (a change of class only). False, writing nothing, when the
    /// version is gone, is a delete marker or lists other segments.
    /// </summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The key.</param>
    /// <param name="versionId">The version id (<c>null</c> for the null version).</param>
    /// <param name="expectedSegments">The segment ids the version must still list, in order.</param>
    /// <param name="newSegments">The version's segments after the move, in the same order (part numbers kept).</param>
    /// <param name="storageClass">The version's storage class after the move.</param>
    /// <exception cref="ArgumentException">
    /// A new segment listed twice or already referenced by another version or part, or a count that differs from the
    /// expected one.
    /// </exception>
    bool TransitionVersion(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass);

    /// <summary>
    /// Compare-and-set of a version's restore state (<see cref="ObjectManifest.Restore"/>): when version
    /// <paramref name="versionId"/> of <paramref name="key"/> exists and its restore state is
    /// <paramref name="expected"/> (<see cref="ObjectRestore.SameState"/>; null for none), replaces it by
    /// <paramref name="replacement"/> (null drops it) in one synced write, with everything else of the version as
    /// stored. Restored segments that <paramref name="replacement"/> adds are referenced by the version in that write;
    /// those it drops are queued as garbage in it. False (nothing written) when the version is gone, is a delete marker,
    /// or its restore state changed meanwhile.
    /// </summary>
    /// <exception cref="ArgumentException">A new restored segment that a version or part already references.</exception>
    bool SwapRestore(string bucket, string key, string versionId, ObjectRestore? expected, ObjectRestore? replacement);

    /// <summary>
    /// Deletes the current version (unversioned buckets: removes it) or a specific version; queues its segments
    /// as garbage in the same write. Deleting a missing key succeeds (S3 semantics).
    /// </summary>
    DeleteObjectResult DeleteObject(string bucket, string key, string? versionId = null);

    /// <summary>
    /// Deletes exactly as <see cref="DeleteObject"/> does, but only while the key's latest version (a delete marker
    /// included) is still the one with sequence <paramref name="latestSequence"/>, decided atomically with the write;
    /// otherwise writes nothing and answers <see cref="DeleteObjectResult.PreconditionFailed"/>. The lifecycle worker
    /// expires a current version with it, so a version written after the one it evaluated is never deleted or hidden.
    /// </summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The key.</param>
    /// <param name="versionId">A specific version to remove, or null for the current one (a delete marker in versioned buckets).</param>
    /// <param name="latestSequence">The <see cref="ObjectManifest.Sequence"/> the key's latest version must still have.</param>
    DeleteObjectResult DeleteObjectIfLatest(string bucket, string key, string? versionId, ulong latestSequence);

    /// <summary>One page of current objects in UTF-8 binary key order, with <c>delimiter</c> roll-up.</summary>
    ObjectListing ListObjects(string bucket, ListObjectsQuery query);

    /// <summary>
    /// One page of every version and delete marker (S3 ListObjectVersions): keys in UTF-8 binary order, each key's
    /// versions newest first, with <c>delimiter</c> roll-up.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A version-id marker without a key marker, or one that names no version of the key marker (S3 answers both with
    /// 400 InvalidArgument).
    /// </exception>
    VersionListing ListObjectVersions(string bucket, ListVersionsQuery query);

    /// <summary>
    /// Whether a stored version's manifest lists <paramref name="segment"/>. Exact: the reference is written and removed
    /// in the same atomic write as the version record. An unreferenced segment's fragments are garbage once no write
    /// can still commit them: a PUT writes its fragments before it commits, so only fragments older than the longest
    /// possible PUT may be collected on this answer.
    /// </summary>
    /// <remarks>
    /// A stored multipart part references its segment too, from <see cref="PutPart"/> until the part is replaced,
    /// aborted or left out of the completion (then its segment is queued as garbage in the same write) or completed
    /// (then the version references it, in the completing write).
    /// </remarks>
    bool IsSegmentReferenced(Guid segment);

    /// <summary>
    /// Every segment referenced by a stored version (its manifest) or a stored multipart part, each once, streamed
    /// from one consistent view of the index (for the scrubber): nothing is materialized, so it runs in constant
    /// memory whatever the store holds. Segments queued as garbage are not referenced and do not appear.
    /// </summary>
    IEnumerable<SegmentManifest> ReferencedSegments();

    /// <summary>The segment as the index records it (its disks included), or null when nothing references it.</summary>
    SegmentManifest? GetSegment(Guid segment);

    /// <summary>The version or open upload part that holds <paramref name="segment"/>, or null.</summary>
    SegmentOwnerInfo? FindSegmentOwner(Guid segment);

    /// <summary>
    /// Moves fragments of a segment: replaces its disk list (one disk id per shard index) wherever the segment is
    /// recorded, atomically and synced, if it is still <paramref name="expected"/>. False when the segment is no longer
    /// referenced or its disks changed meanwhile (a compare-and-set: repair commits new locations with it).
    /// </summary>
    bool ReplaceSegmentDisks(Guid segment, IReadOnlyList<string> expected, IReadOnlyList<string> replacement);

    /// <summary>
    /// Records a new multipart upload (CreateMultipartUpload); false when the bucket does not exist. Synced, atomic
    /// with the bucket check.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An invalid key or upload id (empty, U+0000), an id that another upload already has, a template whose key differs
    /// from the upload's or that has segments or is a delete marker.
    /// </exception>
    bool CreateUpload(MultipartUpload upload);

    /// <summary>The open upload with that id for that bucket and key, or null (none, completed, aborted, or another key's).</summary>
    MultipartUpload? GetUpload(string bucket, string key, string uploadId);

    /// <summary>
    /// Stores a part of an open upload (UploadPart), replacing any earlier part with the same number, whose segment is
    /// queued as garbage in the same synced write; the new segment is referenced in it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A part number outside 1..10000.</exception>
    /// <exception cref="ArgumentException">
    /// The segment's part number differs from the part's, or the segment is already referenced (by a version or a part).
    /// </exception>
    PutPartResult PutPart(string bucket, string key, string uploadId, UploadPart part);

    /// <summary>
    /// One page of an upload's parts (ListParts), ascending part number, after <paramref name="partNumberMarker"/>;
    /// null when the upload does not exist.
    /// </summary>
    PartListing? ListParts(string bucket, string key, string uploadId, int partNumberMarker, int maxParts);

    /// <summary>
    /// One page of a bucket's open uploads (ListMultipartUploads): keys in UTF-8 binary order, each key's uploads in
    /// initiation order, with <c>delimiter</c> roll-up.
    /// </summary>
    UploadListing ListUploads(string bucket, ListUploadsQuery query);

    /// <summary>
    /// Completes an upload (CompleteMultipartUpload) in one synced write: checks the upload exists and each listed part
    /// is still the stored one, applies <paramref name="condition"/>, commits <paramref name="manifest"/> exactly as
    /// <see cref="PutObject"/> does, removes the upload and all its parts, and queues as garbage the segments of the
    /// stored parts not listed.
    /// </summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The upload's key.</param>
    /// <param name="uploadId">The upload id.</param>
    /// <param name="partNumbers">The parts to assemble, ascending (validated by the caller against <see cref="ListParts"/>).</param>
    /// <param name="manifest">
    /// The object version: key, version id and attributes from the upload's template, <see cref="ObjectManifest.Segments"/>
    /// the listed parts' segments in the same order, size, multipart ETag (<c>-N</c>) and checksums.
    /// </param>
    /// <param name="condition">If-None-Match / If-Match on the key's current version.</param>
    /// <exception cref="ArgumentException">
    /// An empty or unordered part list, one whose length differs from the manifest's segments, or a manifest for
    /// another key or a delete marker.
    /// </exception>
    CompleteResult CompleteUpload(string bucket, string key, string uploadId, IReadOnlyList<int> partNumbers, ObjectManifest manifest, WriteCondition condition = default);

    /// <summary>
    /// Aborts an upload (AbortMultipartUpload): removes it and its parts and queues their segments as garbage, in one
    /// synced write.
    /// </summary>
    AbortResult AbortUpload(string bucket, string key, string uploadId);

    /// <summary>
    /// The completed upload <paramref name="uploadId"/> of <paramref name="bucket"/>/<paramref name="key"/>, while
    /// the index remembers it (<see cref="PruneCompletedUploads"/>), or null.
    /// </summary>
    CompletedUpload? GetCompletedUpload(string bucket, string key, string uploadId);

    /// <summary>Forgets the completed uploads completed before <paramref name="before"/>; returns how many.</summary>
    int PruneCompletedUploads(DateTimeOffset before);

    /// <summary>Garbage entries queued before <paramref name="olderThan"/>, oldest first, at most <paramref name="max"/>.</summary>
    IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max);

    /// <summary>Removes garbage entries once their fragments are deleted.</summary>
    void RemoveGarbage(IEnumerable<GarbageEntry> entries);

    /// <summary>
    /// Streams every key/value of one consistent view of the index into <paramref name="destination"/> in the
    /// <see cref="IndexSnapshot"/> format, without blocking writes, in bounded memory.
    /// </summary>
    IndexSnapshotInfo WriteSnapshot(Stream destination);

    /// <summary>
    /// A small record the store's own background services keep in the index (the lifecycle worker's cursor), by name,
    /// or null when none was written. Not part of any bucket: bucket and object operations never see it.
    /// </summary>
    /// <param name="name">The record's name (non-empty, no U+0000).</param>
    byte[]? GetSystemRecord(string name);

    /// <summary>Writes (replaces) the system record <paramref name="name"/>, synced, at most 64 KiB.</summary>
    /// <param name="name">The record's name (non-empty, no U+0000).</param>
    /// <param name="value">The bytes to keep.</param>
    void PutSystemRecord(string name, byte[] value);
}
