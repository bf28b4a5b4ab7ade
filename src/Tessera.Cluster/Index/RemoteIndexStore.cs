using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tessera.Cluster.Storage;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Cluster.Index;

/// <summary>
/// The index of another node (the index node), reached over its <see cref="IndexEndpoint"/>: a gateway on any node of
/// the cluster reads and writes the one index through it, so read-after-write and list-after-write hold across
/// gateways (every call is decided by the one RocksDB index, in the order it arrives). A call that cannot reach the
/// index node throws <see cref="StorageUnavailableException"/>: the S3 layer answers 503 ServiceUnavailable, which
/// clients retry.
/// </summary>
/// <remarks>
/// <para>This is the cluster's index until the range-sharded index on etcd replaces it (docs/design/cluster.md): the
/// index node is a single point of failure for metadata, not for data.</para>
/// <para>A mutation whose answer is lost (the connection broke after the index node committed) is reported as a
/// failure although it may have happened, as a timeout to any store: the caller's fragments then become garbage if
/// nothing references them, and an S3 client retries.</para>
/// </remarks>
public sealed class RemoteIndexStore : IIndexStore
{
    private readonly HttpClient _client;
    private readonly Uri _endpoint;
    private readonly ClusterAuthenticator _authenticator;
    private readonly TimeSpan _timeout;

