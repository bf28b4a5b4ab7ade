using System.Collections.Concurrent;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// A gateway's manifest cache in front of <see cref="EtcdIndexStore"/>: a GET of an object's current version is
/// answered from the cache only when the object's witness (<see cref="WitnessReader"/>: its guard's mod revision, read
/// after the GET began) is the one the cached manifest was read under; otherwise the manifest is read again. Every
/// other call goes to the index as it is.
/// </summary>
/// <remarks>
/// <para>Why it is never stale: every mutation of an object writes its guard in the same Txn. A cached entry holds the
/// group and guard revision W read before its manifest was read; when a later witness read still finds W in that group,
/// nothing changed the object between the two witness reads, so the manifest read in between is the object's state at
/// the later witness read, a moment inside the GET. A move copies the guard to another group under another revision,
/// and entries are keyed by group, so a move never makes an old entry look current.</para>
/// <para>What it saves: the manifest read (its bytes and decoding) on a hit, and, under concurrency, quorum reads:
/// witness questions to one group share one Txn. <see cref="SkipWitness"/> is the negative control of the tests.</para>
/// </remarks>
public sealed class WitnessCachedIndexStore : IIndexStore
{
    private readonly EtcdIndexStore _inner;
    private readonly WitnessReader _witness;
    private readonly ConcurrentDictionary<(string Bucket, string Key), Entry> _cache = new();
    private readonly int _capacity;
    private long _hits;
    private long _misses;

