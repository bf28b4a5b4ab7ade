using System.Text.Json.Serialization;
using Tessera.Index;

namespace Tessera.Cluster.Index;

/// <summary>
/// Source-generated JSON for the index protocol (<see cref="IndexEndpoint"/>, <see cref="RemoteIndexStore"/>): the
/// arguments and results of every <see cref="IIndexStore"/> call.
/// </summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(BucketInfo))]
[JsonSerializable(typeof(BucketCreateOutcome))]
[JsonSerializable(typeof(List<BucketInfo>))]
[JsonSerializable(typeof(BucketDeleteResult))]
[JsonSerializable(typeof(ObjectManifest))]
[JsonSerializable(typeof(ObjectRestore))]
[JsonSerializable(typeof(WriteCondition))]
[JsonSerializable(typeof(PutObjectResult))]
[JsonSerializable(typeof(DeleteObjectResult))]
[JsonSerializable(typeof(ListObjectsQuery))]
[JsonSerializable(typeof(ObjectListing))]
[JsonSerializable(typeof(ListVersionsQuery))]
[JsonSerializable(typeof(VersionListing))]
[JsonSerializable(typeof(SegmentManifest))]
[JsonSerializable(typeof(SegmentOwnerInfo))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<Guid>))]
[JsonSerializable(typeof(List<SegmentManifest>))]
[JsonSerializable(typeof(MultipartUpload))]
[JsonSerializable(typeof(UploadPart))]
[JsonSerializable(typeof(PutPartResult))]
[JsonSerializable(typeof(PartListing))]
[JsonSerializable(typeof(ListUploadsQuery))]
[JsonSerializable(typeof(UploadListing))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(CompleteResult))]
[JsonSerializable(typeof(AbortResult))]
[JsonSerializable(typeof(CompletedUpload))]
[JsonSerializable(typeof(List<GarbageEntry>))]
[JsonSerializable(typeof(IndexSnapshotInfo))]
[JsonSerializable(typeof(System.Text.Json.JsonElement[]))]
internal sealed partial class IndexWire : JsonSerializerContext;

/// <summary>The result of CreateBucket on the wire (a tuple does not serialize by name).</summary>
/// <param name="Result">Created or exists.</param>
/// <param name="Bucket">The bucket as stored.</param>
internal sealed record BucketCreateOutcome(BucketCreateResult Result, BucketInfo Bucket);
