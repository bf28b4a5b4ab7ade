using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// What real clients trip over (issue 14): each request as boto3, botocore's raw requests, curl or the .NET SDK sends
/// it, answered as Amazon S3 answers it. On any <see cref="IS3Target"/> with a 1-byte minimum part size: one server,
/// or a cluster through its gateways.
/// </summary>
public abstract class ClientBehaviourTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Signer Root => new(store.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret);

    private async Task<string> NewBucketAsync(string hint = "cb")
    {
        var bucket = Names.Bucket(hint);
        await _s3.PutBucketAsync(bucket, Ct);
        return bucket;
    }

    private Task<RawHttp.Response> SignedAsync(string method, string path, string query, byte[]? body = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        body ??= [];
        var all = Root.Sign(method, path, query, headers ?? [], Signer.Sha256(body));
        all.Add(("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return RawHttp.SendAsync(store.Endpoint, method, query.Length > 0 ? $"{path}?{query}" : path, all, body, Ct);
    }

    private static string CompleteBody(IEnumerable<(int Number, string ETag)> parts) =>
        "<CompleteMultipartUpload>" + string.Concat(parts.Select(p => $"<Part><PartNumber>{p.Number}</PartNumber><ETag>{p.ETag}</ETag></Part>")) + "</CompleteMultipartUpload>";

    // ---- CompleteMultipartUpload ----------------------------------------------------------------------------------

    [Fact]
    public async Task ARetriedCompletionGetsTheSameAnswer()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "retried", Ct);
        var p1 = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "retried", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[10]) }, Ct);
        var p2 = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "retried", UploadId = upload.UploadId, PartNumber = 2, InputStream = new MemoryStream(new byte[3]) }, Ct);
        var body = Encoding.UTF8.GetBytes(CompleteBody([(1, p1.ETag), (2, p2.ETag)]));

        var first = await SignedAsync("POST", $"/{bucket}/retried", "uploadId=" + upload.UploadId, body);
        Assert.Equal(200, first.Status);
        var retry = await SignedAsync("POST", $"/{bucket}/retried", "uploadId=" + upload.UploadId, body);
        Assert.Equal(200, retry.Status);
        Assert.Equal(first.Element("ETag"), retry.Element("ETag"));

        // Another part list is not the same completion.
        var other = await SignedAsync("POST", $"/{bucket}/retried", "uploadId=" + upload.UploadId, Encoding.UTF8.GetBytes(CompleteBody([(1, p1.ETag)])));
        Assert.Equal((404, "NoSuchUpload"), (other.Status, other.ErrorCode));
    }

    [Fact]
    public async Task AnEmptyCompletionIsMalformedXml()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "empty", Ct);
        var response = await SignedAsync("POST", $"/{bucket}/empty", "uploadId=" + upload.UploadId);
        Assert.Equal((400, "MalformedXML"), (response.Status, response.ErrorCode));
    }

    [Fact]
    public async Task APartUploadedTwiceAtOnceCompletesWithThePartTheStoreKept()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "twice", Ct);
        var uploads = Enumerable.Range(0, 4).Select(i => _s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket,
            Key = "twice",
            UploadId = upload.UploadId,
            PartNumber = 1,
            InputStream = new MemoryStream(Names.RandomBytes(50_000 + i, i)),
        }, Ct)).ToList();
        await Task.WhenAll(uploads);
        var kept = (await _s3.ListPartsAsync(bucket, "twice", upload.UploadId, Ct)).Parts.Single();
        var done = await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = "twice",
            UploadId = upload.UploadId,
            PartETags = [new PartETag(1, kept.ETag)],
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, done.HttpStatusCode);
        Assert.Equal(kept.Size, (await _s3.GetObjectMetadataAsync(bucket, "twice", Ct)).ContentLength);
    }

    [Fact]
    public async Task ConditionalCompletionIsDecidedAtCompletion()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "cond", ContentBody = "old" }, Ct);
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "cond", Ct);
        var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "cond", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[5]) }, Ct);
        var body = Encoding.UTF8.GetBytes(CompleteBody([(1, part.ETag)]));

        var refused = await SignedAsync("POST", $"/{bucket}/cond", "uploadId=" + upload.UploadId, body, [("If-None-Match", "*")]);
        Assert.Equal((412, "PreconditionFailed"), (refused.Status, refused.ErrorCode));
        var wrong = await SignedAsync("POST", $"/{bucket}/cond", "uploadId=" + upload.UploadId, body, [("If-Match", "\"0123\"")]);
        Assert.Equal((412, "PreconditionFailed"), (wrong.Status, wrong.ErrorCode));
        var current = (await _s3.GetObjectMetadataAsync(bucket, "cond", Ct)).ETag;
        var accepted = await SignedAsync("POST", $"/{bucket}/cond", "uploadId=" + upload.UploadId, body, [("If-Match", current)]);
        Assert.Equal(200, accepted.Status);

        var fresh = await _s3.InitiateMultipartUploadAsync(bucket, "absent", Ct);
        var freshPart = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "absent", UploadId = fresh.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[5]) }, Ct);
        var missing = await SignedAsync("POST", $"/{bucket}/absent", "uploadId=" + fresh.UploadId, Encoding.UTF8.GetBytes(CompleteBody([(1, freshPart.ETag)])), [("If-Match", "\"abc\"")]);
        Assert.Equal((404, "NoSuchKey"), (missing.Status, missing.ErrorCode));
    }

    // ---- Conditional writes, versions, part numbers ---------------------------------------------------------------

    [Fact]
    public async Task IfMatchOnAKeyThatDoesNotExistIsNoSuchKey()
    {
        var bucket = await NewBucketAsync();
        var response = await SignedAsync("PUT", $"/{bucket}/nothing", "", [1, 2], [("If-Match", "\"d41d8cd98f00b204e9800998ecf8427e\"")]);
        Assert.Equal((404, "NoSuchKey"), (response.Status, response.ErrorCode));
    }

    [Fact]
    public async Task AnUnversionedBucketAnswersNoVersionIdAndNoDeleteMarker()
    {
        var bucket = await NewBucketAsync();
        var put = await SignedAsync("PUT", $"/{bucket}/k", "", [1]);
        Assert.Equal(200, put.Status);
        Assert.False(put.Headers.ContainsKey("x-amz-version-id"));
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "m", Ct);
        var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "m", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[5]) }, Ct);
        var done = await SignedAsync("POST", $"/{bucket}/m", "uploadId=" + upload.UploadId, Encoding.UTF8.GetBytes(CompleteBody([(1, part.ETag)])));
        Assert.Equal(200, done.Status);
        Assert.False(done.Headers.ContainsKey("x-amz-version-id"));
        var delete = await SignedAsync("DELETE", $"/{bucket}/k", "");
        Assert.Equal(204, delete.Status);
        Assert.False(delete.Headers.ContainsKey("x-amz-version-id"));
        Assert.False(delete.Headers.ContainsKey("x-amz-delete-marker"));
    }

    [Fact]
    public async Task APartNumberOutOfRangeIsInvalidPartNumber400()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "simple", ContentBody = "x" }, Ct);
        foreach (var method in new[] { "GET", "HEAD" })
        {
            var response = await SignedAsync(method, $"/{bucket}/simple", "partNumber=2");
            Assert.Equal(400, response.Status);
            if (method == "GET")
            {
                Assert.Equal("InvalidPartNumber", response.ErrorCode);
            }
        }
    }

    // ---- Buckets ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task CreatingABucketYouOwnInUsEast1Succeeds()
    {
        var bucket = await NewBucketAsync();
        var again = await SignedAsync("PUT", $"/{bucket}", "");
        Assert.Equal(200, again.Status);
        var other = await store.Alice.PutBucketAsync(Names.Bucket("alice"), Ct);
        Assert.Equal(HttpStatusCode.OK, other.HttpStatusCode);
        var taken = new Signer(store.AliceEndpoint, StoreFixture.AliceKey, StoreFixture.AliceSecret).Sign("PUT", $"/{bucket}", "", [], Signer.EmptySha256);
        var refused = await RawHttp.SendAsync(store.AliceEndpoint, "PUT", $"/{bucket}", [.. taken, ("Content-Length", "0")], null, Ct);
        Assert.Equal((409, "BucketAlreadyExists"), (refused.Status, refused.ErrorCode));
    }

    [Fact]
    public async Task ListBucketsPagesAndFilters()
    {
        var prefix = "lbp-" + Guid.NewGuid().ToString("N")[..8];
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToList();
        foreach (var name in names)
        {
            await _s3.PutBucketAsync(name, Ct);
        }

        var listed = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await SignedAsync("GET", "/", $"max-buckets=2&prefix={prefix}" + (token is null ? "" : "&continuation-token=" + Uri.EscapeDataString(token)));
            Assert.Equal(200, page.Status);
            listed.AddRange(page.Body.Split("<Name>").Skip(1).Select(s => s[..s.IndexOf('<', StringComparison.Ordinal)]));
            token = page.Element("ContinuationToken");
            pages++;
        }
        while (token is not null);

        Assert.Equal(names, listed);
        Assert.Equal(3, pages);
        var other = await SignedAsync("GET", "/", $"prefix={prefix}&bucket-region=eu-west-1");
        Assert.DoesNotContain("<Name>", other.Body, StringComparison.Ordinal);
        var bad = await SignedAsync("GET", "/", "max-buckets=0");
        Assert.Equal((400, "InvalidArgument"), (bad.Status, bad.ErrorCode));
    }

    // ---- Listing ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task AnEmptyContinuationTokenIsTheFirstPage()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a", ContentBody = "x" }, Ct);
        var response = await SignedAsync("GET", $"/{bucket}", "continuation-token=&list-type=2");
        Assert.Equal(200, response.Status);
        Assert.Contains("<Key>a</Key>", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AControlCharacterPrefixRoundTrips()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "p\u0001/k", ContentBody = "x" }, Ct);
        var plain = await SignedAsync("GET", $"/{bucket}", "delimiter=%2F&list-type=2&prefix=p%01");
        Assert.Equal(200, plain.Status);
        Assert.Contains("<Prefix>p&#x1;</Prefix>", plain.Body, StringComparison.Ordinal);
        Assert.Contains("<CommonPrefixes><Prefix>p&#x1;/</Prefix></CommonPrefixes>", plain.Body, StringComparison.Ordinal);
        var encoded = await SignedAsync("GET", $"/{bucket}", "delimiter=%2F&encoding-type=url&list-type=2&prefix=p%01");
        Assert.Contains("<Prefix>p%01</Prefix>", encoded.Body, StringComparison.Ordinal);
        Assert.Contains("<CommonPrefixes><Prefix>p%01/</Prefix></CommonPrefixes>", encoded.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListObjectVersionsTakesEveryMarkerCombinationS3Takes()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        foreach (var key in new[] { "a/1", "a/2", "b c/+&=?", "d" })
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "x" }, Ct);
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "y" }, Ct);
        }

        var versions = await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket }, Ct);
        var first = versions.Versions.First(v => v.Key == "b c/+&=?");
        var queries = new[]
        {
            "versions&delimiter=%2F&max-keys=1000&key-marker=a%2F",
            "versions&delimiter=%2F&max-keys=1000&key-marker=a%2F1&version-id-marker=" + versions.Versions.First(v => v.Key == "a/1").VersionId,
            "versions&key-marker=" + Uri.EscapeDataString("b c/+&=?") + "&version-id-marker=" + first.VersionId,
            "versions&key-marker=" + Uri.EscapeDataString("b c/+&=?") + "&version-id-marker=null",
            "versions&key-marker=zz&version-id-marker=" + first.VersionId,
            "versions&encoding-type=url&key-marker=" + Uri.EscapeDataString("b c/+&=?") + "&max-keys=1000",
        };
        foreach (var query in queries)
        {
            var response = await SignedAsync("GET", $"/{bucket}", string.Join('&', query.Split('&').Order(StringComparer.Ordinal)));
            Assert.True(response.Status == 200, $"{query}: {response.Status} {response.Body}");
        }
    }

    // ---- DeleteObjects ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task DeleteObjectsRefusesMoreThan1000KeysAndReportsPerKey()
    {
        var bucket = await NewBucketAsync();
        var tooMany = Encoding.UTF8.GetBytes("<Delete>" + string.Concat(Enumerable.Range(0, 1001).Select(i => $"<Object><Key>k{i}</Key></Object>")) + "</Delete>");
        var refused = await SignedAsync("POST", $"/{bucket}", "delete", tooMany, [("Content-MD5", Signer.Md5(tooMany))]);
        Assert.Equal((400, "MalformedXML"), (refused.Status, refused.ErrorCode));
        Assert.Equal("The XML you provided was not well-formed or did not validate against our published schema", refused.Element("Message"));

        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "here", ContentBody = "x" }, Ct);
        var longKey = new string('k', 1025);
        var mixed = Encoding.UTF8.GetBytes($"<Delete><Quiet>true</Quiet><Object><Key>here</Key></Object><Object><Key>{longKey}</Key></Object><Object><Key>gone</Key></Object></Delete>");
        var result = await SignedAsync("POST", $"/{bucket}", "delete", mixed, [("Content-MD5", Signer.Md5(mixed))]);
        Assert.Equal(200, result.Status);
        Assert.DoesNotContain("<Deleted>", result.Body, StringComparison.Ordinal);
        Assert.Contains("<Error><Key>" + longKey + "</Key><Code>KeyTooLongError</Code>", result.Body, StringComparison.Ordinal);
    }

    // ---- Content-Encoding and Transfer-Encoding -------------------------------------------------------------------

    [Fact]
    public async Task AwsChunkedIsTransportNotContentEncoding()
    {
        var bucket = await NewBucketAsync();
        var data = Encoding.UTF8.GetBytes("hello");
        var crc = Convert.ToBase64String(System.IO.Hashing.Crc32.Hash(data).Reverse().ToArray());
        var body = Encoding.UTF8.GetBytes($"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n");
        foreach (var (encoding, stored) in new[] { ("gzip, aws-chunked", "gzip"), ("aws-chunked", null) })
        {
            var headers = Root.Sign("PUT", $"/{bucket}/e", "", [("Content-Encoding", encoding), ("x-amz-decoded-content-length", "5"), ("x-amz-trailer", "x-amz-checksum-crc32")], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
            var put = await RawHttp.SendAsync(store.Endpoint, "PUT", $"/{bucket}/e", [.. headers, ("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))], body, Ct);
            Assert.Equal(200, put.Status);
            var head = await _s3.GetObjectMetadataAsync(bucket, "e", Ct);
            Assert.Equal(stored, head.Headers.ContentEncoding);
        }
    }

    [Fact]
    public async Task APutWithTransferEncodingChunkedAndNoContentLengthIsStored()
    {
        var bucket = await NewBucketAsync();
        var data = Names.RandomBytes(3 * 1024 * 1024 + 17, 5);
        var headers = Root.Sign("PUT", $"/{bucket}/chunked", "", [], "UNSIGNED-PAYLOAD");
        using var client = await RawHttp.ConnectAsync(store.Endpoint, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(RawHttp.Head("PUT", $"/{bucket}/chunked", store.Endpoint, [.. headers, ("Transfer-Encoding", "chunked")]), Ct);
        for (var offset = 0; offset < data.Length; offset += 100_000)
        {
            var n = Math.Min(100_000, data.Length - offset);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{n:x}\r\n"), Ct);
            await stream.WriteAsync(data.AsMemory(offset, n), Ct);
            await stream.WriteAsync("\r\n"u8.ToArray(), Ct);
        }

        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Ct);
        var response = await RawHttp.ReadResponseAsync(stream, head: false, Ct);
        Assert.Equal(200, response.Status);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(data))}\"", response.Headers["ETag"]);
        using var get = await _s3.GetObjectAsync(bucket, "chunked", Ct);
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy, Ct);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task ExpectContinueGetsTheErrorBeforeTheBodyAndARetryWorks()
    {
        var bucket = await NewBucketAsync();
        var data = new byte[1 << 20];
        foreach (var (target, signer, code) in new[] { ($"/{bucket}/x", "wrong-secret", "SignatureDoesNotMatch"), ($"/no-such-{bucket}/x", null, "NoSuchBucket") })
        {
            var headers = Root.Sign("PUT", target, "", [], "UNSIGNED-PAYLOAD", secret: signer);
            using var client = await RawHttp.ConnectAsync(store.Endpoint, Ct);
            var stream = client.GetStream();
            await stream.WriteAsync(RawHttp.Head("PUT", target, store.Endpoint, [.. headers, ("Content-Length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("Expect", "100-continue")]), Ct);

            // No body sent: the answer comes anyway, and it is the error, not 100 Continue.
            var response = await RawHttp.ReadResponseAsync(stream, head: false, Ct);
            Assert.Equal(code, response.ErrorCode);
        }

        var retry = Root.Sign("PUT", $"/{bucket}/x", "", [], "UNSIGNED-PAYLOAD");
        using var again = await RawHttp.ConnectAsync(store.Endpoint, Ct);
        var s = again.GetStream();
        await s.WriteAsync(RawHttp.Head("PUT", $"/{bucket}/x", store.Endpoint, [.. retry, ("Content-Length", data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("Expect", "100-continue")]), Ct);
        var continued = await RawHttp.ReadResponseAsync(s, head: true, Ct);
        Assert.Equal(100, continued.Status);
        await s.WriteAsync(data, Ct);
        Assert.Equal(200, (await RawHttp.ReadResponseAsync(s, head: false, Ct)).Status);
    }

    // ---- GetObjectAttributes ---------------------------------------------------------------------------------------

    [Fact]
    public async Task GetObjectAttributesOfSimpleMultipartAndVersionedObjects()
    {
        var bucket = await NewBucketAsync();
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        var simple = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "s", ContentBody = "hello", ChecksumAlgorithm = ChecksumAlgorithm.CRC32C }, Ct);
        var all = new List<ObjectAttributes> { ObjectAttributes.ETag, ObjectAttributes.Checksum, ObjectAttributes.ObjectParts, ObjectAttributes.StorageClass, ObjectAttributes.ObjectSize };
        var attributes = await _s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "s", ObjectAttributes = all }, Ct);
        Assert.Equal(simple.ETag.Trim('"'), attributes.ETag);
        Assert.Equal(5, attributes.ObjectSize);
        Assert.Equal(S3StorageClass.Standard, attributes.StorageClass);
        Assert.Equal(simple.ChecksumCRC32C, attributes.Checksum.ChecksumCRC32C);
        Assert.Null(attributes.ObjectParts);
        Assert.Equal(simple.VersionId, attributes.VersionId);

        // An older version by id.
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "s", ContentBody = "newer!" }, Ct);
        var old = await _s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "s", VersionId = simple.VersionId, ObjectAttributes = [ObjectAttributes.ObjectSize] }, Ct);
        Assert.Equal(5, old.ObjectSize);

        // A multipart object, its parts paged.
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "mp", Ct);
        var etags = new List<PartETag>();
        for (var i = 1; i <= 3; i++)
        {
            var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "mp", UploadId = upload.UploadId, PartNumber = i, InputStream = new MemoryStream(new byte[100 * i]) }, Ct);
            etags.Add(new PartETag(i, part.ETag));
        }

        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "mp", UploadId = upload.UploadId, PartETags = etags }, Ct);
        var first = await _s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "mp", ObjectAttributes = [ObjectAttributes.ObjectParts], MaxParts = 2 }, Ct);
        Assert.Equal(3, first.ObjectParts.TotalPartsCount);
        Assert.True(first.ObjectParts.IsTruncated);
        Assert.Equal([1, 2], first.ObjectParts.Parts.Select(p => p.PartNumber ?? 0));
        var second = await _s3.GetObjectAttributesAsync(new GetObjectAttributesRequest { BucketName = bucket, Key = "mp", ObjectAttributes = [ObjectAttributes.ObjectParts], MaxParts = 2, PartNumberMarker = first.ObjectParts.NextPartNumberMarker }, Ct);
        Assert.Equal([3], second.ObjectParts.Parts.Select(p => p.PartNumber ?? 0));
        Assert.Equal(300, second.ObjectParts.Parts[0].Size);

        var none = await SignedAsync("GET", $"/{bucket}/s", "attributes");
        Assert.Equal((400, "InvalidArgument"), (none.Status, none.ErrorCode));
        var unknown = await SignedAsync("GET", $"/{bucket}/s", "attributes", headers: [("x-amz-object-attributes", "ETag,Colour")]);
        Assert.Equal((400, "InvalidArgument"), (unknown.Status, unknown.ErrorCode));
        var missing = await SignedAsync("GET", $"/{bucket}/nothing", "attributes", headers: [("x-amz-object-attributes", "ETag")]);
        Assert.Equal((404, "NoSuchKey"), (missing.Status, missing.ErrorCode));
    }
}

/// <summary>One server (<see cref="SmallPartStoreFixture"/>).</summary>
public sealed class ClientBehaviourTests(SmallPartStoreFixture store) : ClientBehaviourTestsBase(store), IClassFixture<SmallPartStoreFixture>;
