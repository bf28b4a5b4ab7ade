using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>One server (<see cref="StoreFixture"/>).</summary>
public sealed class ObjectTests(StoreFixture store) : ObjectTestsBase(store), IClassFixture<StoreFixture>;

/// <summary>Objects as S3 clients see them, on any <see cref="IS3Target"/>: one server, or a cluster through its gateways.</summary>
public abstract class ObjectTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> NewBucketAsync()
    {
        var name = Names.Bucket("obj");
        await _s3.PutBucketAsync(name, Ct);
        return name;
    }

    private async Task<byte[]> ReadAllAsync(string bucket, string key, ByteRange? range = null)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = range }, Ct);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(1_048_576)]
    [InlineData((3 * 1_048_576) + 12_345)]
    public async Task PutThenGetReturnsTheSameBytesAndTheMd5ETag(int size)
    {
        var bucket = await NewBucketAsync();
        var data = Names.RandomBytes(size, size);
        var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "obj", InputStream = new MemoryStream(data) }, Ct);
        var md5 = Convert.ToHexStringLower(MD5.HashData(data));
        Assert.Equal($"\"{md5}\"", put.ETag);
        Assert.Equal(data, await ReadAllAsync(bucket, "obj"));

        var head = await _s3.GetObjectMetadataAsync(bucket, "obj", Ct);
        Assert.Equal(size, head.ContentLength);
        Assert.Equal($"\"{md5}\"", head.ETag);
    }

    [Fact]
    public async Task MetadataContentHeadersAndStorageClassRoundTrip()
    {
        var bucket = await NewBucketAsync();
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = "doc.txt",
            ContentBody = "hello",
            ContentType = "text/plain; charset=utf-8",
            StorageClass = S3StorageClass.StandardInfrequentAccess,
        };
        request.Metadata["colour"] = "blue";
        request.Metadata["x-amz-meta-Shape"] = "round";
        request.Headers.ContentDisposition = "attachment; filename=\"doc.txt\"";
        request.Headers.ContentEncoding = "identity";
        request.Headers.CacheControl = "max-age=60";
        request.Headers.ContentLanguage = "en";
        await _s3.PutObjectAsync(request, Ct);

        var head = await _s3.GetObjectMetadataAsync(bucket, "doc.txt", Ct);
        Assert.Equal("text/plain; charset=utf-8", head.Headers.ContentType);
        Assert.Equal("blue", head.Metadata["colour"]);
        Assert.Equal("round", head.Metadata["shape"]);
        Assert.Equal("attachment; filename=\"doc.txt\"", head.Headers.ContentDisposition);
        Assert.Equal("identity", head.Headers.ContentEncoding);
        Assert.Equal("max-age=60", head.Headers.CacheControl);
        Assert.Equal("en", head.Headers["Content-Language"]);
        Assert.Equal(S3StorageClass.StandardInfrequentAccess, head.StorageClass);

        var bad = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "x", ContentBody = "x", StorageClass = new S3StorageClass("FLOPPY") }, Ct));
        Assert.Equal("InvalidStorageClass", bad.ErrorCode);
    }

    [Fact]
    public async Task RangesReadTheRightBytes()
    {
        var bucket = await NewBucketAsync();
        var data = Names.RandomBytes((2 * 1_048_576) + 777, 5);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "r", InputStream = new MemoryStream(data) }, Ct);
        foreach (var (start, end) in new (long, long)[] { (0, 0), (10, 20), (1_048_575, 1_048_577), (262_143, 262_144 * 5), (data.Length - 10, data.Length - 1), (5, data.Length + 100) })
        {
            var got = await ReadAllAsync(bucket, "r", new ByteRange(start, end));
            var last = Math.Min(end, data.Length - 1);
            Assert.Equal(data[(int)start..((int)last + 1)], got);
        }

        using var suffix = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "r", ByteRange = new ByteRange("bytes=-100") }, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, suffix.HttpStatusCode);
        Assert.Equal($"bytes {data.Length - 100}-{data.Length - 1}/{data.Length}", suffix.ContentRange);

        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "r", ByteRange = new ByteRange(data.Length, data.Length + 5) }, Ct));
        Assert.Equal("InvalidRange", e.ErrorCode);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, e.StatusCode);
    }

    [Fact]
    public async Task PartNumberOneOfASinglePartObjectIsTheWholeObject()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "p", ContentBody = "whole" }, Ct);
        using var part = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "p", PartNumber = 1 }, Ct);
        Assert.Equal("whole", await new StreamReader(part.ResponseStream).ReadToEndAsync(Ct));
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "p", PartNumber = 2 }, Ct));
        Assert.Equal("InvalidPartNumber", e.ErrorCode);
    }

    [Fact]
    public async Task ConditionalGets()
    {
        var bucket = await NewBucketAsync();
        var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "c", ContentBody = "conditional" }, Ct);
        var etag = put.ETag!;

        using (var ok = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", EtagToMatch = etag }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ok.HttpStatusCode);
        }

        var mismatch = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", EtagToMatch = "\"0000\"" }, Ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, mismatch.StatusCode);
        Assert.Equal("PreconditionFailed", mismatch.ErrorCode);

        var notModified = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", EtagToNotMatch = etag }, Ct));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var future = DateTime.UtcNow.AddHours(1);
        var notModifiedSince = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", ModifiedSinceDate = future }, Ct));
        Assert.Equal(HttpStatusCode.NotModified, notModifiedSince.StatusCode);

        var past = DateTime.UtcNow.AddHours(-1);
        var unmodified = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", UnmodifiedSinceDate = past }, Ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, unmodified.StatusCode);
    }

    [Fact]
    public async Task ResponseOverridesReplaceHeaders()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "o", ContentBody = "x", ContentType = "text/plain" }, Ct);
        var request = new GetObjectRequest { BucketName = bucket, Key = "o" };
        request.ResponseHeaderOverrides.ContentType = "application/json";
        request.ResponseHeaderOverrides.ContentDisposition = "inline";
        request.ResponseHeaderOverrides.CacheControl = "no-cache";
        using var response = await _s3.GetObjectAsync(request, Ct);
        Assert.Equal("application/json", response.Headers.ContentType);
        Assert.Equal("inline", response.Headers.ContentDisposition);
        Assert.Equal("no-cache", response.Headers.CacheControl);
    }

    [Fact]
    public async Task MissingKeysAreNoSuchKeyWithTheKeyInTheBody()
    {
        var bucket = await NewBucketAsync();
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(bucket, "nope/nothing", Ct));
        Assert.Equal("NoSuchKey", e.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        var head = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectMetadataAsync(bucket, "nope", Ct));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);

        using var http = new HttpClient();
        var signed = _s3.GetPreSignedURL(new GetPreSignedUrlRequest { BucketName = bucket, Key = "nope", Expires = DateTime.UtcNow.AddMinutes(5), Protocol = Protocol.HTTP });
        var raw = await http.GetAsync(signed, Ct);
        var xml = await raw.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.NotFound, raw.StatusCode);
        Assert.Contains("<Key>nope</Key>", xml, StringComparison.Ordinal);
        Assert.Contains("<Code>NoSuchKey</Code>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteObjectAndDeleteObjects()
    {
        var bucket = await NewBucketAsync();
        for (var i = 0; i < 5; i++)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"k{i}", ContentBody = "v" }, Ct);
        }

        var single = await _s3.DeleteObjectAsync(bucket, "k0", Ct);
        Assert.Equal(HttpStatusCode.NoContent, single.HttpStatusCode);
        var again = await _s3.DeleteObjectAsync(bucket, "k0", Ct);
        Assert.Equal(HttpStatusCode.NoContent, again.HttpStatusCode);

        var batch = await _s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket,
            Objects = [new KeyVersion { Key = "k1" }, new KeyVersion { Key = "k2" }, new KeyVersion { Key = "never-existed" }],
        }, Ct);
        Assert.Equal(["k1", "k2", "never-existed"], batch.DeletedObjects!.Select(d => d.Key).Order());

        var quiet = await _s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket,
            Quiet = true,
            Objects = [new KeyVersion { Key = "k3" }, new KeyVersion { Key = "k4" }],
        }, Ct);
        Assert.Empty(quiet.DeletedObjects ?? []);
        var left = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Empty(left.S3Objects ?? []);
    }

    [Fact]
    public async Task CopyObjectCopiesOrReplacesMetadata()
    {
        var bucket = await NewBucketAsync();
        var other = await NewBucketAsync();
        var data = Names.RandomBytes(1_500_000, 9);
        var put = new PutObjectRequest { BucketName = bucket, Key = "src key+ü", InputStream = new MemoryStream(data), ContentType = "image/png" };
        put.Metadata["a"] = "1";
        await _s3.PutObjectAsync(put, Ct);

        var copy = await _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "src key+ü", DestinationBucket = other, DestinationKey = "dst" }, Ct);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", copy.ETag);
        Assert.Equal(data, await ReadAllAsync(other, "dst"));
        var copied = await _s3.GetObjectMetadataAsync(other, "dst", Ct);
        Assert.Equal("image/png", copied.Headers.ContentType);
        Assert.Equal("1", copied.Metadata["a"]);

        var replace = new CopyObjectRequest { SourceBucket = bucket, SourceKey = "src key+ü", DestinationBucket = bucket, DestinationKey = "src key+ü", MetadataDirective = S3MetadataDirective.REPLACE, ContentType = "text/plain" };
        replace.Metadata["b"] = "2";
        await _s3.CopyObjectAsync(replace, Ct);
        var replaced = await _s3.GetObjectMetadataAsync(bucket, "src key+ü", Ct);
        Assert.Equal("text/plain", replaced.Headers.ContentType);
        Assert.Equal("2", replaced.Metadata["b"]);
        Assert.Null(replaced.Metadata["a"]);

        var self = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "src key+ü", DestinationBucket = bucket, DestinationKey = "src key+ü" }, Ct));
        Assert.Equal("InvalidRequest", self.ErrorCode);

        var precondition = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "src key+ü", DestinationBucket = other, DestinationKey = "d2", ETagToMatch = "\"abc\"" }, Ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, precondition.StatusCode);

        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "absent", DestinationBucket = other, DestinationKey = "d3" }, Ct));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
    }

    [Fact]
    public async Task ObjectTaggingRoundTrips()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "t", ContentBody = "x", TagSet = [new Tag { Key = "env", Value = "dev" }] }, Ct);
        var tags = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "t" }, Ct);
        Assert.Equal("dev", Assert.Single(tags.Tagging!).Value);

        await _s3.PutObjectTaggingAsync(new PutObjectTaggingRequest { BucketName = bucket, Key = "t", Tagging = new Tagging { TagSet = [new Tag { Key = "a", Value = "1" }, new Tag { Key = "b", Value = "2" }] } }, Ct);
        tags = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "t" }, Ct);
        Assert.Equal(["a", "b"], tags.Tagging!.Select(t => t.Key).Order());
        Assert.Equal("x", System.Text.Encoding.UTF8.GetString(await ReadAllAsync(bucket, "t")));

        await _s3.DeleteObjectTaggingAsync(new DeleteObjectTaggingRequest { BucketName = bucket, Key = "t" }, Ct);
        tags = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "t" }, Ct);
        Assert.Empty(tags.Tagging ?? []);

        var tooMany = Enumerable.Range(0, 11).Select(i => new Tag { Key = "k" + i, Value = "v" }).ToList();
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectTaggingAsync(new PutObjectTaggingRequest { BucketName = bucket, Key = "t", Tagging = new Tagging { TagSet = tooMany } }, Ct));
        Assert.Equal("InvalidTag", e.ErrorCode);
    }

    [Theory]
    [InlineData("CRC32")]
    [InlineData("CRC32C")]
    [InlineData("CRC64NVME")]
    [InlineData("SHA1")]
    [InlineData("SHA256")]
    public async Task ChecksumsAreVerifiedStoredAndReturned(string algorithm)
    {
        var bucket = await NewBucketAsync();
        var data = Names.RandomBytes(700_001, algorithm.Length);
        var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "c", InputStream = new MemoryStream(data), ChecksumAlgorithm = new ChecksumAlgorithm(algorithm) }, Ct);
        using var get = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "c", ChecksumMode = ChecksumMode.ENABLED }, Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.Equal(data, buffer.ToArray());
        var (sent, returned) = algorithm switch
        {
            "CRC32" => (put.ChecksumCRC32, get.ChecksumCRC32),
            "CRC32C" => (put.ChecksumCRC32C, get.ChecksumCRC32C),
            "CRC64NVME" => (put.ChecksumCRC64NVME, get.ChecksumCRC64NVME),
            "SHA1" => (put.ChecksumSHA1, get.ChecksumSHA1),
            _ => (put.ChecksumSHA256, get.ChecksumSHA256),
        };
        Assert.False(string.IsNullOrEmpty(returned));
        Assert.Equal(sent, returned);
        if (algorithm == "SHA256")
        {
            Assert.Equal(Convert.ToBase64String(SHA256.HashData(data)), returned);
        }
    }

    [Fact]
    public async Task AWrongChecksumOrContentMd5IsBadDigestAndStoresNothing()
    {
        var bucket = await NewBucketAsync();
        var wrongSha = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "bad",
            ContentBody = "payload",
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData("other"u8.ToArray())),
        }, Ct));
        Assert.Equal("BadDigest", wrongSha.ErrorCode);

        var wrongMd5 = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "bad",
            ContentBody = "payload",
            MD5Digest = Convert.ToBase64String(MD5.HashData("other"u8.ToArray())),
        }, Ct));
        Assert.Equal("BadDigest", wrongMd5.ErrorCode);
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectMetadataAsync(bucket, "bad", Ct));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("a/b/c.txt")]
    [InlineData("../../etc/passwd")]
    [InlineData("spaces and  double  spaces")]
    [InlineData("unicode-ключ-キー-😀")]
    [InlineData("specials !\"#$%&'()*+,:;<=>?@[\\]^`{|}~")]
    [InlineData("trailing/")]
    [InlineData("con.txt|*?<>:")]
    public async Task AnyUtf8KeyIsDataNotAPath(string key)
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key }, Ct);
        Assert.Equal(key, System.Text.Encoding.UTF8.GetString(await ReadAllAsync(bucket, key)));
        var list = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Equal(key, Assert.Single(list.S3Objects!).Key);
        Assert.All(store.DataDirectories, d => Assert.False(File.Exists(Path.Combine(d, key))));
    }

    [Fact]
    public async Task KeysOver1024BytesAreKeyTooLong()
    {
        var bucket = await NewBucketAsync();
        var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = new string('k', 1025), ContentBody = "x" }, Ct));
        Assert.Equal("KeyTooLongError", e.ErrorCode);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = new string('é', 512), ContentBody = "x" }, Ct);
    }

    [Fact]
    public async Task OverwriteServesTheNewBytes()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "o", ContentBody = "first" }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "o", ContentBody = "second version" }, Ct);
        Assert.Equal("second version", System.Text.Encoding.UTF8.GetString(await ReadAllAsync(bucket, "o")));
    }

    [Fact]
    public async Task PresignedUrlsWorkAndTamperingIsRefused()
    {
        var bucket = await NewBucketAsync();
        using var http = new HttpClient();
        var putUrl = _s3.GetPreSignedURL(new GetPreSignedUrlRequest { BucketName = bucket, Key = "pre", Verb = HttpVerb.PUT, Expires = DateTime.UtcNow.AddMinutes(5), Protocol = Protocol.HTTP });
        var put = await http.PutAsync(putUrl, new ByteArrayContent("presigned body"u8.ToArray()), Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var getUrl = _s3.GetPreSignedURL(new GetPreSignedUrlRequest { BucketName = bucket, Key = "pre", Expires = DateTime.UtcNow.AddMinutes(5), Protocol = Protocol.HTTP });
        Assert.Equal("presigned body", await http.GetStringAsync(getUrl, Ct));

        var tampered = await http.GetAsync(getUrl.Replace("pre?", "prf?", StringComparison.Ordinal), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
        Assert.Contains("SignatureDoesNotMatch", await tampered.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>SigV2 as boto3 before 1.36 presigns by default: the string to sign built here from the reference's rules.</summary>
    private static string SignV2(string stringToSign) =>
        Convert.ToBase64String(HMACSHA1.HashData(System.Text.Encoding.UTF8.GetBytes(StoreFixture.RootSecret), System.Text.Encoding.UTF8.GetBytes(stringToSign)));

    [Fact]
    public async Task SignatureVersion2PresignedUrlsAndHeadersWork()
    {
        var bucket = await NewBucketAsync();
        var endpoint = store.Endpoint;
        using var http = new HttpClient();
        var expires = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();

        string Presigned(string verb, string key, string contentType = "") =>
            $"{endpoint}{bucket}/{key}?AWSAccessKeyId={StoreFixture.RootKey}&Expires={expires}"
            + $"&Signature={Uri.EscapeDataString(SignV2($"{verb}\n\n{contentType}\n{expires}\n/{bucket}/{key}"))}";

        using var body = new ByteArrayContent("signed with v2"u8.ToArray());
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        var put = await http.PutAsync(Presigned("PUT", "v2.txt", "text/plain"), body, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("signed with v2", await http.GetStringAsync(Presigned("GET", "v2.txt"), Ct));
        var head = await _s3.GetObjectMetadataAsync(bucket, "v2.txt", Ct);
        Assert.Equal("text/plain", head.Headers.ContentType);

        // Signed for PUT, used for GET: refused.
        var wrongVerb = await http.GetAsync(Presigned("PUT", "v2.txt"), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, wrongVerb.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await wrongVerb.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Header-signed, virtual-hosted-style: the bucket comes from the Host and is signed as /bucket/key.
        var date = DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        using var get = new HttpRequestMessage(HttpMethod.Get, $"{endpoint}v2.txt");
        get.Headers.Host = $"{bucket}.localhost:{endpoint.Port}";
        get.Headers.TryAddWithoutValidation("Date", date);
        get.Headers.TryAddWithoutValidation("Authorization", $"AWS {StoreFixture.RootKey}:{SignV2($"GET\n\n\n{date}\n/{bucket}/v2.txt")}");
        var virtualHosted = await http.SendAsync(get, Ct);
        Assert.Equal(HttpStatusCode.OK, virtualHosted.StatusCode);
        Assert.Equal("signed with v2", await virtualHosted.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task PostObjectUploadsAFormSignedWithSigV4()
    {
        var bucket = await NewBucketAsync();
        var url = new Uri(store.Endpoint, bucket);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var data = Names.RandomBytes(70_000, 7);
        const string Conditions = """["starts-with", "$key", "uploads/"], {"Content-Type": "image/jpeg"}, ["starts-with", "$x-amz-meta-owner", ""], ["starts-with", "$tagging", ""], ["content-length-range", 1, 100000]""";
        (string, string)[] fields = [("key", "uploads/${filename}"), ("Content-Type", "image/jpeg"), ("x-amz-meta-owner", "alice"), ("tagging", "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>")];

        var posted = await http.PostAsync(url, PostForms.SigV4(bucket, Conditions, fields, data), Ct);
        Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", posted.Headers.ETag!.Tag);
        Assert.Equal(data, await ReadAllAsync(bucket, "uploads/photo.jpg"));
        var head = await _s3.GetObjectMetadataAsync(bucket, "uploads/photo.jpg", Ct);
        Assert.Equal("image/jpeg", head.Headers.ContentType);
        Assert.Equal("alice", head.Metadata["owner"]);
        var tagging = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "uploads/photo.jpg" }, Ct);
        Assert.Equal(("team", "web"), (tagging.Tagging.Single().Key, tagging.Tagging.Single().Value));

        // success_action_status 201: the PostResponse document.
        var created = await http.PostAsync(url, PostForms.SigV4(bucket, Conditions + """, {"success_action_status": "201"}""", [.. fields, ("success_action_status", "201")], data, "second.jpg"), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var xml = await created.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<Key>uploads/second.jpg</Key>", xml, StringComparison.Ordinal);
        Assert.Contains($"<Bucket>{bucket}</Bucket>", xml, StringComparison.Ordinal);

        // success_action_redirect: 303 with bucket, key and ETag.
        var redirected = await http.PostAsync(url, PostForms.SigV4(bucket, Conditions + """, ["starts-with", "$success_action_redirect", "http://app.example/"]""", [.. fields, ("success_action_redirect", "http://app.example/done")], data), Ct);
        Assert.Equal(HttpStatusCode.SeeOther, redirected.StatusCode);
        Assert.StartsWith($"http://app.example/done?bucket={bucket}&key=uploads%2Fphoto.jpg&etag=%22", redirected.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostObjectRefusesWhatThePolicyOrSignatureDoesNotAllow()
    {
        var bucket = await NewBucketAsync();
        var url = new Uri(store.Endpoint, bucket);
        using var http = new HttpClient();
        const string Conditions = """["starts-with", "$key", "uploads/"], ["content-length-range", 1, 1000]""";

        async Task<(HttpStatusCode Status, string Body)> Post(MultipartFormDataContent form)
        {
            var response = await http.PostAsync(url, form, Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        var wrongSecret = await Post(PostForms.SigV4(bucket, Conditions, [("key", "uploads/a")], [1, 2, 3], secret: "not-the-secret"));
        Assert.Equal((HttpStatusCode.Forbidden, true), (wrongSecret.Status, wrongSecret.Body.Contains("<Code>SignatureDoesNotMatch</Code>", StringComparison.Ordinal)));
        var outsidePrefix = await Post(PostForms.SigV4(bucket, Conditions, [("key", "elsewhere/a")], [1, 2, 3]));
        Assert.Equal((HttpStatusCode.Forbidden, true), (outsidePrefix.Status, outsidePrefix.Body.Contains("Policy Condition failed", StringComparison.Ordinal)));
        var extraField = await Post(PostForms.SigV4(bucket, Conditions, [("key", "uploads/a"), ("x-amz-meta-sneaky", "1")], [1, 2, 3]));
        Assert.Equal((HttpStatusCode.Forbidden, true), (extraField.Status, extraField.Body.Contains("Extra input fields: x-amz-meta-sneaky", StringComparison.Ordinal)));
        var tooLarge = await Post(PostForms.SigV4(bucket, Conditions, [("key", "uploads/a")], new byte[1001]));
        Assert.Equal((HttpStatusCode.BadRequest, true), (tooLarge.Status, tooLarge.Body.Contains("<Code>EntityTooLarge</Code>", StringComparison.Ordinal)));
        var noFile = await Post(PostForms.SigV4(bucket, Conditions, [("key", "uploads/a")], null));
        Assert.Equal((HttpStatusCode.BadRequest, true), (noFile.Status, noFile.Body.Contains("<Code>IncorrectNumberOfFilesInPostRequest</Code>", StringComparison.Ordinal)));
        using var unsigned = new MultipartFormDataContent { { new StringContent("uploads/a"), "key" }, { new ByteArrayContent([1]), "file", "f" } };
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(unsigned)).Status);

        var listed = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Empty(listed.S3Objects ?? []);
    }
}
