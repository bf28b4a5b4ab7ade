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

    /// <summary>Deletes an empty bucket atomically with the emptiness check.</summary>
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
    /// Replaces the stored manifest of an existing version (same key, version id and segments) by a metadata-only
    /// change such as new tags; the latest pointer follows when it is that version. Queues no garbage. False when
    /// the version does not exist.
    /// </summary>
    bool ReplaceManifest(string bucket, ObjectManifest manifest);

    /// <summary>
    /// Deletes the current version (unversioned buckets: removes it) or a specific version; queues its segments
    /// as garbage in the same write. Deleting a missing key succeeds (S3 semantics).
    /// </summary>
    DeleteObjectResult DeleteObject(string bucket, string key, string? versionId = null);

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
    /// Seam for multipart uploads: uploaded parts will hold references of their own (the reference record carries a
    /// kind for this) from UploadPart until CompleteMultipartUpload moves them to the version in its commit.
    /// </remarks>
    bool IsSegmentReferenced(Guid segment);

    /// <summary>Garbage entries queued before <paramref name="olderThan"/>, oldest first, at most <paramref name="max"/>.</summary>
    IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max);

    /// <summary>Removes garbage entries once their fragments are deleted.</summary>
    void RemoveGarbage(IEnumerable<GarbageEntry> entries);
}
