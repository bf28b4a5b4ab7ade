using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;

namespace Tessera.IntegrationTests;

/// <summary>One server (<see cref="StoreFixture"/>).</summary>
public sealed class MultipartTests(StoreFixture store) : MultipartTestsBase(store), IClassFixture<StoreFixture>;

/// <summary>Multipart uploads as S3 clients see them, on any <see cref="IS3Target"/>: one server, or a cluster through its gateways.</summary>
public abstract class MultipartTestsBase(IS3Target store)
{
    private const int MiB = 1024 * 1024;
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> NewBucketAsync()
    {
        var name = Names.Bucket("mp");
        await _s3.PutBucketAsync(name, Ct);
        return name;
    }

    private static string ExpectedETag(IEnumerable<byte[]> parts) =>
        "\"" + Convert.ToHexStringLower(MD5.HashData(parts.SelectMany(p => MD5.HashData(p)).ToArray())) + "-" + parts.Count() + "\"";

    private async Task<byte[]> ReadAllAsync(string bucket, string key, int? partNumber = null)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, PartNumber = partNumber }, Ct);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    private async Task<string> UploadPartAsync(string bucket, string key, string uploadId, int number, byte[] data) =>
        (await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = key, UploadId = uploadId, PartNumber = number, InputStream = new MemoryStream(data) }, Ct)).ETag;

    [Fact]
    public async Task PartsUploadedInParallelCompleteIntoOneObjectWithTheMultipartETag()
    {
        var bucket = await NewBucketAsync();
        var parts = new[] { Names.RandomBytes(5 * MiB, 1), Names.RandomBytes(5 * MiB + 17, 2), Names.RandomBytes(MiB / 3, 3) };
        var create = new InitiateMultipartUploadRequest { BucketName = bucket, Key = "big/object.bin", ContentType = "application/x-test" };
        create.Metadata["origin"] = "multipart";
        var upload = await _s3.InitiateMultipartUploadAsync(create, Ct);
        var etags = await Task.WhenAll(parts.Select((p, i) => UploadPartAsync(bucket, "big/object.bin", upload.UploadId, i + 1, p)));
        for (var i = 0; i < parts.Length; i++)
        {
            Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(parts[i]))}\"", etags[i]);
        }

        var complete = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = "big/object.bin",
            UploadId = upload.UploadId,
            PartETags = etags.Select((e, i) => new PartETag(i + 1, e)).ToList(),
        }, Ct);
        Assert.Equal(ExpectedETag(parts), complete.ETag);

        var whole = parts.SelectMany(p => p).ToArray();
        Assert.Equal(whole, await ReadAllAsync(bucket, "big/object.bin"));
        var head = await _s3.GetObjectMetadataAsync(bucket, "big/object.bin", Ct);
        Assert.Equal(whole.Length, head.ContentLength);
        Assert.Equal("application/x-test", head.Headers.ContentType);
        Assert.Equal("multipart", head.Metadata["origin"]);

        using var second = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "big/object.bin", PartNumber = 2 }, Ct);
        Assert.Equal(3, second.PartsCount);
        Assert.Equal($"bytes {5 * MiB}-{(10 * MiB) + 16}/{whole.Length}", second.ContentRange);
        Assert.Equal(parts[1], await ReadAllAsync(bucket, "big/object.bin", 2));

        using var range = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "big/object.bin", ByteRange = new ByteRange((5 * MiB) - 10, (5 * MiB) + 9) }, Ct);
        using var rangeBuffer = new MemoryStream();
        await range.ResponseStream.CopyToAsync(rangeBuffer, Ct);
        Assert.Equal(whole[((5 * MiB) - 10)..((5 * MiB) + 10)], rangeBuffer.ToArray());

        var uploads = await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, Ct);
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public async Task CompletionChecksThePartListAsS3Does()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "k" }, Ct);
        var small = await UploadPartAsync(bucket, "k", upload.UploadId, 1, Names.RandomBytes(1000, 1));
        var big1 = await UploadPartAsync(bucket, "k", upload.UploadId, 2, Names.RandomBytes(5 * MiB, 2));
        var big2 = await UploadPartAsync(bucket, "k", upload.UploadId, 3, Names.RandomBytes(100, 3));

        async Task<AmazonS3Exception> CompleteAsync(params PartETag[] list) =>
            await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "k", UploadId = upload.UploadId, PartETags = list.ToList() }, Ct));

        // The SDK sorts the part list it sends, so the descending list goes out raw.
        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Post, $"/{bucket}/k", $"uploadId={upload.UploadId}",
            $"<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>{big2}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{big1}</ETag></Part></CompleteMultipartUpload>");
        Assert.Equal(400, status);
        Assert.Contains("<Code>InvalidPartOrder</Code>", body, StringComparison.Ordinal);
        Assert.Equal("InvalidPart", (await CompleteAsync(new PartETag(2, "\"00000000000000000000000000000000\""))).ErrorCode);
        Assert.Equal("InvalidPart", (await CompleteAsync(new PartETag(7, big1))).ErrorCode);
        var tooSmall = await CompleteAsync(new PartETag(1, small), new PartETag(2, big1));
        Assert.Equal("EntityTooSmall", tooSmall.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooSmall.StatusCode);

        var bogus = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "k", UploadId = "no-such-upload", PartETags = [new PartETag(2, big1)] }, Ct));
        Assert.Equal("NoSuchUpload", bogus.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, bogus.StatusCode);

        // The upload survived every refused completion and completes with a valid list.
        var done = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "k", UploadId = upload.UploadId, PartETags = [new PartETag(2, big1), new PartETag(3, big2)] }, Ct);
        Assert.EndsWith("-2\"", done.ETag, StringComparison.Ordinal);
        var again = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "k", UploadId = upload.UploadId, PartETags = [new PartETag(2, big1)] }, Ct));
        Assert.Equal("NoSuchUpload", again.ErrorCode);
    }

    [Fact]
    public async Task ReuploadingAPartReplacesItAndAbortForgetsTheUpload()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "r" }, Ct);
        await UploadPartAsync(bucket, "r", upload.UploadId, 1, Names.RandomBytes(100, 1));
        var replacement = Names.RandomBytes(200, 2);
        var etag = await UploadPartAsync(bucket, "r", upload.UploadId, 1, replacement);
        var parts = await _s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "r", UploadId = upload.UploadId }, Ct);
        var only = Assert.Single(parts.Parts!);
        Assert.Equal(etag, only.ETag);
        Assert.Equal(200, only.Size);

        var listed = await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, Ct);
        Assert.Equal(upload.UploadId, Assert.Single(listed.MultipartUploads!).UploadId);
        var notEmpty = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.DeleteBucketAsync(bucket, Ct));
        Assert.Equal("BucketNotEmpty", notEmpty.ErrorCode);

        var abort = await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = "r", UploadId = upload.UploadId }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, abort.HttpStatusCode);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "r", UploadId = upload.UploadId }, Ct));
        Assert.Equal("NoSuchUpload", gone.ErrorCode);
        var late = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => UploadPartAsync(bucket, "r", upload.UploadId, 2, [1, 2, 3]));
        Assert.Equal("NoSuchUpload", late.ErrorCode);
        Assert.Empty((await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, Ct)).MultipartUploads ?? []);
        await _s3.DeleteBucketAsync(bucket, Ct);
    }

    [Fact]
    public async Task AClientThatDiesResumesWithListPartsAndFinishesBitExact()
    {
        var bucket = await NewBucketAsync();
        var data = Names.RandomBytes((5 * MiB * 3) + 12_345, 77);
        const int PartSize = 5 * MiB;
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "resume" }, Ct);
        await UploadPartAsync(bucket, "resume", upload.UploadId, 1, data[..PartSize]);
        await UploadPartAsync(bucket, "resume", upload.UploadId, 3, data[(2 * PartSize)..(3 * PartSize)]);

        // A new client, knowing only the upload id, asks what is there and sends the rest.
        using var resumed = store.CreateClient(StoreFixture.RootKey, StoreFixture.RootSecret);
        var have = await resumed.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "resume", UploadId = upload.UploadId }, Ct);
        var present = have.Parts!.Select(p => p.PartNumber!.Value).ToHashSet();
        Assert.Equal([1, 3], present.Order());
        var etags = have.Parts!.ToDictionary(p => p.PartNumber!.Value, p => p.ETag);
        for (var n = 1; n <= 4; n++)
        {
            if (!present.Contains(n))
            {
                var slice = data[((n - 1) * PartSize)..Math.Min(n * PartSize, data.Length)];
                etags[n] = (await resumed.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "resume", UploadId = upload.UploadId, PartNumber = n, InputStream = new MemoryStream(slice) }, Ct)).ETag;
            }
        }

        await resumed.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "resume", UploadId = upload.UploadId, PartETags = etags.OrderBy(e => e.Key).Select(e => new PartETag(e.Key, e.Value)).ToList() }, Ct);
        Assert.Equal(data, await ReadAllAsync(bucket, "resume"));
    }

    [Fact]
    public async Task UploadPartCopyTakesARangeOfAnotherObject()
    {
        var bucket = await NewBucketAsync();
        var source = Names.RandomBytes(6 * MiB, 5);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "source", InputStream = new MemoryStream(source) }, Ct);
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "assembled" }, Ct);
        var copy = await _s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = bucket,
            SourceKey = "source",
            DestinationBucket = bucket,
            DestinationKey = "assembled",
            UploadId = upload.UploadId,
            PartNumber = 1,
            FirstByte = 0,
            LastByte = (5 * MiB) - 1,
        }, Ct);
        var tail = Names.RandomBytes(1000, 6);
        var second = await UploadPartAsync(bucket, "assembled", upload.UploadId, 2, tail);
        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "assembled", UploadId = upload.UploadId, PartETags = [new PartETag(1, copy.ETag), new PartETag(2, second)] }, Ct);
        Assert.Equal(source[..(5 * MiB)].Concat(tail).ToArray(), await ReadAllAsync(bucket, "assembled"));

        var other = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "assembled2" }, Ct);
        var outside = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = bucket,
            SourceKey = "source",
            DestinationBucket = bucket,
            DestinationKey = "assembled2",
            UploadId = other.UploadId,
            PartNumber = 1,
            FirstByte = 0,
            LastByte = source.Length,
        }, Ct));
        Assert.Equal("InvalidRange", outside.ErrorCode);
    }

    [Fact]
    public async Task CompositeChecksumsEndInThePartCount()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "c", ChecksumAlgorithm = ChecksumAlgorithm.CRC32C }, Ct);
        var parts = new[] { Names.RandomBytes(5 * MiB, 8), Names.RandomBytes(4321, 9) };
        var responses = new List<UploadPartResponse>();
        for (var i = 0; i < parts.Length; i++)
        {
            responses.Add(await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "c", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]), ChecksumAlgorithm = ChecksumAlgorithm.CRC32C }, Ct));
        }

        Assert.All(responses, r => Assert.False(string.IsNullOrEmpty(r.ChecksumCRC32C)));
        var complete = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = "c",
            UploadId = upload.UploadId,
            PartETags = responses.Select((r, i) => new PartETag { PartNumber = i + 1, ETag = r.ETag, ChecksumCRC32C = r.ChecksumCRC32C }).ToList(),
        }, Ct);
        Assert.EndsWith("-2", complete.ChecksumCRC32C, StringComparison.Ordinal);
        Assert.Equal(parts.SelectMany(p => p).ToArray(), await ReadAllAsync(bucket, "c"));
    }

    [Fact]
    public async Task TransferUtilityUploadsAndDownloadsInParallelParts()
    {
        var bucket = await NewBucketAsync();
        var path = Path.Combine(store.Directory, "transfer-" + Guid.NewGuid().ToString("N"));
        var data = Names.RandomBytes((37 * MiB) + 11, 37);
        await File.WriteAllBytesAsync(path, data, Ct);
        using var transfer = new TransferUtility(_s3, new TransferUtilityConfig { ConcurrentServiceRequests = 4 });
        await transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = bucket, Key = "via-transfer", FilePath = path, PartSize = 8 * MiB }, Ct);
        var head = await _s3.GetObjectMetadataAsync(bucket, "via-transfer", Ct);
        Assert.EndsWith("-5\"", head.ETag, StringComparison.Ordinal);
        var down = path + ".down";
        await transfer.DownloadAsync(new TransferUtilityDownloadRequest { BucketName = bucket, Key = "via-transfer", FilePath = down }, Ct);
        Assert.Equal(data, await File.ReadAllBytesAsync(down, Ct));
    }

    [Fact]
    public async Task ListMultipartUploadsPaginatesByKeyAndUpload()
    {
        var bucket = await NewBucketAsync();
        var expected = new List<(string Key, string UploadId)>();
        foreach (var key in new[] { "b/1", "a", "b/2", "a" })
        {
            var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, Ct);
            expected.Add((key, upload.UploadId));
        }

        expected = expected.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        var seen = new List<(string, string)>();
        string? keyMarker = null, uploadMarker = null;
        for (var page = 0; page < 10; page++)
        {
            var response = await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, MaxUploads = 1, KeyMarker = keyMarker, UploadIdMarker = uploadMarker }, Ct);
            seen.AddRange((response.MultipartUploads ?? []).Select(u => (u.Key, u.UploadId)));
            if (response.IsTruncated != true)
            {
                break;
            }

            (keyMarker, uploadMarker) = (response.NextKeyMarker, response.NextUploadIdMarker);
        }

        Assert.Equal(expected, seen);
        var rolled = await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, Delimiter = "/" }, Ct);
        Assert.Equal(["b/"], rolled.CommonPrefixes!.ToList());
        Assert.All(rolled.MultipartUploads!, u => Assert.Equal("a", u.Key));
    }
}
