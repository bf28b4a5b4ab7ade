using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Tessera.Cluster.Storage;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Cluster.Index;

/// <summary>
/// Serves the index node's <see cref="IIndexStore"/> to the gateways of the other nodes (<see cref="RemoteIndexStore"/>):
/// <c>POST /_tessera/index/v1/{Method}</c> with the arguments as a JSON array, answered with the result as JSON. Every
/// call runs on the one local index, so each mutation stays one atomic, synced RocksDB write and every read sees every
/// acknowledged write: the gateways of a cluster share one strongly consistent index. Authenticated with the cluster
/// secret, like the storage endpoint; <c>ReferencedSegments</c> streams one segment a line.
/// </summary>
public sealed class IndexEndpoint
{
    /// <summary>The path every index request starts with.</summary>
    public const string Prefix = "/_tessera/index/v1/";

    private const int MaxBody = 64 * 1024 * 1024;

    private readonly IIndexStore _index;
    private readonly ClusterAuthenticator _authenticator;

    /// <summary>Serves <paramref name="index"/> to callers that hold the cluster secret.</summary>
    public IndexEndpoint(IIndexStore index, ClusterAuthenticator authenticator)
    {
        _index = index ?? throw new ArgumentNullException(nameof(index));
        _authenticator = authenticator ?? throw new ArgumentNullException(nameof(authenticator));
    }

    /// <summary>Whether <paramref name="context"/> is addressed to the index endpoint.</summary>
    public static bool Handles(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Path.StartsWithSegments(Prefix.TrimEnd('/'), StringComparison.Ordinal);
    }