    /// <summary>A cache of at most <paramref name="capacity"/> manifests over <paramref name="inner"/>.</summary>
    public WitnessCachedIndexStore(EtcdIndexStore inner, WitnessReader witness, int capacity = 100_000)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(witness);
        _inner = inner;
        _witness = witness;
        _capacity = capacity;
    }

    /// <summary>
    /// TEST ONLY: answer from the cache without asking the witness: a deliberately stale cache, which the
    /// linearizability tests must catch.
    /// </summary>
    public bool SkipWitness { get; set; }

    /// <summary>GETs answered from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>GETs that read the manifest.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The witness reader (its Txn and question counts).</summary>
    public WitnessReader Witness => _witness;

    /// <inheritdoc/>
    public ObjectManifest? GetObject(string bucket, string key, string? versionId = null, bool includeDeleteMarker = false)
    {
        if (versionId is not null)
        {
            return _inner.GetObject(bucket, key, versionId, includeDeleteMarker);
        }

        ObjectManifest? current;
        if (SkipWitness && _cache.TryGetValue((bucket, key), out var unchecked_))
        {
            Interlocked.Increment(ref _hits);
            current = unchecked_.Manifest;
        }
        else
        {
            (string Group, long Revision) witness;
            try
            {
                witness = _witness.Read(bucket, key);
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                // No witness, no cache: the index's own linearizable read answers (and reports its own failure).
                Interlocked.Increment(ref _misses);
                return _inner.GetObject(bucket, key, null, includeDeleteMarker);
            }

            if (witness.Revision > 0 && _cache.TryGetValue((bucket, key), out var entry) && entry.Group == witness.Group && entry.Revision == witness.Revision)
            {
                Interlocked.Increment(ref _hits);
                current = entry.Manifest;
            }
            else
            {
                Interlocked.Increment(ref _misses);
                current = _inner.GetObject(bucket, key, null, includeDeleteMarker: true);
                if (witness.Revision > 0 && (_cache.Count < _capacity || _cache.ContainsKey((bucket, key))))
                {
                    _cache[(bucket, key)] = new Entry(witness.Group, witness.Revision, current);
                }
            }
        }

        return current is { IsDeleteMarker: true } && !includeDeleteMarker ? null : current;
    }

    /// <inheritdoc/>
    public (BucketCreateResult Result, BucketInfo Bucket) CreateBucket(BucketInfo bucket) => _inner.CreateBucket(bucket);

    /// <inheritdoc/>
    public BucketInfo? GetBucket(string name) => _inner.GetBucket(name);

    /// <inheritdoc/>
    public bool UpdateBucket(BucketInfo bucket) => _inner.UpdateBucket(bucket);

    /// <inheritdoc/>
    public IReadOnlyList<BucketInfo> ListBuckets() => _inner.ListBuckets();

    /// <inheritdoc/>
    public BucketDeleteResult DeleteBucket(string name) => _inner.DeleteBucket(name);

    /// <inheritdoc/>
    public PutObjectResult PutObject(string bucket, ObjectManifest manifest, WriteCondition condition = default) => _inner.PutObject(bucket, manifest, condition);

    /// <inheritdoc/>
    public bool ReplaceManifest(string bucket, ObjectManifest manifest) => _inner.ReplaceManifest(bucket, manifest);

    /// <inheritdoc/>
    public bool TransitionVersion(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass) =>
        _inner.TransitionVersion(bucket, key, versionId, expectedSegments, newSegments, storageClass);

    /// <inheritdoc/>
    public bool SwapRestore(string bucket, string key, string versionId, ObjectRestore? expected, ObjectRestore? replacement) =>
        _inner.SwapRestore(bucket, key, versionId, expected, replacement);

    /// <inheritdoc/>
    public DeleteObjectResult DeleteObject(string bucket, string key, string? versionId = null) => _inner.DeleteObject(bucket, key, versionId);

    /// <inheritdoc/>
    public DeleteObjectResult DeleteObjectIfLatest(string bucket, string key, string? versionId, ulong latestSequence) =>
        _inner.DeleteObjectIfLatest(bucket, key, versionId, latestSequence);

    /// <inheritdoc/>
    public byte[]? GetSystemRecord(string name) => _inner.GetSystemRecord(name);

    /// <inheritdoc/>
    public void PutSystemRecord(string name, byte[] value) => _inner.PutSystemRecord(name, value);

    /// <inheritdoc/>
    public ObjectListing ListObjects(string bucket, ListObjectsQuery query) => _inner.ListObjects(bucket, query);

    /// <inheritdoc/>
    public VersionListing ListObjectVersions(string bucket, ListVersionsQuery query) => _inner.ListObjectVersions(bucket, query);

    /// <inheritdoc/>
    public bool IsSegmentReferenced(Guid segment) => _inner.IsSegmentReferenced(segment);

    /// <inheritdoc/>
    public IEnumerable<SegmentManifest> ReferencedSegments() => _inner.ReferencedSegments();

    /// <inheritdoc/>
    public SegmentManifest? GetSegment(Guid segment) => _inner.GetSegment(segment);

    /// <inheritdoc/>
    public SegmentOwnerInfo? FindSegmentOwner(Guid segment) => _inner.FindSegmentOwner(segment);

    /// <inheritdoc/>
    public bool ReplaceSegmentDisks(Guid segment, IReadOnlyList<string> expected, IReadOnlyList<string> replacement) => _inner.ReplaceSegmentDisks(segment, expected, replacement);

    /// <inheritdoc/>
    public bool CreateUpload(MultipartUpload upload) => _inner.CreateUpload(upload);

    /// <inheritdoc/>
    public MultipartUpload? GetUpload(string bucket, string key, string uploadId) => _inner.GetUpload(bucket, key, uploadId);

    /// <inheritdoc/>
    public PutPartResult PutPart(string bucket, string key, string uploadId, UploadPart part) => _inner.PutPart(bucket, key, uploadId, part);

    /// <inheritdoc/>
    public PartListing? ListParts(string bucket, string key, string uploadId, int partNumberMarker, int maxParts) => _inner.ListParts(bucket, key, uploadId, partNumberMarker, maxParts);

    /// <inheritdoc/>
    public UploadListing ListUploads(string bucket, ListUploadsQuery query) => _inner.ListUploads(bucket, query);

    /// <inheritdoc/>
    public CompleteResult CompleteUpload(string bucket, string key, string uploadId, IReadOnlyList<int> partNumbers, ObjectManifest manifest, WriteCondition condition = default) =>
        _inner.CompleteUpload(bucket, key, uploadId, partNumbers, manifest, condition);

    /// <inheritdoc/>
    public AbortResult AbortUpload(string bucket, string key, string uploadId) => _inner.AbortUpload(bucket, key, uploadId);

    /// <inheritdoc/>
    public CompletedUpload? GetCompletedUpload(string bucket, string key, string uploadId) => _inner.GetCompletedUpload(bucket, key, uploadId);

    /// <inheritdoc/>
    public int PruneCompletedUploads(DateTimeOffset before) => _inner.PruneCompletedUploads(before);

    /// <inheritdoc/>
    public IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max) => _inner.PeekGarbage(olderThan, max);

    /// <inheritdoc/>
    public void RemoveGarbage(IEnumerable<GarbageEntry> entries) => _inner.RemoveGarbage(entries);

    /// <inheritdoc/>
    public IndexSnapshotInfo WriteSnapshot(Stream destination) => _inner.WriteSnapshot(destination);

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();

    private sealed record Entry(string Group, long Revision, ObjectManifest? Manifest);
}
