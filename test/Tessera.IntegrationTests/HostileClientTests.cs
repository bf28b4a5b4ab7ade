using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Xml;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// Requests as an attacker sends them, against a real server: each must get its exact S3 error (status and code),
/// leave every object and every file on the data disks as it was, and leave the server answering. The first group are
/// the holes found by crafting about 1,300 requests (issue 12); the last group held already and stay held. On any
/// <see cref="IHostileTarget"/>: one server, or a cluster through its gateways.
/// </summary>
public abstract class HostileClientTestsBase(IHostileTarget store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Uri Endpoint => store.Endpoint;

    private Signer Root => new(Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret);

    private Signer Alice => new(store.AliceEndpoint, StoreFixture.AliceKey, StoreFixture.AliceSecret);

    private async Task<string> NewBucketAsync(params string[] keys)
    {
        var bucket = Names.Bucket("hostile");
        await _s3.PutBucketAsync(bucket, Ct);
        foreach (var key in keys)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "secret of " + key }, Ct);
        }

        return bucket;
    }

    private Task<RawHttp.Response> SendAsync(string method, string target, IEnumerable<(string Name, string Value)> headers, byte[]? body = null, Uri? endpoint = null) =>
        RawHttp.SendAsync(endpoint ?? Endpoint, method, target, headers.Append(("Content-Length", (body?.Length ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture))), body, Ct);

    /// <summary>A header-signed request whose body's SHA-256 (and Content-MD5, when asked) the signature covers.</summary>
    private Task<RawHttp.Response> SignedAsync(string method, string path, string query, byte[]? body = null, bool md5 = false, IEnumerable<(string Name, string Value)>? headers = null, Signer? signer = null)
    {
        body ??= [];
        var signed = (headers ?? []).ToList();
        if (md5)
        {
            signed.Add(("Content-MD5", Signer.Md5(body)));
        }

        signer ??= Root;
        var all = signer.Sign(method, path, query, signed, Signer.Sha256(body));
        return SendAsync(method, query.Length > 0 ? $"{path}?{query}" : path, all, body, signer.Endpoint);
    }

    private async Task<bool> ExistsAsync(string bucket, string key)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(bucket, key, Ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task AssertAliveAsync()
    {
        var buckets = await _s3.ListBucketsAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, buckets.HttpStatusCode);
    }

    private static void AssertError(RawHttp.Response response, int status, string code)
    {
        Assert.True(response.Status == status && response.ErrorCode == code, $"expected {status} {code}, got {response.Status} {response.ErrorCode}: {response.Body}");
        Assert.False(string.IsNullOrEmpty(response.Element("RequestId")), "the error names its request");
        ParseXml(response.Body);
    }

    /// <summary>Parses an S3 document as S3 clients do: character references to control characters allowed.</summary>
    private static void ParseXml(string body)
    {
        using var reader = XmlReader.Create(new StringReader(body), new XmlReaderSettings { CheckCharacters = false });
        while (reader.Read())
        {
        }
    }

    // ---- Critical 1: XML nested deep enough to overflow a recursive parser --------------------------------------

    [Fact]
    public async Task DeleteObjectsWithAKeyNested250000DeepIsMalformedXmlAndTheServerLives()
    {
        var bucket = await NewBucketAsync("victim");
        var depth = 250_000;
        var body = Encoding.UTF8.GetBytes("<Delete><Object><Key>" + string.Concat(Enumerable.Repeat("<a>", depth)) + "victim" + string.Concat(Enumerable.Repeat("</a>", depth)) + "</Key></Object></Delete>");
        Assert.True(body.Length < 2 * 1024 * 1024, "under DeleteObjects' 2 MiB limit");
        var before = store.DiskFiles();

        AssertError(await SignedAsync("POST", $"/{bucket}", "delete", body, md5: true), 400, "MalformedXML");

        // Unclosed, as the attack sent it: 300,000 opening tags.
        var unclosed = Encoding.UTF8.GetBytes("<Delete><Object><Key>" + string.Concat(Enumerable.Repeat("<a>", 300_000)));
        AssertError(await SignedAsync("POST", $"/{bucket}", "delete", unclosed, md5: true), 400, "MalformedXML");

        Assert.True(await ExistsAsync(bucket, "victim"));
        Assert.Equal(before, store.DiskFiles());
        await AssertAliveAsync();
    }

    [Fact]
    public async Task CompleteMultipartUploadWith200000LevelsInsideAnETagIsMalformedXml()
    {
        var bucket = await NewBucketAsync();
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "big", Ct);
        await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "big", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream([1, 2, 3]) }, Ct);
        var depth = 200_000;
        var body = Encoding.UTF8.GetBytes("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)) + "</ETag></Part></CompleteMultipartUpload>");

        AssertError(await SignedAsync("POST", $"/{bucket}/big", "uploadId=" + upload.UploadId, body), 400, "MalformedXML");

        Assert.False(await ExistsAsync(bucket, "big"));
        var parts = await _s3.ListPartsAsync(bucket, "big", upload.UploadId, Ct);
        Assert.Single(parts.Parts);
        await AssertAliveAsync();
    }

    [Fact]
    public async Task PostObjectTaggingFieldNestedDeepOrWithADtdIsMalformedXml()
    {
        var bucket = await NewBucketAsync();
        using var http = new HttpClient();
        const string Conditions = """["starts-with", "$key", "up/"], ["starts-with", "$tagging", ""]""";
        var deep = "<Tagging><TagSet><Tag><Key>" + string.Concat(Enumerable.Repeat("<a>", 2_000)) + string.Concat(Enumerable.Repeat("</a>", 2_000)) + "</Key></Tag></TagSet></Tagging>";
        const string Dtd = """<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Tagging><TagSet><Tag><Key>k</Key><Value>&b;</Value></Tag></TagSet></Tagging>""";
        foreach (var tagging in new[] { deep, Dtd })
        {
            var before = store.DiskFiles();
            var posted = await http.PostAsync(new Uri(Endpoint, bucket), PostForms.SigV4(bucket, Conditions, [("key", "up/x"), ("tagging", tagging)], [1, 2, 3]), Ct);
            var text = await posted.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
            Assert.Contains("<Code>MalformedXML</Code>", text, StringComparison.Ordinal);
            Assert.Equal(before, store.DiskFiles());
        }

        Assert.False(await ExistsAsync(bucket, "up/x"));
        await AssertAliveAsync();
    }

    // ---- Critical 2: a signature authorises only the headers it covers -------------------------------------------

    [Theory]
    [InlineData("x-amz-copy-source", "/{bucket}/private/secret.txt")]
    [InlineData("x-amz-meta-owner", "mallory")]
    [InlineData("x-amz-tagging", "classified=no")]
    [InlineData("x-amz-storage-class", "REDUCED_REDUNDANCY")]
    [InlineData("x-amz-acl", "public-read")]
    public async Task PresignedPutWithAnUnsignedAmzHeaderIsRefusedAndChangesNothing(string header, string value)
    {
        var bucket = await NewBucketAsync("private/secret.txt");
        var target = Root.Presign("PUT", $"/{bucket}/uploads/from-partner.txt");
        var body = Encoding.UTF8.GetBytes("partner data");
        var before = store.DiskFiles();

        var refused = await SendAsync("PUT", target, [(header, value.Replace("{bucket}", bucket, StringComparison.Ordinal))], body);
        AssertError(refused, 403, "AccessDenied");
        Assert.Equal(header, refused.Element("HeadersNotSigned"));
        Assert.Equal("There were headers present in the request which were not signed", refused.Element("Message"));
        Assert.False(await ExistsAsync(bucket, "uploads/from-partner.txt"));
        Assert.Equal(before, store.DiskFiles());

        // Negative control: the same URL, as the signer meant it, works.
        var accepted = await SendAsync("PUT", target, [], body);
        Assert.Equal(200, accepted.Status);
        using var get = await _s3.GetObjectAsync(bucket, "uploads/from-partner.txt", Ct);
        Assert.Equal("partner data", await new StreamReader(get.ResponseStream).ReadToEndAsync(Ct));
        Assert.Empty(get.Metadata.Keys);
    }

    [Fact]
    public async Task PresignedUploadPartWithAnUnsignedCopySourceIsRefused()
    {
        var bucket = await NewBucketAsync("private/secret.txt");
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "shared", Ct);
        var target = Root.Presign("PUT", $"/{bucket}/shared", extraQuery: $"partNumber=1&uploadId={upload.UploadId}");

        var refused = await SendAsync("PUT", target, [("x-amz-copy-source", $"/{bucket}/private/secret.txt")], []);
        AssertError(refused, 403, "AccessDenied");
        Assert.Equal("x-amz-copy-source", refused.Element("HeadersNotSigned"));
        Assert.Empty((await _s3.ListPartsAsync(bucket, "shared", upload.UploadId, Ct)).Parts ?? []);
    }

    [Fact]
    public async Task HeaderSignedRequestWithUnsignedAmzHeadersOrContentMd5IsRefused()
    {
        var bucket = await NewBucketAsync();
        var body = Encoding.UTF8.GetBytes("data");
        var headers = Root.Sign("PUT", $"/{bucket}/k", "", [], Signer.Sha256(body), unsigned: [("x-amz-meta-b", "2"), ("X-Amz-Meta-A", "1")]);
        var refused = await SendAsync("PUT", $"/{bucket}/k", headers, body);
        AssertError(refused, 403, "AccessDenied");
        Assert.Equal("x-amz-meta-a, x-amz-meta-b", refused.Element("HeadersNotSigned"));

        var md5 = Root.Sign("PUT", $"/{bucket}/k", "", [], Signer.Sha256(body), unsigned: [("Content-MD5", Signer.Md5(body))]);
        Assert.Equal("content-md5", (await SendAsync("PUT", $"/{bucket}/k", md5, body)).Element("HeadersNotSigned"));

        // x-amzn-trace-id is not x-amz-*: clients add it unsigned, and it changes nothing.
        var trace = Root.Sign("PUT", $"/{bucket}/k", "", [], Signer.Sha256(body), unsigned: [("x-amzn-trace-id", "Root=1-abc")]);
        Assert.Equal(200, (await SendAsync("PUT", $"/{bucket}/k", trace, body)).Status);
    }

    // ---- Medium 3: XML bodies bound to the signature and to Content-MD5 ------------------------------------------

    [Fact]
    public async Task ReplayedDeleteObjectsWithAnotherBodyDeletesNothing()
    {
        var bucket = await NewBucketAsync("victim1", "victim2");
        var signedBody = Encoding.UTF8.GetBytes("<Delete><Object><Key>nonexistent</Key></Object></Delete>");
        var swapped = Encoding.UTF8.GetBytes("<Delete><Object><Key>victim1</Key></Object><Object><Key>victim2</Key></Object></Delete>");
        var before = store.DiskFiles();

        // Signed over the body's SHA-256 (and its Content-MD5): the swapped body is not the one signed.
        var headers = Root.Sign("POST", $"/{bucket}", "delete", [("Content-MD5", Signer.Md5(signedBody))], Signer.Sha256(signedBody));
        AssertError(await SendAsync("POST", $"/{bucket}?delete", headers, swapped), 400, "XAmzContentSHA256Mismatch");

        // UNSIGNED-PAYLOAD with a signed Content-MD5: the body must still match that digest.
        var unsignedPayload = Root.Sign("POST", $"/{bucket}", "delete", [("Content-MD5", Signer.Md5(signedBody))], "UNSIGNED-PAYLOAD");
        AssertError(await SendAsync("POST", $"/{bucket}?delete", unsignedPayload, swapped), 400, "BadDigest");

        // ... and the attacker cannot swap the digest either: it is signed.
        var forged = unsignedPayload.Select(h => h.Name == "Content-MD5" ? (h.Name, Signer.Md5(swapped)) : h).ToList();
        AssertError(await SendAsync("POST", $"/{bucket}?delete", forged, swapped), 403, "SignatureDoesNotMatch");

        Assert.True(await ExistsAsync(bucket, "victim1"));
        Assert.True(await ExistsAsync(bucket, "victim2"));
        Assert.Equal(before, store.DiskFiles());

        // Negative control: the body that was signed is accepted.
        Assert.Equal(200, (await SendAsync("POST", $"/{bucket}?delete", headers, signedBody)).Status);
    }

    [Fact]
    public async Task DeleteObjectsWithoutContentMd5OrAChecksumIsInvalidRequest()
    {
        var bucket = await NewBucketAsync("victim");
        var body = Encoding.UTF8.GetBytes("<Delete><Object><Key>victim</Key></Object></Delete>");
        var refused = await SignedAsync("POST", $"/{bucket}", "delete", body);
        AssertError(refused, 400, "InvalidRequest");
        Assert.Contains("Content-Md5", refused.Element("Message"), StringComparison.Ordinal);
        Assert.True(await ExistsAsync(bucket, "victim"));

        // A CRC32 checksum header (what the current SDKs send instead) is as good as Content-MD5.
        var crc = Convert.ToBase64String(Crc32.Hash(body).Reverse().ToArray());
        Assert.Equal(200, (await SignedAsync("POST", $"/{bucket}", "delete", body, headers: [("x-amz-checksum-crc32", crc)])).Status);
        Assert.False(await ExistsAsync(bucket, "victim"));
    }

    [Theory]
    [InlineData("PUT", "", "versioning", "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>", "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>")]
    [InlineData("PUT", "/k", "tagging", "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>", "<Tagging><TagSet><Tag><Key>b</Key><Value>2</Value></Tag></TagSet></Tagging>")]
    public async Task ReplayedConfigurationBodyIsXAmzContentSha256Mismatch(string method, string key, string query, string signedXml, string swappedXml)
    {
        var bucket = await NewBucketAsync("k");
        var signedBody = Encoding.UTF8.GetBytes(signedXml);
        var headers = Root.Sign(method, $"/{bucket}{key}", query, [], Signer.Sha256(signedBody));
        AssertError(await SendAsync(method, $"/{bucket}{key}?{query}", headers, Encoding.UTF8.GetBytes(swappedXml)), 400, "XAmzContentSHA256Mismatch");
        Assert.Equal(200, (await SendAsync(method, $"/{bucket}{key}?{query}", headers, signedBody)).Status);
    }

    // ---- Medium 4: characters XML cannot carry -------------------------------------------------------------------

    [Fact]
    public async Task ControlCharactersInNamesNeverGiveA500()
    {
        // Anonymous: the error names the resource, which holds U+0001.
        AssertError(await SendAsync("GET", "/x%01y", []), 403, "AccessDenied");
        AssertError(await SignedAsync("GET", "/x%01y", ""), 400, "InvalidBucketName");

        var bucket = await NewBucketAsync();
        Assert.Equal(200, (await SignedAsync("PUT", $"/{bucket}/a%01b", "", [7])).Status);

        // Listing without encoding-type: the key as a character reference, as S3 writes it.
        var plain = await SignedAsync("GET", $"/{bucket}", "list-type=2");
        Assert.Equal(200, plain.Status);
        Assert.Contains("<Key>a&#x1;b</Key>", plain.Body, StringComparison.Ordinal);
        ParseXml(plain.Body);
        var encoded = await SignedAsync("GET", $"/{bucket}", "encoding-type=url&list-type=2");
        Assert.Contains("<Key>a%01b</Key>", encoded.Body, StringComparison.Ordinal);
        var sdk = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Equal("a\u0001b", sdk.S3Objects.Single().Key);

        var created = await SignedAsync("POST", $"/{bucket}/c%01d", "uploads");
        Assert.Equal(200, created.Status);
        Assert.NotNull(created.Element("UploadId"));
        Assert.Equal(200, (await SignedAsync("GET", $"/{bucket}", "uploads")).Status);

        AssertError(await SignedAsync("GET", $"/{bucket}/a", "uploadId=%00"), 404, "NoSuchUpload");
        AssertError(await SignedAsync("GET", $"/{bucket}/a", "versionId=%00"), 400, "InvalidArgument");
        AssertError(await SignedAsync("GET", $"/{bucket}/a%FFb", ""), 400, "InvalidURI");
        await AssertAliveAsync();
    }

    // ---- Medium 5: response headers that cannot be written -------------------------------------------------------

    [Fact]
    public async Task NonAsciiMetadataIsStoredAndReturnedMimeEncoded()
    {
        var bucket = await NewBucketAsync();
        var body = Encoding.UTF8.GetBytes("x");
        var put = await SignedAsync("PUT", $"/{bucket}/meta", "", body, headers: [("x-amz-meta-name", "Ünïcödé"), ("x-amz-meta-word", "=?UTF-8?B?w6lsw6h2ZQ==?=")]);
        Assert.Equal(200, put.Status);
        var encoded = "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Ünïcödé")) + "?=";
        foreach (var method in new[] { "GET", "HEAD" })
        {
            var headers = Root.Sign(method, $"/{bucket}/meta", "", [], Signer.EmptySha256);
            var read = await RawHttp.SendAsync(Endpoint, method, $"/{bucket}/meta", headers, null, Ct);
            Assert.Equal(200, read.Status);
            Assert.Equal(encoded, read.Headers["x-amz-meta-name"]);

            // An encoded word that arrives is decoded when stored (S3 does), and encoded again on the way out.
            Assert.Equal("=?UTF-8?B?w6lsw6h2ZQ==?=", read.Headers["x-amz-meta-word"]);
        }

        var head = await _s3.GetObjectMetadataAsync(bucket, "meta", Ct);
        Assert.Equal(HttpStatusCode.OK, head.HttpStatusCode);
    }

    [Fact]
    public async Task ResponseOverridesThatCannotBeHeadersAreInvalidArgument()
    {
        var bucket = await NewBucketAsync("k");
        AssertError(await SignedAsync("GET", $"/{bucket}/k", "response-content-type=text%2Fplain%0D%0AX-Evil%3A%201"), 400, "InvalidArgument");
        var euro = await SignedAsync("GET", $"/{bucket}/k", "response-content-disposition=attachment%3B%20filename%3D%E2%82%AC.txt");
        AssertError(euro, 400, "InvalidArgument");
        Assert.Equal("Header value cannot be represented using ISO-8859-1.", euro.Element("Message"));

        var latin = await SignedAsync("GET", $"/{bucket}/k", "response-content-type=text%2Fplain");
        Assert.Equal(200, latin.Status);
        Assert.Equal("text/plain", latin.Headers["Content-Type"]);
    }

    [Fact]
    public async Task PostObjectFieldsWithControlCharactersAreRefusedAtWriteTime()
    {
        var bucket = await NewBucketAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        const string Conditions = """["starts-with", "$key", "up/"], ["starts-with", "$x-amz-meta-note", ""], ["starts-with", "$Content-Disposition", ""], ["starts-with", "$success_action_redirect", ""]""";
        foreach (var (name, value) in new[] { ("x-amz-meta-note", "line\r\nX-Evil: 1"), ("Content-Disposition", "inline\u0001") })
        {
            var posted = await http.PostAsync(new Uri(Endpoint, bucket), PostForms.SigV4(bucket, Conditions, [("key", "up/x"), (name, value)], [1, 2, 3]), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
            Assert.Contains("<Code>InvalidArgument</Code>", await posted.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.False(await ExistsAsync(bucket, "up/x"));

        // A redirect with a CR/LF is written from its parsed, escaped form: no header injection, no 500.
        var redirected = await http.PostAsync(new Uri(Endpoint, bucket), PostForms.SigV4(bucket, Conditions, [("key", "up/y"), ("success_action_redirect", "http://app.example/done\r\nX-Evil: 1")], [1, 2, 3]), Ct);
        Assert.Equal(HttpStatusCode.SeeOther, redirected.StatusCode);
        Assert.False(redirected.Headers.Contains("X-Evil"));
    }

    // ---- Low 6–9 ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task EmptyAndNulBucketNamesAreRefusedAtTheEdge()
    {
        AssertError(await SignedAsync("GET", "//key", ""), 400, "InvalidBucketName");
        var bucket = await NewBucketAsync();
        var copy = await SignedAsync("PUT", $"/{bucket}/dest", "", headers: [("x-amz-copy-source", "/a%00b/key")]);
        AssertError(copy, 400, "InvalidArgument");
        Assert.False(await ExistsAsync(bucket, "dest"));
    }

    [Fact]
    public async Task StalledUploadGetsRequestTimeoutClosesTheConnectionAndLeavesNoFile()
    {
        var bucket = await NewBucketAsync();
        var before = store.DiskFiles();
        var headers = Root.Sign("PUT", $"/{bucket}/stalled", "", [], "UNSIGNED-PAYLOAD");
        using var client = await RawHttp.ConnectAsync(Endpoint, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(RawHttp.Head("PUT", $"/{bucket}/stalled", Endpoint, [.. headers, ("Content-Length", "4194304")]), Ct);
        await stream.WriteAsync(new byte[65536], Ct);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await RawHttp.ReadResponseAsync(stream, head: false, Ct);
        AssertError(response, 400, "RequestTimeout");
        Assert.True(response.Closed, "the answer says the connection closes");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(HostileStoreFixture.IdleSeconds * 10), $"answered after {started.Elapsed}");

        // And it does close (an end of stream, or a reset since the client still owes most of the body) within seconds.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            Assert.Equal(0, await stream.ReadAsync(new byte[1], wait.Token));
        }
        catch (IOException)
        {
        }
        Assert.False(await ExistsAsync(bucket, "stalled"));
        Assert.Equal(before, store.DiskFiles());
        Assert.Equal(0, store.ActiveUploads);
    }

    [Fact]
    public async Task UploadsPastTheCapGetSlowDownBeforeTheirBody()
    {
        var bucket = await NewBucketAsync();
        var stalled = new List<System.Net.Sockets.TcpClient>();
        try
        {
            for (var i = 0; i < HostileStoreFixture.MaxUploads; i++)
            {
                var headers = Root.Sign("PUT", $"/{bucket}/s{i}", "", [], "UNSIGNED-PAYLOAD");
                var client = await RawHttp.ConnectAsync(Endpoint, Ct);
                stalled.Add(client);
                await client.GetStream().WriteAsync(RawHttp.Head("PUT", $"/{bucket}/s{i}", Endpoint, [.. headers, ("Content-Length", "1048576")]), Ct);
                await client.GetStream().WriteAsync(new byte[1024], Ct);
            }

            var deadline = DateTime.UtcNow.AddSeconds(HostileStoreFixture.IdleSeconds);
            while (store.ActiveUploads < HostileStoreFixture.MaxUploads && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, Ct);
            }

            Assert.Equal(HostileStoreFixture.MaxUploads, store.ActiveUploads);
            var refused = await SignedAsync("PUT", $"/{bucket}/one-too-many", "", [1, 2, 3]);
            AssertError(refused, 503, "SlowDown");
            Assert.True(refused.Closed);
        }
        finally
        {
            foreach (var client in stalled)
            {
                client.Dispose();
            }
        }

        // The slots come back when the stalled uploads end.
        var wait = DateTime.UtcNow.AddSeconds(HostileStoreFixture.IdleSeconds * 5);
        while (store.ActiveUploads > 0 && DateTime.UtcNow < wait)
        {
            await Task.Delay(20, Ct);
        }

        Assert.Equal(200, (await SignedAsync("PUT", $"/{bucket}/after", "", [1, 2, 3])).Status);
    }

    [Fact]
    public async Task SigV2PresignedUrlValidForYearsIsRefused()
    {
        var bucket = await NewBucketAsync("k");
        AssertError(await SendAsync("GET", Root.PresignV2("GET", $"/{bucket}/k", 253402300799), []), 400, "AuthorizationQueryParametersError");
        var hour = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        Assert.Equal(200, (await SendAsync("GET", Root.PresignV2("GET", $"/{bucket}/k", hour), [])).Status);
    }

    [Fact]
    public async Task BytesAfterTheFinalAwsChunkedChunkAreRefused()
    {
        var bucket = await NewBucketAsync();
        var data = Encoding.UTF8.GetBytes("hello");
        var crc = Convert.ToBase64String(Crc32.Hash(data).Reverse().ToArray());
        var framed = $"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n";
        var before = store.DiskFiles();
        foreach (var (body, expected) in new[] { (framed + "EXTRA BYTES", 400), (framed, 200) })
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var headers = Root.Sign("PUT", $"/{bucket}/chunked", "", [("x-amz-decoded-content-length", "5"), ("x-amz-trailer", "x-amz-checksum-crc32"), ("Content-Encoding", "aws-chunked")], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
            var response = await SendAsync("PUT", $"/{bucket}/chunked", headers, bytes);
            if (expected == 400)
            {
                AssertError(response, 400, "InvalidRequest");
                Assert.False(await ExistsAsync(bucket, "chunked"));
                Assert.Equal(before, store.DiskFiles());
            }
            else
            {
                Assert.Equal(200, response.Status);
            }
        }
    }

    [Fact]
    public async Task MultipartUploadsPastThePerUserCapAreSlowDown()
    {
        var bucket = Names.Bucket("cap");
        await store.Alice.PutBucketAsync(bucket, Ct);
        var ids = new List<string>();
        for (var i = 0; i < HostileStoreFixture.MaxMultipartUploads; i++)
        {
            var created = await SignedAsync("POST", $"/{bucket}/u{i}", "uploads", signer: Alice);
            Assert.Equal(200, created.Status);
            ids.Add(created.Element("UploadId")!);
        }

        AssertError(await SignedAsync("POST", $"/{bucket}/more", "uploads", signer: Alice), 503, "SlowDown");

        // Root's uploads are root's: the cap is per user.
        var rootBucket = await NewBucketAsync();
        Assert.Equal(200, (await SignedAsync("POST", $"/{rootBucket}/mine", "uploads")).Status);

        await store.Alice.AbortMultipartUploadAsync(bucket, "u0", ids[0], Ct);
        Assert.Equal(200, (await SignedAsync("POST", $"/{bucket}/more", "uploads", signer: Alice)).Status);
    }

    // ---- What held already, and stays held ---------------------------------------------------------------------

    [Fact]
    public async Task WrongSecretReusedSignatureAndSkewAreRefused()
    {
        var bucket = await NewBucketAsync("a", "b");
        var wrong = Root.Sign("GET", $"/{bucket}/a", "", [], Signer.EmptySha256, secret: "not-the-secret");
        AssertError(await SendAsync("GET", $"/{bucket}/a", wrong), 403, "SignatureDoesNotMatch");

        var forA = Root.Sign("GET", $"/{bucket}/a", "", [], Signer.EmptySha256);
        Assert.Equal(200, (await SendAsync("GET", $"/{bucket}/a", forA)).Status);
        AssertError(await SendAsync("GET", $"/{bucket}/b", forA), 403, "SignatureDoesNotMatch");
        AssertError(await SendAsync("DELETE", $"/{bucket}/a", forA), 403, "SignatureDoesNotMatch");

        var skewed = Root.Sign("GET", $"/{bucket}/a", "", [], Signer.EmptySha256, now: DateTime.UtcNow.AddMinutes(-20));
        AssertError(await SendAsync("GET", $"/{bucket}/a", skewed), 403, "RequestTimeTooSkewed");

        var expired = Root.Presign("GET", $"/{bucket}/a", expires: 60, now: DateTime.UtcNow.AddMinutes(-5));
        AssertError(await SendAsync("GET", expired, []), 403, "AccessDenied");
        Assert.True(await ExistsAsync(bucket, "a"));
    }

    [Fact]
    public async Task OtherUsersBucketsAndTheAdminApiAreAccessDenied()
    {
        var bucket = await NewBucketAsync("k");
        var before = store.DiskFiles();
        AssertError(await SignedAsync("GET", $"/{bucket}/k", "", signer: Alice), 403, "AccessDenied");
        AssertError(await SignedAsync("PUT", $"/{bucket}/k", "", [1], signer: Alice), 403, "AccessDenied");
        AssertError(await SignedAsync("DELETE", $"/{bucket}/k", "", signer: Alice), 403, "AccessDenied");
        AssertError(await SignedAsync("DELETE", $"/{bucket}", "", signer: Alice), 403, "AccessDenied");
        AssertError(await SignedAsync("GET", "/_tessera/admin/v1/status", "", signer: Alice), 403, "AccessDenied");
        Assert.Equal(before, store.DiskFiles());
        Assert.True(await ExistsAsync(bucket, "k"));
    }

    [Fact]
    public async Task OversizedBodiesAreRefusedBeforeTheyAreStored()
    {
        var bucket = await NewBucketAsync("k");
        var tagging = Encoding.UTF8.GetBytes("<Tagging><TagSet>" + new string(' ', 70_000) + "</TagSet></Tagging>");
        AssertError(await SignedAsync("PUT", $"/{bucket}/k", "tagging", tagging), 400, "MaxMessageLengthExceeded");

        // Six GiB announced: refused from the headers, the body never read.
        var headers = Root.Sign("PUT", $"/{bucket}/huge", "", [], "UNSIGNED-PAYLOAD");
        var huge = await RawHttp.SendAsync(Endpoint, "PUT", $"/{bucket}/huge", [.. headers, ("Content-Length", "6442450944")], null, Ct);
        AssertError(huge, 400, "EntityTooLarge");
        Assert.False(await ExistsAsync(bucket, "huge"));
        await AssertAliveAsync();
    }

    [Fact]
    public async Task BadChunkSignatureIsSignatureDoesNotMatchAndStoresNothing()
    {
        var bucket = await NewBucketAsync();
        var before = store.DiskFiles();
        var body = Encoding.UTF8.GetBytes($"5;chunk-signature={new string('0', 64)}\r\nhello\r\n0;chunk-signature={new string('0', 64)}\r\n\r\n");
        var headers = Root.Sign("PUT", $"/{bucket}/chunked", "", [("x-amz-decoded-content-length", "5"), ("Content-Encoding", "aws-chunked")], "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        AssertError(await SendAsync("PUT", $"/{bucket}/chunked", headers, body), 403, "SignatureDoesNotMatch");
        Assert.False(await ExistsAsync(bucket, "chunked"));
        Assert.Equal(before, store.DiskFiles());
    }
}

/// <summary>One server (<see cref="HostileStoreFixture"/>).</summary>
public sealed class HostileClientTests(HostileStoreFixture store) : HostileClientTestsBase(store), IClassFixture<HostileStoreFixture>;