    /// <summary>Serves one call.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var response = context.Response;
        var target = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        if (_authenticator.Verify(request.Headers[ClusterProtocol.AuthHeader], request.Method, target) is null)
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (!HttpMethods.IsPost(request.Method) || request.ContentLength is null or > MaxBody)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var method = (request.Path.Value ?? "")[Prefix.Length..];
        var body = new byte[(int)request.ContentLength.Value];
        await request.Body.ReadExactlyAsync(body, context.RequestAborted).ConfigureAwait(false);
        JsonElement[] args;
        try
        {
            args = JsonSerializer.Deserialize(body, IndexWire.Default.JsonElementArray) ?? [];
        }
        catch (JsonException)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (method == nameof(IIndexStore.ReferencedSegments))
        {
            await StreamSegmentsAsync(response, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        byte[] result;
        try
        {
            result = await Task.Run(() => Invoke(method, args), context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            // The index refused the arguments (a segment reused, say): the caller gets the same exception.
            response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            await response.WriteAsync(e.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        catch (StorageUnavailableException e)
        {
            // The index could not complete the call (etcd did not confirm a bucket record, say): the caller answers 503.
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await response.WriteAsync(e.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            await response.WriteAsync(e.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (result.Length == 0)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        response.ContentType = "application/json";
        response.ContentLength = result.Length;
        await response.Body.WriteAsync(result, context.RequestAborted).ConfigureAwait(false);
    }

    private byte[] Invoke(string method, JsonElement[] a)
    {
        var w = IndexWire.Default;
        return method switch
        {
            nameof(IIndexStore.CreateBucket) => Json(Create(Arg(a, 0, w.BucketInfo)), w.BucketCreateOutcome),
            nameof(IIndexStore.GetBucket) => Json(_index.GetBucket(Arg(a, 0, w.String)), w.BucketInfo),
            nameof(IIndexStore.UpdateBucket) => Json(_index.UpdateBucket(Arg(a, 0, w.BucketInfo)), w.Boolean),
            nameof(IIndexStore.ListBuckets) => Json(_index.ListBuckets().ToList(), w.ListBucketInfo),
            nameof(IIndexStore.DeleteBucket) => Json(_index.DeleteBucket(Arg(a, 0, w.String)), w.BucketDeleteResult),
            nameof(IIndexStore.GetObject) => Json(_index.GetObject(Arg(a, 0, w.String), Arg(a, 1, w.String), Opt(a, 2, w.String), Arg(a, 3, w.Boolean)), w.ObjectManifest),
            nameof(IIndexStore.PutObject) => Json(_index.PutObject(Arg(a, 0, w.String), Arg(a, 1, w.ObjectManifest), Arg(a, 2, w.WriteCondition)), w.PutObjectResult),
            nameof(IIndexStore.ReplaceManifest) => Json(_index.ReplaceManifest(Arg(a, 0, w.String), Arg(a, 1, w.ObjectManifest)), w.Boolean),
            nameof(IIndexStore.TransitionVersion) => Json(
                _index.TransitionVersion(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String), Arg(a, 3, w.ListGuid), Arg(a, 4, w.ListSegmentManifest), Arg(a, 5, w.String)),
                w.Boolean),
            nameof(IIndexStore.SwapRestore) => Json(_index.SwapRestore(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String), Opt(a, 3, w.ObjectRestore), Opt(a, 4, w.ObjectRestore)), w.Boolean),
            nameof(IIndexStore.DeleteObject) => Json(_index.DeleteObject(Arg(a, 0, w.String), Arg(a, 1, w.String), Opt(a, 2, w.String)), w.DeleteObjectResult),
            nameof(IIndexStore.DeleteObjectIfLatest) => Json(_index.DeleteObjectIfLatest(Arg(a, 0, w.String), Arg(a, 1, w.String), Opt(a, 2, w.String), Arg(a, 3, w.UInt64)), w.DeleteObjectResult),
            nameof(IIndexStore.GetSystemRecord) => Json(_index.GetSystemRecord(Arg(a, 0, w.String)), w.ByteArray),
            nameof(IIndexStore.PutSystemRecord) => PutSystem(Arg(a, 0, w.String), Arg(a, 1, w.ByteArray)),
            nameof(IIndexStore.ListObjects) => Json(_index.ListObjects(Arg(a, 0, w.String), Arg(a, 1, w.ListObjectsQuery)), w.ObjectListing),
            nameof(IIndexStore.ListObjectVersions) => Json(_index.ListObjectVersions(Arg(a, 0, w.String), Arg(a, 1, w.ListVersionsQuery)), w.VersionListing),
            nameof(IIndexStore.IsSegmentReferenced) => Json(_index.IsSegmentReferenced(Arg(a, 0, w.Guid)), w.Boolean),
            nameof(IIndexStore.GetSegment) => Json(_index.GetSegment(Arg(a, 0, w.Guid)), w.SegmentManifest),
            nameof(IIndexStore.FindSegmentOwner) => Json(_index.FindSegmentOwner(Arg(a, 0, w.Guid)), w.SegmentOwnerInfo),
            nameof(IIndexStore.ReplaceSegmentDisks) => Json(_index.ReplaceSegmentDisks(Arg(a, 0, w.Guid), Arg(a, 1, w.ListString), Arg(a, 2, w.ListString)), w.Boolean),
            nameof(IIndexStore.CreateUpload) => Json(_index.CreateUpload(Arg(a, 0, w.MultipartUpload)), w.Boolean),
            nameof(IIndexStore.GetUpload) => Json(_index.GetUpload(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String)), w.MultipartUpload),
            nameof(IIndexStore.PutPart) => Json(_index.PutPart(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String), Arg(a, 3, w.UploadPart)), w.PutPartResult),
            nameof(IIndexStore.ListParts) => Json(_index.ListParts(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String), Arg(a, 3, w.Int32), Arg(a, 4, w.Int32)), w.PartListing),
            nameof(IIndexStore.ListUploads) => Json(_index.ListUploads(Arg(a, 0, w.String), Arg(a, 1, w.ListUploadsQuery)), w.UploadListing),
            nameof(IIndexStore.CompleteUpload) => Json(_index.CompleteUpload(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String), Arg(a, 3, w.ListInt32), Arg(a, 4, w.ObjectManifest), Arg(a, 5, w.WriteCondition)), w.CompleteResult),
            nameof(IIndexStore.AbortUpload) => Json(_index.AbortUpload(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String)), w.AbortResult),
            nameof(IIndexStore.GetCompletedUpload) => Json(_index.GetCompletedUpload(Arg(a, 0, w.String), Arg(a, 1, w.String), Arg(a, 2, w.String)), w.CompletedUpload),
            nameof(IIndexStore.PruneCompletedUploads) => Json(_index.PruneCompletedUploads(Arg(a, 0, w.DateTimeOffset)), w.Int32),
            nameof(IIndexStore.PeekGarbage) => Json(_index.PeekGarbage(Arg(a, 0, w.DateTimeOffset), Arg(a, 1, w.Int32)).ToList(), w.ListGarbageEntry),
            nameof(IIndexStore.RemoveGarbage) => Remove(Arg(a, 0, w.ListGarbageEntry)),
            _ => throw new InvalidOperationException($"No index method {method}."),
        };
    }

    private BucketCreateOutcome Create(BucketInfo bucket)
    {
        var (result, stored) = _index.CreateBucket(bucket);
        return new BucketCreateOutcome(result, stored);
    }

    private byte[] PutSystem(string name, byte[] value)
    {
        _index.PutSystemRecord(name, value);
        return Json(true, IndexWire.Default.Boolean);
    }

    private byte[] Remove(List<GarbageEntry> entries)
    {
        _index.RemoveGarbage(entries);
        return Json(true, IndexWire.Default.Boolean);
    }

    private async Task StreamSegmentsAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.ContentType = "application/x-ndjson";
        var newline = new byte[] { (byte)'\n' };
        foreach (var segment in _index.ReferencedSegments())
        {
            await response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(segment, IndexWire.Default.SegmentManifest), cancellationToken).ConfigureAwait(false);
            await response.Body.WriteAsync(newline, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A result as JSON; a null result is an empty body (answered 404, read back as null).</summary>
    private static byte[] Json<T>(T? value, JsonTypeInfo<T> type) => value is null ? [] : JsonSerializer.SerializeToUtf8Bytes(value, type);

    private static T Arg<T>(JsonElement[] args, int index, JsonTypeInfo<T> type) =>
        args[index].Deserialize(type) ?? throw new ArgumentException($"Argument {index} is null.");

    private static T? Opt<T>(JsonElement[] args, int index, JsonTypeInfo<T> type)
        where T : class =>
        args[index].ValueKind == JsonValueKind.Null ? null : args[index].Deserialize(type);
}
