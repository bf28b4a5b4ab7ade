using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Auth;

/// <summary>
/// The examples of the Amazon S3 API reference, "Signature Calculations for the Authorization Header: Transferring
/// Payload in a Single Chunk" and "Authenticating Requests: Using Query Parameters", and the failure cases around them.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string Host = "examplebucket.s3.amazonaws.com";

    private static string Authorization(string signedHeaders, string signature, string accessKey = AccessKey)
        => $"AWS4-HMAC-SHA256 Credential={accessKey}/20130524/us-east-1/s3/aws4_request,SignedHeaders={signedHeaders},Signature={signature}";

    private static HttpRequest GetObjectExample(string signature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", string accessKey = AccessKey, string amzDate = AmzDate)
        => Create(
            "GET",
            "/test.txt",
            ("Host", Host),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", EmptySha256),
            ("x-amz-date", amzDate),
            ("Authorization", Authorization("host;range;x-amz-content-sha256;x-amz-date", signature, accessKey)));

    private const string PresignedExample =
        "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    private static S3Exception Fails(SigV4Verifier verifier, HttpRequest request, S3Error expected)
    {
        var exception = Assert.Throws<S3Exception>(() => verifier.Verify(request));
        Assert.Equal(expected.Code, exception.Error.Code);
        return exception;
    }

    [Fact]
    public void GetObjectExample_Verifies()
    {
        var result = Verifier().Verify(GetObjectExample());

        Assert.Equal(AccessKey, result.AccessKey);
        Assert.Equal(PayloadMode.Sha256, result.Mode);
        Assert.Equal(EmptySha256, result.PayloadSha256Hex);
        Assert.Equal("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", result.SeedSignature);
        Assert.Equal("20130524/us-east-1/s3/aws4_request", result.Scope);
        Assert.Equal(AmzDate, result.AmzDate);
        Assert.Equal(ExampleTime, result.RequestTime);
        Assert.False(result.IsPresigned);
        Assert.False(result.IsStreaming);
        Assert.Equal(32, result.SigningKey.Length);
    }

    [Fact]
    public void PutObjectExample_VerifiesWithDollarInKeyAndDateHeader()
    {
        // The example sends "test$file.text"; its canonical URI is /test%24file.text.
        var request = Create(
            "PUT",
            "/test$file.text",
            ("Host", Host),
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-date", AmzDate),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            ("Authorization", Authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")));

        var result = Verifier().Verify(request);

        Assert.Equal(PayloadMode.Sha256, result.Mode);
        using var payload = new PayloadHashVerifier(result.PayloadSha256Hex!);
        payload.Append("Welcome to Amazon S3."u8);
        payload.Verify();
    }

    [Fact]
    public void PutObjectExample_EncodedDollarVerifiesToo()
    {
        var request = Create(
            "PUT",
            "/test%24file.text",
            ("Host", Host),
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-date", AmzDate),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            ("Authorization", Authorization("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")));

        Verifier().Verify(request);
    }

    [Fact]
    public void GetBucketLifecycleExample_Verifies()
    {
        var request = Create(
            "GET",
            "/?lifecycle",
            ("Host", Host),
            ("x-amz-date", AmzDate),
            ("x-amz-content-sha256", EmptySha256),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")));

        Verifier().Verify(request);
    }

    [Fact]
    public void ListObjectsExample_Verifies()
    {
        var request = Create(
            "GET",
            "/?max-keys=2&prefix=J",
            ("Host", Host),
            ("x-amz-date", AmzDate),
            ("x-amz-content-sha256", EmptySha256),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")));

        Verifier().Verify(request);
    }

    [Fact]
    public void ListObjectsExample_ParameterOrderOnTheWireDoesNotMatter()
    {
        var request = Create(
            "GET",
            "/?prefix=J&max-keys=2",
            ("Host", Host),
            ("x-amz-date", AmzDate),
            ("x-amz-content-sha256", EmptySha256),
            ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")));

        Verifier().Verify(request);
    }

    [Fact]
    public void PresignedExample_Verifies()
    {
        var result = Verifier().Verify(Create("GET", PresignedExample, ("Host", Host)));

        Assert.True(result.IsPresigned);
        Assert.Equal(PayloadMode.Unsigned, result.Mode);
        Assert.Null(result.PayloadSha256Hex);
        Assert.Equal(AccessKey, result.AccessKey);
    }

    [Fact]
    public void PresignedExample_VerifiesUntilItsExpiry()
    {
        Verifier(ExampleTime.AddSeconds(86400)).Verify(Create("GET", PresignedExample, ("Host", Host)));
    }

    [Fact]
    public void PresignedExample_ExpiredIsAccessDenied()
    {
        var exception = Fails(Verifier(ExampleTime.AddSeconds(86401)), Create("GET", PresignedExample, ("Host", Host)), S3Errors.AccessDenied);
        Assert.Equal("Request has expired", exception.Message);
    }

    [Fact]
    public void PresignedExample_FromTheFutureIsTooSkewed()
    {
        Fails(Verifier(ExampleTime.AddMinutes(-16)), Create("GET", PresignedExample, ("Host", Host)), S3Errors.RequestTimeTooSkewed);
        Verifier(ExampleTime.AddMinutes(-14)).Verify(Create("GET", PresignedExample, ("Host", Host)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("604801")]
    [InlineData("-5")]
    [InlineData("soon")]
    public void PresignedExpiresOutOfRange_IsAQueryParametersError(string expires)
    {
        var target = PresignedExample.Replace("X-Amz-Expires=86400", "X-Amz-Expires=" + expires, StringComparison.Ordinal);
        Fails(Verifier(), Create("GET", target, ("Host", Host)), S3Errors.AuthorizationQueryParametersError);
    }

    [Fact]
    public void PresignedWithAMissingParameter_IsAQueryParametersError()
    {
        var target = PresignedExample.Replace("&X-Amz-SignedHeaders=host", string.Empty, StringComparison.Ordinal);
        Fails(Verifier(), Create("GET", target, ("Host", Host)), S3Errors.AuthorizationQueryParametersError);
    }

    [Fact]
    public void PresignedWithATamperedPath_DoesNotMatch()
    {
        Fails(Verifier(), Create("GET", PresignedExample.Replace("/test.txt", "/test2.txt", StringComparison.Ordinal), ("Host", Host)), S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public void PresignedWithAWeekLongExpiry_Verifies()
    {
        const string Target = "/photos/a%20b.jpg";
        var amzDate = AmzDate;
        var query = new List<(string, string)>
        {
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", $"{AccessKey}/20130524/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", "604800"),
            ("X-Amz-SignedHeaders", "host"),
            ("response-content-disposition", "attachment; filename=\"a b.jpg\""),
        };
        var canonical = ReferenceSigner.CanonicalRequest("GET", "/photos/a b.jpg", query, [("host", Host)], "UNSIGNED-PAYLOAD");
        var signature = ReferenceSigner.Signature(canonical, amzDate, SecretKey, Region);
        var rawQuery = string.Join("&", query.Select(p => ReferenceSigner.UriEncode(p.Item1, true) + "=" + ReferenceSigner.UriEncode(p.Item2, true)));
        var request = Create("GET", $"{Target}?{rawQuery}&X-Amz-Signature={signature}", ("Host", Host));

        Verifier(ExampleTime.AddDays(7)).Verify(request);
        Fails(Verifier(ExampleTime.AddDays(7).AddSeconds(1)), request, S3Errors.AccessDenied);
    }

    [Fact]
    public void WrongSecret_DoesNotMatch()
    {
        var verifier = new SigV4Verifier(new InMemoryCredentialProvider([new(AccessKey, "not-the-secret")]), new ManualTimeProvider(ExampleTime), Region);
        Fails(verifier, GetObjectExample(), S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public void TamperedHeader_DoesNotMatch()
    {
        var request = GetObjectExample();
        request.Headers.Range = "bytes=0-99";
        Fails(Verifier(), request, S3Errors.SignatureDoesNotMatch);
    }

    [Theory]
    [InlineData("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb40")]
    [InlineData("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb4")]
    [InlineData("not hex")]
    [InlineData("")]
    public void WrongSignature_DoesNotMatch(string signature)
    {
        Fails(Verifier(), GetObjectExample(signature), S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public void UpperCaseSignatureHex_StillMatches()
    {
        Verifier().Verify(GetObjectExample("F0E8BDB87C964420E857BD35B5D6ED310BD44F0170ABA48DD91039C6036BDB41"));
    }

    [Fact]
    public void UnknownAccessKey_IsInvalidAccessKeyId()
    {
        Fails(Verifier(), GetObjectExample(accessKey: "AKIDONTKNOWYOU"), S3Errors.InvalidAccessKeyId);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(-16)]
    public void SkewOfSixteenMinutes_IsRequestTimeTooSkewed(int minutes)
    {
        Fails(Verifier(ExampleTime.AddMinutes(minutes)), GetObjectExample(), S3Errors.RequestTimeTooSkewed);
    }

    [Theory]
    [InlineData(14)]
    [InlineData(-14)]
    public void SkewWithinFifteenMinutes_Verifies(int minutes)
    {
        Verifier(ExampleTime.AddMinutes(minutes)).Verify(GetObjectExample());
    }

    [Fact]
    public void Anonymous_IsAccessDenied()
    {
        Fails(Verifier(), Create("GET", "/test.txt", ("Host", Host)), S3Errors.AccessDenied);
    }

    [Fact]
    public void SigV4aHeader_IsRejectedAsUnsupported()
    {
        var exception = Fails(Verifier(), Create("GET", "/test.txt", ("Host", Host), ("x-amz-date", AmzDate), ("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/s3/aws4_request, SignedHeaders=host, Signature=00")), S3Errors.InvalidRequest);
        Assert.Contains("Please use AWS4-HMAC-SHA256", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderAndQueryAuthTogether_IsInvalidArgument()
    {
        var request = GetObjectExample();
        request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = PresignedExample;
        Fails(Verifier(), request, S3Errors.InvalidArgument);
    }

    [Fact]
    public void WrongRegion_IsAuthorizationHeaderMalformed()
    {
        var exception = Fails(Verifier(region: "eu-west-1"), GetObjectExample(), S3Errors.AuthorizationHeaderMalformed);
        Assert.Equal("The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'", exception.Message);
    }

    [Fact]
    public void WrongRegionInPresignedUrl_IsAuthorizationQueryParametersError()
    {
        Fails(Verifier(region: "eu-west-1"), Create("GET", PresignedExample, ("Host", Host)), S3Errors.AuthorizationQueryParametersError);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3,SignedHeaders=host,Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/sqs/aws4_request,SignedHeaders=host,Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2013-05-24/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130523/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=00,Extra=1")]
    [InlineData("AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=00")]
    public void MalformedAuthorization_IsAuthorizationHeaderMalformed(string authorization)
    {
        var request = Create("GET", "/test.txt", ("Host", Host), ("x-amz-date", AmzDate), ("x-amz-content-sha256", EmptySha256), ("Authorization", authorization));
        Fails(Verifier(), request, S3Errors.AuthorizationHeaderMalformed);
    }

    [Fact]
    public void HostNotSigned_IsAccessDenied()
    {
        var request = Create("GET", "/test.txt", ("Host", Host), ("x-amz-date", AmzDate), ("x-amz-content-sha256", EmptySha256), ("Authorization", Authorization("x-amz-content-sha256;x-amz-date", new string('0', 64))));
        Fails(Verifier(), request, S3Errors.AccessDenied);
    }

    [Fact]
    public void MissingContentSha256_IsInvalidRequest()
    {
        var request = Create("GET", "/test.txt", ("Host", Host), ("Range", "bytes=0-9"), ("x-amz-date", AmzDate), ("Authorization", Authorization("host;range;x-amz-date", new string('0', 64))));
        var exception = Fails(Verifier(), request, S3Errors.InvalidRequest);
        Assert.Equal("Missing required header for this request: x-amz-content-sha256", exception.Message);
    }

    [Fact]
    public void BadContentSha256_IsInvalidArgument()
    {
        var request = Create("GET", "/test.txt", ("Host", Host), ("x-amz-date", AmzDate), ("x-amz-content-sha256", "abc"), ("Authorization", Authorization("host;x-amz-content-sha256;x-amz-date", new string('0', 64))));
        Fails(Verifier(), request, S3Errors.InvalidArgument);
    }

    [Fact]
    public void MissingDate_IsAccessDenied()
    {
        var request = Create("GET", "/test.txt", ("Host", Host), ("x-amz-content-sha256", EmptySha256), ("Authorization", Authorization("host;x-amz-content-sha256", new string('0', 64))));
        Fails(Verifier(), request, S3Errors.AccessDenied);
    }

    [Theory]
    [InlineData(PayloadHash.Unsigned, PayloadMode.Unsigned)]
    [InlineData(PayloadHash.StreamingSigned, PayloadMode.StreamingSigned)]
    [InlineData(PayloadHash.StreamingSignedTrailer, PayloadMode.StreamingSignedTrailer)]
    [InlineData(PayloadHash.StreamingUnsignedTrailer, PayloadMode.StreamingUnsignedTrailer)]
    [InlineData("44CE7DD67C959E0D3524FFAC1771DFBBA87D2B6B4B4E99E42034A8B803F8B072", PayloadMode.Sha256)]
    public void EveryPayloadModeIsSignedAndReported(string contentSha256, PayloadMode mode)
    {
        (string, string)[] headers = [("host", Host), ("x-amz-content-sha256", contentSha256), ("x-amz-date", AmzDate)];
        var canonical = ReferenceSigner.CanonicalRequest("PUT", "/key", [], headers, contentSha256);
        var signature = ReferenceSigner.Signature(canonical, AmzDate, SecretKey, Region);
        var request = Create("PUT", "/key", [.. headers, ("Authorization", ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(headers), signature))]);

        var result = Verifier().Verify(request);

        Assert.Equal(mode, result.Mode);
        Assert.Equal(mode == PayloadMode.Sha256 ? contentSha256.ToLowerInvariant() : null, result.PayloadSha256Hex);
        Assert.Equal(signature, result.SeedSignature);
    }

    [Fact]
    public void SigningKeysAreCachedPerDay()
    {
        var verifier = Verifier();
        verifier.Verify(GetObjectExample());
        verifier.Verify(GetObjectExample());
        Assert.Equal(1, verifier.SigningKeys.Count);
        Assert.Equal(
            ReferenceSigner.SigningKey(SecretKey, "20130524", Region),
            verifier.Verify(GetObjectExample()).SigningKey.ToArray());
    }

    [Fact]
    public void HeaderValuesAreTrimmedAndSpacesCollapsed()
    {
        (string, string)[] signed = [("host", Host), ("x-amz-content-sha256", EmptySha256), ("x-amz-date", AmzDate), ("x-amz-meta-note", "a   b  c"), ("x-amz-meta-multi", "one"), ("x-amz-meta-multi", "two")];
        var canonical = ReferenceSigner.CanonicalRequest("GET", "/key", [], signed, EmptySha256);
        Assert.Contains("x-amz-meta-note:a b c\n", canonical, StringComparison.Ordinal);
        Assert.Contains("x-amz-meta-multi:one,two\n", canonical, StringComparison.Ordinal);
        var signature = ReferenceSigner.Signature(canonical, AmzDate, SecretKey, Region);
        var request = Create(
            "GET",
            "/key",
            ("Host", Host),
            ("x-amz-content-sha256", EmptySha256),
            ("x-amz-date", AmzDate),
            ("X-Amz-Meta-Note", "  a   b  c "),
            ("x-amz-meta-multi", "one"),
            ("x-amz-meta-multi", " two"),
            ("Authorization", ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(signed), signature)));

        Verifier().Verify(request);
    }

    [Fact]
    public void DateHeaderAloneIsUsedAsTheRequestTime()
    {
        (string, string)[] headers = [("date", "Fri, 24 May 2013 00:00:00 GMT"), ("host", Host), ("x-amz-content-sha256", EmptySha256)];
        var canonical = ReferenceSigner.CanonicalRequest("GET", "/key", [], headers, EmptySha256);
        var signature = ReferenceSigner.Signature(canonical, AmzDate, SecretKey, Region);
        var request = Create("GET", "/key", [.. headers, ("Authorization", ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(headers), signature))]);

        Assert.Equal(AmzDate, Verifier().Verify(request).AmzDate);
    }

    [Fact]
    public void AbsoluteFormTargetIsReducedToPathAndQuery()
    {
        var request = GetObjectExample();
        request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = "http://examplebucket.s3.amazonaws.com/test.txt";
        Verifier().Verify(request);
    }

    [Fact]
    public void MissingRawTargetFallsBackToPathAndQuery()
    {
        var request = GetObjectExample();
        request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = string.Empty;
        request.Path = "/test.txt";
        Verifier().Verify(request);
    }

    [Fact]
    public void VerifyIsThreadSafe()
    {
        var verifier = Verifier();
        Parallel.For(0, 200, _ => Assert.Equal(AccessKey, verifier.Verify(GetObjectExample()).AccessKey));
    }

    [Fact]
    public void UnsignedAmzDateIsStillChecked()
    {
        // x-amz-date not in SignedHeaders: it still feeds the string to sign, so changing it breaks the signature.
        var request = GetObjectExample(amzDate: "20130524T000001Z");
        Fails(Verifier(), request, S3Errors.SignatureDoesNotMatch);
    }

    [Theory]
    [InlineData("x-amz-copy-source", "/bucketa/private/secret.txt")]
    [InlineData("x-amz-meta-owner", "mallory")]
    [InlineData("X-Amz-Tagging", "a=b")]
    [InlineData("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")]
    public void PresignedWithAnUnsignedHeaderThatChangesTheRequest_IsAccessDeniedHeadersNotSigned(string name, string value)
    {
        var exception = Fails(Verifier(), Create("GET", PresignedExample, ("Host", Host), (name, value)), S3Errors.AccessDenied);
        Assert.Equal("There were headers present in the request which were not signed", exception.Message);
        Assert.Equal([new("HeadersNotSigned", name.ToLowerInvariant())], exception.Details);
    }

    [Fact]
    public void HeaderSignedWithUnsignedAmzHeaders_NamesThemAllSorted()
    {
        var request = GetObjectExample();
        request.Headers["x-amz-storage-class"] = "GLACIER";
        request.Headers["x-amz-acl"] = "public-read";
        var exception = Fails(Verifier(), request, S3Errors.AccessDenied);
        Assert.Equal([new("HeadersNotSigned", "x-amz-acl, x-amz-storage-class")], exception.Details);
    }

    [Fact]
    public void UnsignedHeadersOutsideAmz_AreLeftToTheClient()
    {
        // x-amzn-trace-id (not x-amz-*), User-Agent and Expect are added by clients and proxies without signing.
        var request = GetObjectExample();
        request.Headers["x-amzn-trace-id"] = "Root=1-5759e988-bd862e3fe1be46a994272793";
        request.Headers.UserAgent = "aws-cli/2";
        request.Headers.Expect = "100-continue";
        Assert.Equal(AccessKey, Verifier().Verify(request).AccessKey);
    }

    [Fact]
    public void WrongSignatureWithUnsignedHeaders_IsStillSignatureDoesNotMatch()
    {
        // The signature is checked first: HeadersNotSigned is no oracle for a request that is not signed at all.
        var request = GetObjectExample(signature: new string('0', 64));
        request.Headers["x-amz-meta-a"] = "1";
        Fails(Verifier(), request, S3Errors.SignatureDoesNotMatch);
    }
}
