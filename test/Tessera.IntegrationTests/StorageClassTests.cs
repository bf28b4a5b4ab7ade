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

        var index = store.Server.Services.Index;
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

    private static (int, int) Code(Tessera.Index.ObjectManifest manifest) =>
        (manifest.Segments[0].DataShards, manifest.Segments[0].ParityShards);
}
