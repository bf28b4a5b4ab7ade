using Tessera.Index;

namespace Tessera.Benchmarks.Listing;

/// <summary>An index that holds one bucket and answers every listing with the same prepared page; nothing else.</summary>
internal sealed class ListingIndexStub(BucketInfo bucket, ObjectListing page) : IIndexStore
{
    public BucketInfo? GetBucket(string name) => name == bucket.Name ? bucket : null;

    public ObjectListing ListObjects(string bucketName, ListObjectsQuery query) => page;

    public (BucketCreateResult Result, BucketInfo Bucket) CreateBucket(BucketInfo info) => throw new NotSupportedException();

    public bool UpdateBucket(BucketInfo info) => throw new NotSupportedException();

    public IReadOnlyList<BucketInfo> ListBuckets() => throw new NotSupportedException();

    public BucketDeleteResult DeleteBucket(string name) => throw new NotSupportedException();

    public ObjectManifest? GetObject(string bucketName, string key, string? versionId = null, bool includeDeleteMarker = false) => throw new NotSupportedException();

    public PutObjectResult PutObject(string bucketName, ObjectManifest manifest, WriteCondition condition = default) => throw new NotSupportedException();

    public bool ReplaceManifest(string bucketName, ObjectManifest manifest) => throw new NotSupportedException();

    public bool TransitionVersion(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass) =>
        throw new NotSupportedException();

    /// <inheritdoc/>
    public bool SwapRestore(string bucket, string key, string versionId, ObjectRestore? expected, ObjectRestore? replacement) => throw new NotSupportedException();

    public DeleteObjectResult DeleteObject(string bucketName, string key, string? versionId = null) => throw new NotSupportedException();

    public DeleteObjectResult DeleteObjectIfLatest(string bucketName, string key, string? versionId, ulong latestSequence) => throw new NotSupportedException();

    public byte[]? GetSystemRecord(string name) => throw new NotSupportedException();

    public void PutSystemRecord(string name, byte[] value) => throw new NotSupportedException();

    public VersionListing ListObjectVersions(string bucketName, ListVersionsQuery query) => throw new NotSupportedException();

    public bool IsSegmentReferenced(Guid segment) => throw new NotSupportedException();

    public IEnumerable<SegmentManifest> ReferencedSegments() => throw new NotSupportedException();

    public SegmentManifest? GetSegment(Guid segment) => throw new NotSupportedException();

    public SegmentOwnerInfo? FindSegmentOwner(Guid segment) => throw new NotSupportedException();

    public bool ReplaceSegmentDisks(Guid segment, IReadOnlyList<string> expected, IReadOnlyList<string> replacement) => throw new NotSupportedException();

    public bool CreateUpload(MultipartUpload upload) => throw new NotSupportedException();

    public MultipartUpload? GetUpload(string bucketName, string key, string uploadId) => throw new NotSupportedException();

    public PutPartResult PutPart(string bucketName, string key, string uploadId, UploadPart part) => throw new NotSupportedException();

    public PartListing? ListParts(string bucketName, string key, string uploadId, int partNumberMarker, int maxParts) => throw new NotSupportedException();

    public UploadListing ListUploads(string bucketName, ListUploadsQuery query) => throw new NotSupportedException();

    public CompleteResult CompleteUpload(string bucketName, string key, string uploadId, IReadOnlyList<int> partNumbers, ObjectManifest manifest, WriteCondition condition = default) => throw new NotSupportedException();

    public AbortResult AbortUpload(string bucketName, string key, string uploadId) => throw new NotSupportedException();

    public CompletedUpload? GetCompletedUpload(string bucket, string key, string uploadId) => throw new NotSupportedException();

    public int PruneCompletedUploads(DateTimeOffset before) => throw new NotSupportedException();

    public IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max) => throw new NotSupportedException();

    public void RemoveGarbage(IEnumerable<GarbageEntry> entries) => throw new NotSupportedException();

    public IndexSnapshotInfo WriteSnapshot(Stream destination) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
