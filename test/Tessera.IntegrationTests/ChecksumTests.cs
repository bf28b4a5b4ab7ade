using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tessera.Core.Hashing;

namespace Tessera.IntegrationTests;

/// <summary>
/// Additional checksums as S3 speaks them: a wrong value is BadDigest, a multipart upload has a checksum type
/// (COMPOSITE or FULL_OBJECT, with S3's rules on which algorithm takes which), its parts must carry the upload's
/// algorithm where the type needs them, and a FULL_OBJECT CRC is the CRC of the whole object. On any
/// <see cref="IS3Target"/> with a 1-byte minimum part size: one server, or a cluster through its gateways.
/// </summary>
public abstract class ChecksumTestsBase(IS3Target store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Signer Root => new(store.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret);

    private async Task<string> NewBucketAsync()
    {
        var bucket = Names.Bucket("ck");
        await store.Client.PutBucketAsync(bucket, Ct);
        return bucket;
    }

    private Task<RawHttp.Response> SignedAsync(string method, string path, string query, byte[]? body = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        body ??= [];
        var all = Root.Sign(method, path, query, headers ?? [], Signer.Sha256(body));
        all.Add(("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)));
        return RawHttp.SendAsync(store.Endpoint, method, query.Length > 0 ? $"{path}?{query}" : path, all, body, Ct);
    }

    private static string Crc32CBase64(byte[] data)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Crc32C.HashToUInt32(data));
        return Convert.ToBase64String(bytes);
    }

    [Theory]
    [InlineData("x-amz-checksum-sha256", 32)]
    [InlineData("x-amz-checksum-crc64nvme", 8)]
    [InlineData("x-amz-checksum-crc32", 4)]
    public async Task AWrongChecksumIsBadDigestAndAMalformedOneInvalidRequest(string header, int length)
    {
        var bucket = await NewBucketAsync();
        var wrong = await SignedAsync("PUT", $"/{bucket}/k", "", [1, 2, 3], [(header, Convert.ToBase64String(new byte[length]))]);
        Assert.Equal((400, "BadDigest"), (wrong.Status, wrong.ErrorCode));
        var malformed = await SignedAsync("PUT", $"/{bucket}/k", "", [1, 2, 3], [(header, "not-base64!")]);
        Assert.Equal((400, "InvalidRequest"), (malformed.Status, malformed.ErrorCode));
    }

    [Theory]
    [InlineData("CRC64NVME", null, 200, "FULL_OBJECT")]
    [InlineData("CRC64NVME", "COMPOSITE", 400, null)]
    [InlineData("SHA256", "FULL_OBJECT", 400, null)]
    [InlineData("SHA1", null, 200, "COMPOSITE")]
    [InlineData("CRC32", "FULL_OBJECT", 200, "FULL_OBJECT")]
    [InlineData("CRC32C", "COMPOSITE", 200, "COMPOSITE")]
    [InlineData("CRC32", null, 200, "COMPOSITE")]
    [InlineData(null, "FULL_OBJECT", 400, null)]
    [InlineData("CRC32", "WHOLE", 400, null)]
    public async Task AMultipartUploadHasTheChecksumTypesS3Allows(string? algorithm, string? type, int status, string? reported)
    {
        var bucket = await NewBucketAsync();
        var headers = new List<(string, string)>();
        if (algorithm is not null)
        {
            headers.Add(("x-amz-checksum-algorithm", algorithm));
        }

        if (type is not null)
        {
            headers.Add(("x-amz-checksum-type", type));
        }

        var created = await SignedAsync("POST", $"/{bucket}/mp", "uploads", headers: headers);
        Assert.Equal(status, created.Status);
        if (status == 200)
        {
            Assert.Equal(reported, created.Headers["x-amz-checksum-type"]);
        }
        else
        {
            Assert.Equal("InvalidRequest", created.ErrorCode);
        }
    }

    [Fact]
    public async Task AFullObjectCrcIsTheCrcOfTheWholeObject()
    {
        var bucket = await NewBucketAsync();
        var created = await SignedAsync("POST", $"/{bucket}/full", "uploads", headers: [("x-amz-checksum-algorithm", "CRC32C"), ("x-amz-checksum-type", "FULL_OBJECT")]);
        var uploadId = created.Element("UploadId")!;
        var listed = await SignedAsync("GET", $"/{bucket}/full", "uploadId=" + uploadId);
        Assert.Equal(("CRC32C", "FULL_OBJECT"), (listed.Element("ChecksumAlgorithm"), listed.Element("ChecksumType")));
        var parts = Enumerable.Range(1, 3).Select(i => Names.RandomBytes(10_000 * i + 7, i)).ToList();
        var etags = new List<string>();
        for (var i = 0; i < parts.Count; i++)
        {
            var part = await SignedAsync("PUT", $"/{bucket}/full", $"partNumber={i + 1}&uploadId={uploadId}", parts[i], [("x-amz-checksum-crc32c", Crc32CBase64(parts[i]))]);
            Assert.Equal(200, part.Status);
            etags.Add(part.Headers["ETag"]);
        }

        var body = Encoding.UTF8.GetBytes("<CompleteMultipartUpload>" + string.Concat(etags.Select((e, i) => $"<Part><PartNumber>{i + 1}</PartNumber><ETag>{e}</ETag></Part>")) + "</CompleteMultipartUpload>");
        var done = await SignedAsync("POST", $"/{bucket}/full", "uploadId=" + uploadId, body);
        Assert.Equal(200, done.Status);
        var whole = parts.SelectMany(p => p).ToArray();
        Assert.Equal(Crc32CBase64(whole), done.Element("ChecksumCRC32C"));
        Assert.Equal("FULL_OBJECT", done.Element("ChecksumType"));

        var head = await SignedAsync("HEAD", $"/{bucket}/full", "", headers: [("x-amz-checksum-mode", "ENABLED")]);
        Assert.Equal(Crc32CBase64(whole), head.Headers["x-amz-checksum-crc32c"]);
        Assert.Equal("FULL_OBJECT", head.Headers["x-amz-checksum-type"]);
    }

    [Fact]
    public async Task ACompositeShaUploadRefusesPartsWithoutItsChecksum()
    {
        var bucket = await NewBucketAsync();
        var created = await SignedAsync("POST", $"/{bucket}/sha", "uploads", headers: [("x-amz-checksum-algorithm", "SHA256")]);
        var uploadId = created.Element("UploadId")!;
        var data = Names.RandomBytes(5000, 9);
        var without = await SignedAsync("PUT", $"/{bucket}/sha", $"partNumber=1&uploadId={uploadId}", data);
        Assert.Equal((400, "InvalidRequest"), (without.Status, without.ErrorCode));
        Assert.Contains("expected checksum Type: sha256, actual checksum Type: null", without.Element("Message"), StringComparison.Ordinal);
        var otherAlgorithm = await SignedAsync("PUT", $"/{bucket}/sha", $"partNumber=1&uploadId={uploadId}", data, [("x-amz-checksum-crc32c", Crc32CBase64(data))]);
        Assert.Equal((400, "InvalidRequest"), (otherAlgorithm.Status, otherAlgorithm.ErrorCode));

        var sha = Convert.ToBase64String(SHA256.HashData(data));
        var part = await SignedAsync("PUT", $"/{bucket}/sha", $"partNumber=1&uploadId={uploadId}", data, [("x-amz-checksum-sha256", sha)]);
        Assert.Equal(200, part.Status);
        var body = Encoding.UTF8.GetBytes($"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.Headers["ETag"]}</ETag><ChecksumSHA256>{sha}</ChecksumSHA256></Part></CompleteMultipartUpload>");
        var done = await SignedAsync("POST", $"/{bucket}/sha", "uploadId=" + uploadId, body);
        Assert.Equal(200, done.Status);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(SHA256.HashData(data))) + "-1", done.Element("ChecksumSHA256"));
        Assert.Equal("COMPOSITE", done.Element("ChecksumType"));
    }
}

/// <summary>One server (<see cref="SmallPartStoreFixture"/>).</summary>
public sealed class ChecksumTests(SmallPartStoreFixture store) : ChecksumTestsBase(store), IClassFixture<SmallPartStoreFixture>;