    /// <summary>Reaches the index served at <paramref name="endpoint"/> (the index node's storage port).</summary>
    /// <param name="endpoint">Base URL of the index node's storage port.</param>
    /// <param name="client">A shared client with pooled connections (<see cref="RemoteDisk.CreateClient"/>).</param>
    /// <param name="authenticator">Signs calls with the cluster secret.</param>
    /// <param name="timeout">How long one call may take; default 10 s.</param>
    public RemoteIndexStore(Uri endpoint, HttpClient client, ClusterAuthenticator authenticator, TimeSpan? timeout = null)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _authenticator = authenticator ?? throw new ArgumentNullException(nameof(authenticator));
        _timeout = timeout ?? TimeSpan.FromSeconds(10);
    }

    private static IndexWire W => IndexWire.Default;

    /// <inheritdoc />
    public (BucketCreateResult Result, BucketInfo Bucket) CreateBucket(BucketInfo bucket)
    {
        var outcome = Call(nameof(CreateBucket), W.BucketCreateOutcome, Arg(bucket, W.BucketInfo))!;
        return (outcome.Result, outcome.Bucket);
    }

    /// <inheritdoc />
    public BucketInfo? GetBucket(string name) => Call(nameof(GetBucket), W.BucketInfo, Arg(name, W.String));

    /// <inheritdoc />
    public bool UpdateBucket(BucketInfo bucket) => Call(nameof(UpdateBucket), W.Boolean, Arg(bucket, W.BucketInfo));

    /// <inheritdoc />
    public IReadOnlyList<BucketInfo> ListBuckets() => Call(nameof(ListBuckets), W.ListBucketInfo) ?? [];

    /// <inheritdoc />
    public BucketDeleteResult DeleteBucket(string name) => Call(nameof(DeleteBucket), W.BucketDeleteResult, Arg(name, W.String));

    /// <inheritdoc />
    public ObjectManifest? GetObject(string bucket, string key, string? versionId = null, bool includeDeleteMarker = false) =>
        Call(nameof(GetObject), W.ObjectManifest, Arg(bucket, W.String), Arg(key, W.String), Arg(versionId, W.String), Arg(includeDeleteMarker, W.Boolean));

    /// <inheritdoc />
    public PutObjectResult PutObject(string bucket, ObjectManifest manifest, WriteCondition condition = default) =>
        Call(nameof(PutObject), W.PutObjectResult, Arg(bucket, W.String), Arg(manifest, W.ObjectManifest), Arg(condition, W.WriteCondition));

    /// <inheritdoc />
    public bool ReplaceManifest(string bucket, ObjectManifest manifest) =>
        Call(nameof(ReplaceManifest), W.Boolean, Arg(bucket, W.String), Arg(manifest, W.ObjectManifest));

    /// <inheritdoc />
    public bool TransitionVersion(string bucket, string key, string versionId, IReadOnlyList<Guid> expectedSegments, IReadOnlyList<SegmentManifest> newSegments, string storageClass) =>
        Call(
            nameof(TransitionVersion),
            W.Boolean,
            Arg(bucket, W.String),
            Arg(key, W.String),
            Arg(versionId, W.String),
            Arg(expectedSegments.ToList(), W.ListGuid),
            Arg(newSegments.ToList(), W.ListSegmentManifest),
            Arg(storageClass, W.String));

    /// <inheritdoc/>
    public bool SwapRestore(string bucket, string key, string versionId, ObjectRestore? expected, ObjectRestore? replacement) =>
        Call(nameof(SwapRestore), W.Boolean, Arg(bucket, W.String), Arg(key, W.String), Arg(versionId, W.String), Arg(expected, W.ObjectRestore), Arg(replacement, W.ObjectRestore));

    /// <inheritdoc />
    public DeleteObjectResult DeleteObject(string bucket, string key, string? versionId = null) =>
        Call(nameof(DeleteObject), W.DeleteObjectResult, Arg(bucket, W.String), Arg(key, W.String), Arg(versionId, W.String));

    /// <inheritdoc />
    public DeleteObjectResult DeleteObjectIfLatest(string bucket, string key, string? versionId, ulong latestSequence) =>
        Call(nameof(DeleteObjectIfLatest), W.DeleteObjectResult, Arg(bucket, W.String), Arg(key, W.String), Arg(versionId, W.String), Arg(latestSequence, W.UInt64));

    /// <inheritdoc />
    public byte[]? GetSystemRecord(string name) => Call(nameof(GetSystemRecord), W.ByteArray, Arg(name, W.String));

    /// <inheritdoc />
    public void PutSystemRecord(string name, byte[] value) => Call(nameof(PutSystemRecord), W.Boolean, Arg(name, W.String), Arg(value, W.ByteArray));

    /// <inheritdoc />
    public ObjectListing ListObjects(string bucket, ListObjectsQuery query) =>
        Call(nameof(ListObjects), W.ObjectListing, Arg(bucket, W.String), Arg(query, W.ListObjectsQuery))!;

    /// <inheritdoc />
    public VersionListing ListObjectVersions(string bucket, ListVersionsQuery query) =>
        Call(nameof(ListObjectVersions), W.VersionListing, Arg(bucket, W.String), Arg(query, W.ListVersionsQuery))!;

    /// <inheritdoc />
    public bool IsSegmentReferenced(Guid segment) => Call(nameof(IsSegmentReferenced), W.Boolean, Arg(segment, W.Guid));

    /// <inheritdoc />
    public IEnumerable<SegmentManifest> ReferencedSegments()
    {
        using var response = Send(nameof(ReferencedSegments), [], HttpCompletionOption.ResponseHeadersRead, Timeout.InfiniteTimeSpan);
        using var reader = new StreamReader(response.Content.ReadAsStream());
        while (reader.ReadLine() is { } line)
        {
            yield return JsonSerializer.Deserialize(line, W.SegmentManifest)!;
        }
    }

    /// <inheritdoc />
    public SegmentManifest? GetSegment(Guid segment) => Call(nameof(GetSegment), W.SegmentManifest, Arg(segment, W.Guid));

    /// <inheritdoc />
    public SegmentOwnerInfo? FindSegmentOwner(Guid segment) => Call(nameof(FindSegmentOwner), W.SegmentOwnerInfo, Arg(segment, W.Guid));

    /// <inheritdoc />
    public bool ReplaceSegmentDisks(Guid segment, IReadOnlyList<string> expected, IReadOnlyList<string> replacement) =>
        Call(nameof(ReplaceSegmentDisks), W.Boolean, Arg(segment, W.Guid), Arg(expected.ToList(), W.ListString), Arg(replacement.ToList(), W.ListString));

    /// <inheritdoc />
    public bool CreateUpload(MultipartUpload upload) => Call(nameof(CreateUpload), W.Boolean, Arg(upload, W.MultipartUpload));

    /// <inheritdoc />
    public MultipartUpload? GetUpload(string bucket, string key, string uploadId) =>
        Call(nameof(GetUpload), W.MultipartUpload, Arg(bucket, W.String), Arg(key, W.String), Arg(uploadId, W.String));

    /// <inheritdoc />
    public PutPartResult PutPart(string bucket, string key, string uploadId, UploadPart part) =>
        Call(nameof(PutPart), W.PutPartResult, Arg(bucket, W.String), Arg(key, W.String), Arg(uploadId, W.String), Arg(part, W.UploadPart));

    /// <inheritdoc />
    public PartListing? ListParts(string bucket, string key, string uploadId, int partNumberMarker, int maxParts) =>
        Call(nameof(ListParts), W.PartListing, Arg(bucket, W.String), Arg(key, W.String), Arg(uploadId, W.String), Arg(partNumberMarker, W.Int32), Arg(maxParts, W.Int32));

    /// <inheritdoc />
    public UploadListing ListUploads(string bucket, ListUploadsQuery query) =>
        Call(nameof(ListUploads), W.UploadListing, Arg(bucket, W.String), Arg(query, W.ListUploadsQuery))!;

    /// <inheritdoc />
    public CompleteResult CompleteUpload(string bucket, string key, string uploadId, IReadOnlyList<int> partNumbers, ObjectManifest manifest, WriteCondition condition = default) =>
        Call(nameof(CompleteUpload), W.CompleteResult, Arg(bucket, W.String), Arg(key, W.String), Arg(uploadId, W.String), Arg(partNumbers.ToList(), W.ListInt32), Arg(manifest, W.ObjectManifest), Arg(condition, W.WriteCondition));

    /// <inheritdoc />
    public AbortResult AbortUpload(string bucket, string key, string uploadId) =>
        Call(nameof(AbortUpload), W.AbortResult, Arg(bucket, W.String), Arg(key, W.String), Arg(uploadId, W.String));

    /// <inheritdoc />
    public CompletedUpload? GetCompletedUpload(string bucket, string key, string uploadId) =>
        Call(nameof(GetCompletedUpload), W.CompletedUpload, Arg(bucket, W.String), Arg(key, W.String), Arg(uploadId, W.String));

    /// <inheritdoc />
    public int PruneCompletedUploads(DateTimeOffset before) => Call(nameof(PruneCompletedUploads), W.Int32, Arg(before, W.DateTimeOffset));

    /// <inheritdoc />
    public IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max) =>
        Call(nameof(PeekGarbage), W.ListGarbageEntry, Arg(olderThan, W.DateTimeOffset), Arg(max, W.Int32)) ?? [];

    /// <inheritdoc />
    public void RemoveGarbage(IEnumerable<GarbageEntry> entries) => Call(nameof(RemoveGarbage), W.Boolean, Arg(entries.ToList(), W.ListGarbageEntry));

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">Always: snapshots are written on the index node, next to its RocksDB.</exception>
    public IndexSnapshotInfo WriteSnapshot(Stream destination) =>
        throw new NotSupportedException("Index snapshots are written by the index node.");

    /// <summary>Nothing to release: the client is shared.</summary>
    public void Dispose()
    {
    }

    private static JsonElement Arg<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToElement(value, type);

    private T? Call<T>(string method, JsonTypeInfo<T> result, params JsonElement[] args)
    {
        using var response = Send(method, args, HttpCompletionOption.ResponseContentRead, _timeout);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return default;
        }

        using var stream = response.Content.ReadAsStream();
        return JsonSerializer.Deserialize(stream, result);
    }

    private HttpResponseMessage Send(string method, JsonElement[] args, HttpCompletionOption completion, TimeSpan timeout)
    {
        var path = IndexEndpoint.Prefix + method;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint, path))
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(args, W.JsonElementArray)),
        };
        request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, _authenticator.Sign("POST", path));
        using var limit = new CancellationTokenSource(timeout);
        HttpResponseMessage response;
        try
        {
            response = _client.Send(request, completion, limit.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            throw new StorageUnavailableException($"The index node at {_endpoint} did not answer {method}: {e.Message}", e);
        }

        if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            var message = new StreamReader(response.Content.ReadAsStream()).ReadToEnd();
            response.Dispose();
            throw new ArgumentException(message);
        }

        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new StorageUnavailableException($"The index node at {_endpoint} refused {method}: {status}");
        }

        return response;
    }
}
