using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>A store where REDUCED_REDUNDANCY objects are coded RS(4,1) and everything else RS(4,2).</summary>
public sealed class StorageClassStoreFixture : StoreFixture, IStorageClassTarget
{
    public (int DataShards, int ParityShards) ReducedRedundancy => (4, 1);

    public Tessera.Index.ObjectManifest? Manifest(string bucket, string key) => Server.Store.Index.GetObject(bucket, key);

    protected override void Configure(ServerOptions options) => options.StorageClasses["REDUCED_REDUNDANCY"] = "4+1";
}

/// <summary>One server (<see cref="StorageClassStoreFixture"/>).</summary>
public sealed class StorageClassTests(StorageClassStoreFixture store) : StorageClassTestsBase(store), IClassFixture<StorageClassStoreFixture>;

/// <summary>
/// Storage classes coded each with its own policy, small objects as m + 1 copies, on any <see cref="IStorageClassTarget"/>:
/// one server, or a cluster through its gateways.
/// </summary>
public abstract class StorageClassTestsBase(IStorageClassTarget store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachStorageClassIsCodedWithItsOwnPolicy()
    {
        var bucket = Names.Bucket("sc");
        await _s3.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes(3_000_000, 4);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "standard", InputStream = new MemoryStream(data) }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "reduced", InputStream = new MemoryStream(data), StorageClass = S3StorageClass.ReducedRedundancy }, Ct);
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "reduced-mp", StorageClass = S3StorageClass.ReducedRedundancy }, Ct);
        var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "reduced-mp", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(data) }, Ct);
        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "reduced-mp", UploadId = upload.UploadId, PartETags = [new PartETag(1, part.ETag)] }, Ct);

        var reduced = store.ReducedRedundancy;
        Assert.Equal((4, 2), Code(store.Manifest(bucket, "standard")!));
        Assert.Equal(reduced, Code(store.Manifest(bucket, "reduced")!));
        Assert.Equal(reduced, Code(store.Manifest(bucket, "reduced-mp")!));
        Assert.Equal(reduced.DataShards + reduced.ParityShards, store.Manifest(bucket, "reduced")!.Segments[0].Disks.Count);
        foreach (var key in new[] { "standard", "reduced", "reduced-mp" })
        {
            using var get = await _s3.GetObjectAsync(bucket, key, Ct);
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.Equal(data, buffer.ToArray());
        }

        var head = await _s3.GetObjectMetadataAsync(bucket, "reduced", Ct);
        Assert.Equal(S3StorageClass.ReducedRedundancy, head.StorageClass);
    }

    [Fact]
    public async Task SmallObjectsAreStoredAsMPlusOneCopiesOfTheirClass()
    {
        var bucket = Names.Bucket("copies");
        await _s3.PutBucketAsync(bucket, Ct);
        var small = Names.RandomBytes(4096, 5);
        var large = Names.RandomBytes(64 * 1024, 6);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "small", InputStream = new MemoryStream(small) }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "small-rr", InputStream = new MemoryStream(small), StorageClass = S3StorageClass.ReducedRedundancy }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "large", InputStream = new MemoryStream(large) }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "empty", InputStream = new MemoryStream() }, Ct);

        Assert.Equal((1, 2), Code(store.Manifest(bucket, "small")!));
        Assert.Equal((1, store.ReducedRedundancy.ParityShards), Code(store.Manifest(bucket, "small-rr")!));
        Assert.Equal((4, 2), Code(store.Manifest(bucket, "large")!));
        Assert.Equal((1, 2), Code(store.Manifest(bucket, "empty")!));
        var disks = store.Manifest(bucket, "small")!.Segments[0].Disks;
        Assert.Equal(3, disks.Count);
        Assert.Equal(3, disks.Distinct().Count());

        using (var get = await _s3.GetObjectAsync(bucket, "small", Ct))
        {
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.Equal(small, buffer.ToArray());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(small)), get.ETag.Trim('"'));
        }

        using var range = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "small-rr", ByteRange = new ByteRange(100, 1099) }, Ct);
        using var part = new MemoryStream();
        await range.ResponseStream.CopyToAsync(part, Ct);
        Assert.Equal(small.AsSpan(100, 1000).ToArray(), part.ToArray());
        Assert.Equal(S3StorageClass.ReducedRedundancy, (await _s3.GetObjectMetadataAsync(bucket, "small-rr", Ct)).StorageClass);
    }

    private static (int DataShards, int ParityShards) Code(Tessera.Index.ObjectManifest manifest) =>
        (manifest.Segments[0].DataShards, manifest.Segments[0].ParityShards);
}
