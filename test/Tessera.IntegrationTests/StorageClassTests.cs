using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>A store where REDUCED_REDUNDANCY objects are coded RS(4,1) and everything else RS(4,2).</summary>
public sealed class StorageClassStoreFixture : StoreFixture
{
    protected override void Configure(ServerOptions options) => options.StorageClasses["REDUCED_REDUNDANCY"] = "4+1";
}

public sealed class StorageClassTests(StorageClassStoreFixture store) : IClassFixture<StorageClassStoreFixture>
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

        var index = store.Server.Store.Index;
        Assert.Equal((4, 2), Code(index.GetObject(bucket, "standard")!));
        Assert.Equal((4, 1), Code(index.GetObject(bucket, "reduced")!));
        Assert.Equal((4, 1), Code(index.GetObject(bucket, "reduced-mp")!));
        Assert.Equal(5, index.GetObject(bucket, "reduced")!.Segments[0].Disks.Count);
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

        var index = store.Server.Store.Index;
        Assert.Equal((1, 2), Code(index.GetObject(bucket, "small")!));
        Assert.Equal((1, 1), Code(index.GetObject(bucket, "small-rr")!));
        Assert.Equal((4, 2), Code(index.GetObject(bucket, "large")!));
        Assert.Equal((1, 2), Code(index.GetObject(bucket, "empty")!));
        var disks = index.GetObject(bucket, "small")!.Segments[0].Disks;
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

    private static (int, int) Code(Tessera.Index.ObjectManifest manifest) =>
        (manifest.Segments[0].DataShards, manifest.Segments[0].ParityShards);
}
