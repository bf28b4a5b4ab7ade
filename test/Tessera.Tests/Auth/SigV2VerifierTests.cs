using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Auth;

/// <summary>
/// Signature Version 2 against the examples of the Amazon S3 API reference, "Signing and authenticating REST requests
/// (AWS signature version 2)": the GetObject header example, the query-string example, and the string to sign of
/// the upload example; then the failure cases.
/// </summary>
public sealed class SigV2VerifierTests
{
    /// <summary>The reference's GetObject example: virtual-hosted bucket awsexamplebucket1, a Date with a numeric zone.</summary>
    private static readonly DateTimeOffset GetExampleTime = new(2007, 3, 27, 19, 36, 42, TimeSpan.Zero);

    private static HttpRequest GetExample(string signature = "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=", string accessKey = AccessKey)
        => Create(
            "GET",
            "/photos/puppy.jpg",
            ("Host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"),
            ("Date", "Tue, 27 Mar 2007 19:36:42 +0000"),
            ("Authorization", $"AWS {accessKey}:{signature}"));

    /// <summary>The reference's query-string example (bucket johnsmith, Expires 1175139620 = 2007-03-29T03:40:20Z).</summary>
    private const string QueryExample = "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";

    private static string Sign(string stringToSign) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(SecretKey), Encoding.UTF8.GetBytes(stringToSign)));

    private static S3Exception Fails(HttpRequest request, S3Error expected, DateTimeOffset now, string? hostBucket = null)
    {
        var exception = Assert.Throws<S3Exception>(() => Verifier(now).Verify(request, hostBucket));
        Assert.Equal(expected.Code, exception.Error.Code);
        return exception;
    }

    [Fact]
    public void GetObjectExample_Verifies()
    {
        var result = Verifier(GetExampleTime.AddMinutes(3)).Verify(GetExample(), "awsexamplebucket1");

        Assert.Equal(AccessKey, result.AccessKey);
        Assert.Equal(PayloadMode.Unsigned, result.Mode);
        Assert.Null(result.PayloadSha256Hex);
        Assert.Equal(GetExampleTime, result.RequestTime);
        Assert.False(result.IsPresigned);
        Assert.False(result.IsStreaming);
    }

    [Fact]
    public void GetObjectExample_SignedForAnotherBucket_DoesNotMatch()
    {
        // The bucket is part of the signed resource: the same request addressed to another host's bucket fails.
        Fails(GetExample(), S3Errors.SignatureDoesNotMatch, GetExampleTime, "otherbucket");
        Fails(GetExample(), S3Errors.SignatureDoesNotMatch, GetExampleTime);
    }

    [Fact]
    public void QueryExample_VerifiesVirtualHostedAndPathStyle()
    {
        var beforeExpiry = new DateTimeOffset(2007, 3, 29, 3, 0, 0, TimeSpan.Zero);
        var virtualHosted = Verifier(beforeExpiry).Verify(Create("GET", QueryExample, ("Host", "johnsmith.s3.amazonaws.com")), "johnsmith");
        Assert.True(virtualHosted.IsPresigned);
        Assert.Equal(AccessKey, virtualHosted.AccessKey);

        var pathStyle = Verifier(beforeExpiry).Verify(Create("GET", "/johnsmith" + QueryExample, ("Host", "s3.amazonaws.com")));
        Assert.True(pathStyle.IsPresigned);
    }

    [Fact]
    public void QueryExample_AfterExpires_IsAccessDeniedWithTheTimes()
    {
        var afterExpiry = new DateTimeOffset(2007, 3, 29, 3, 40, 21, TimeSpan.Zero);
        var exception = Fails(Create("GET", QueryExample, ("Host", "johnsmith.s3.amazonaws.com")), S3Errors.AccessDenied, afterExpiry, "johnsmith");
        Assert.Equal("Request has expired", exception.Message);
        Assert.Contains(new KeyValuePair<string, string>("Expires", "2007-03-29T03:40:20Z"), exception.Details!);
    }

    [Fact]
    public void UploadExample_StringToSignHasAmzHeadersSortedAndMerged()
    {
        // The reference's upload example: standard headers in position, x-amz-* lower-cased, sorted, repeated values
        // joined by a comma; other headers (Content-Disposition, Content-Encoding) are not signed.
        var request = Create(
            "PUT",
            "/db-backup.dat.gz",
            ("Host", "static.example.com"),
            ("Date", "Tue, 27 Mar 2007 21:06:08 +0000"),
            ("x-amz-acl", "public-read"),
            ("content-type", "application/x-download"),
            ("Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="),
            ("X-Amz-Meta-ReviewedBy", "joe@example.com"),
            ("X-Amz-Meta-ReviewedBy", "jane@example.com"),
            ("X-Amz-Meta-FileChecksum", "0x02661779"),
            ("X-Amz-Meta-ChecksumAlgorithm", "crc32"),
            ("Content-Disposition", "attachment; filename=database.dat"),
            ("Content-Encoding", "gzip"));
        const string Expected =
            "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n"
            + "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n"
            + "x-amz-meta-reviewedby:joe@example.com,jane@example.com\n/static.example.com/db-backup.dat.gz";

        Assert.Equal(Expected, SigV2Verifier.StringToSign(request, "Tue, 27 Mar 2007 21:06:08 +0000", "/db-backup.dat.gz", "", "static.example.com"));

        request.Headers.Authorization = $"AWS {AccessKey}:{Sign(Expected)}";
        var now = new DateTimeOffset(2007, 3, 27, 21, 6, 8, TimeSpan.Zero);
        Assert.Equal(AccessKey, Verifier(now).Verify(request, "static.example.com").AccessKey);
    }

    [Fact]
    public void XAmzDate_EmptiesTheDatePosition_AndSubResourcesAreSortedAndDecoded()
    {
        // As s3cmd signs: x-amz-date instead of Date; uploadId and partNumber belong to the resource, other
        // parameters do not; values are signed decoded.
        const string StringToSign = "PUT\n\n\n\nx-amz-date:Tue, 01 Dec 2026 12:00:00 GMT\n/bucket/key?partNumber=2&uploadId=a/b c";
        var request = Create(
            "PUT",
            "/bucket/key?uploadId=a%2Fb%20c&partNumber=2&x-id=UploadPart",
            ("Host", "127.0.0.1:9000"),
            ("x-amz-date", "Tue, 01 Dec 2026 12:00:00 GMT"),
            ("Date", "Mon, 01 Jan 2001 00:00:00 GMT"),
            ("Authorization", $"AWS {AccessKey}:{Sign(StringToSign)}"));

        var result = Verifier(new DateTimeOffset(2026, 12, 1, 12, 5, 0, TimeSpan.Zero)).Verify(request);

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero), result.RequestTime);
    }

    [Fact]
    public void DeclaredSha256_IsCheckedLikeSigV4()
    {
        const string Hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        const string StringToSign = "PUT\n\n\nTue, 01 Dec 2026 12:00:00 GMT\nx-amz-content-sha256:" + Hash + "\n/bucket/empty";
        var request = Create(
            "PUT",
            "/bucket/empty",
            ("Host", "localhost"),
            ("Date", "Tue, 01 Dec 2026 12:00:00 GMT"),
            ("x-amz-content-sha256", Hash),
            ("Authorization", $"AWS {AccessKey}:{Sign(StringToSign)}"));

        var result = Verifier(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero)).Verify(request);

        Assert.Equal(PayloadMode.Sha256, result.Mode);
        Assert.Equal(Hash, result.PayloadSha256Hex);
    }

    [Fact]
    public void WrongSignature_UnknownKey_AndMalformedHeader_Fail()
    {
        Fails(GetExample("qgk2+6Sv9/oM7G3qLEjTH1a1l1h="), S3Errors.SignatureDoesNotMatch, GetExampleTime, "awsexamplebucket1");
        Fails(GetExample("not base64!"), S3Errors.SignatureDoesNotMatch, GetExampleTime, "awsexamplebucket1");
        Fails(GetExample(accessKey: "AKIAUNKNOWN000000000"), S3Errors.InvalidAccessKeyId, GetExampleTime, "awsexamplebucket1");
        var malformed = Create("GET", "/photos/puppy.jpg", ("Host", "localhost"), ("Date", "Tue, 27 Mar 2007 19:36:42 +0000"), ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE"));
        Fails(malformed, S3Errors.InvalidArgument, GetExampleTime);
    }

    [Fact]
    public void SkewedOrMissingDate_Fails()
    {
        Fails(GetExample(), S3Errors.RequestTimeTooSkewed, GetExampleTime.AddMinutes(16), "awsexamplebucket1");
        var undated = Create("GET", "/photos/puppy.jpg", ("Host", "localhost"), ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="));
        Fails(undated, S3Errors.AccessDenied, GetExampleTime);
    }

    [Fact]
    public void PresignedWithoutExpires_OrWithHeaderToo_Fails()
    {
        Fails(Create("GET", "/johnsmith/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x", ("Host", "localhost")), S3Errors.AccessDenied, GetExampleTime);
        Fails(Create("GET", "/johnsmith/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=soon&Signature=x", ("Host", "localhost")), S3Errors.AccessDenied, GetExampleTime);
        var both = GetExample();
        both.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = QueryExample;
        Fails(both, S3Errors.InvalidArgument, GetExampleTime);
    }

    [Fact]
    public void SignedAwsChunkedBody_IsRefused()
    {
        const string StringToSign = "PUT\n\n\nTue, 01 Dec 2026 12:00:00 GMT\nx-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\n/bucket/key";
        var request = Create(
            "PUT",
            "/bucket/key",
            ("Host", "localhost"),
            ("Date", "Tue, 01 Dec 2026 12:00:00 GMT"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Authorization", $"AWS {AccessKey}:{Sign(StringToSign)}"));

        Fails(request, S3Errors.InvalidRequest, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void QueryExample_ValidForMoreThanAWeek_IsRefused()
    {
        // SigV2 sets no limit of its own; Tessera gives it SigV4's week, so a URL cannot be a key that never expires.
        var eightDaysBefore = new DateTimeOffset(2007, 3, 21, 3, 40, 19, TimeSpan.Zero);
        var exception = Fails(Create("GET", QueryExample, ("Host", "johnsmith.s3.amazonaws.com")), S3Errors.AuthorizationQueryParametersError, eightDaysBefore, "johnsmith");
        Assert.Contains("604800", exception.Message, StringComparison.Ordinal);

        var sixDaysBefore = new DateTimeOffset(2007, 3, 23, 3, 40, 20, TimeSpan.Zero);
        Assert.True(Verifier(sixDaysBefore).Verify(Create("GET", QueryExample, ("Host", "johnsmith.s3.amazonaws.com")), "johnsmith").IsPresigned);
    }
}
