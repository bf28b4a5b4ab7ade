using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>One server (<see cref="SmallPartStoreFixture"/>).</summary>
public sealed class ManyPartsTests(SmallPartStoreFixture store) : ManyPartsTestsBase(store), IClassFixture<SmallPartStoreFixture>;

/// <summary>
/// The whole part-number range: an upload of 10,000 small parts, listed page by page and completed. On any
/// <see cref="IS3Target"/> with a 1-byte minimum part size: one server, or a cluster through its gateways.
/// </summary>
public abstract class ManyPartsTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TenThousandPartsUploadListAndComplete()
    {
        const int Parts = 10_000;
        var bucket = Names.Bucket("many");
        await _s3.PutBucketAsync(bucket, Ct);
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "many" }, Ct);
        var etags = new string[Parts + 1];
        await Parallel.ForAsync(1, Parts + 1, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (n, ct) =>
        {
            var body = BitConverter.GetBytes(n);
            etags[n] = (await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "many", UploadId = upload.UploadId, PartNumber = n, InputStream = new MemoryStream(body) }, ct)).ETag;
        });

        var listed = new List<int>();
        int? marker = null;
        for (var page = 0; page < 20; page++)
        {
            var response = await _s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "many", UploadId = upload.UploadId, PartNumberMarker = marker?.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Ct);
            listed.AddRange(response.Parts!.Select(p => p.PartNumber!.Value));
            if (response.IsTruncated != true)
            {
                break;
            }

            marker = response.NextPartNumberMarker;
        }

        Assert.Equal(Enumerable.Range(1, Parts), listed);
        var beyond = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "many", UploadId = upload.UploadId, PartNumber = Parts + 1, InputStream = new MemoryStream([1]) }, Ct));
        Assert.Equal("InvalidArgument", beyond.ErrorCode);

        var complete = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = "many",
            UploadId = upload.UploadId,
            PartETags = Enumerable.Range(1, Parts).Select(n => new PartETag(n, etags[n])).ToList(),
        }, Ct);
        Assert.EndsWith("-10000\"", complete.ETag, StringComparison.Ordinal);

        using var get = await _s3.GetObjectAsync(bucket, "many", Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        var bytes = buffer.ToArray();
        Assert.Equal(4 * Parts, bytes.Length);
        for (var n = 1; n <= Parts; n++)
        {
            Assert.Equal(n, BitConverter.ToInt32(bytes, (n - 1) * 4));
        }

        using var part = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "many", PartNumber = 7777 }, Ct);
        Assert.Equal(Parts, part.PartsCount);
        using var partBuffer = new MemoryStream();
        await part.ResponseStream.CopyToAsync(partBuffer, Ct);
        Assert.Equal(7777, BitConverter.ToInt32(partBuffer.ToArray()));
    }
}
