using System.Text;
using Tessera.Core.Errors;
using Tessera.S3.Auth;

namespace Tessera.Tests.Auth;

/// <summary>The POST policy document: parsing, conditions, extra fields, expiry and the size range.</summary>
public sealed class PostPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    private static PostPolicy Policy(string conditions, string expiration = "2026-12-01T13:00:00.000Z") =>
        PostPolicy.Parse(Encode($$"""{"expiration": "{{expiration}}", "conditions": [{{conditions}}]}"""));

    private static Dictionary<string, string> Fields(params (string Name, string Value)[] fields)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["bucket"] = "photos" };
        foreach (var (name, value) in fields)
        {
            all[name] = value;
        }

        return all;
    }

    private static S3Exception Fails(Action action, S3Error expected)
    {
        var exception = Assert.Throws<S3Exception>(action);
        Assert.Equal(expected.Code, exception.Error.Code);
        return exception;
    }

    [Fact]
    public void ExactAndPrefixConditions_AcceptAMatchingForm()
    {
        var policy = Policy("""{"bucket": "photos"}, ["starts-with", "$key", "user/alice/"], {"acl": "private"}, ["eq", "$Content-Type", "image/jpeg"], ["starts-with", "$x-amz-meta-tag", ""]""");

        // Field names match case-insensitively (the form says content-type, the policy $Content-Type).
        policy.Check(Fields(("key", "user/alice/cat.jpg"), ("acl", "private"), ("content-type", "image/jpeg"), ("x-amz-meta-tag", "anything")), Now);
    }

    [Fact]
    public void AFailedCondition_IsAccessDeniedNamingIt()
    {
        var policy = Policy("""{"bucket": "photos"}, ["starts-with", "$key", "user/alice/"]""");

        var wrongPrefix = Fails(() => policy.Check(Fields(("key", "user/bob/cat.jpg")), Now), S3Errors.AccessDenied);
        Assert.Equal("Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"user/alice/\"]", wrongPrefix.Message);
        var otherBucket = Fails(() => policy.Check(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["bucket"] = "other", ["key"] = "user/alice/x" }, Now), S3Errors.AccessDenied);
        Assert.Contains("\"$bucket\", \"photos\"", otherBucket.Message, StringComparison.Ordinal);
        Fails(() => policy.Check(Fields(), Now), S3Errors.AccessDenied);
    }

    [Fact]
    public void AFieldNoConditionCovers_IsAnExtraInputField_ButSignatureFieldsAndXIgnoreAreExempt()
    {
        var policy = Policy("""{"bucket": "photos"}, {"key": "k"}""");

        var extra = Fails(() => policy.Check(Fields(("key", "k"), ("x-amz-meta-owner", "eve")), Now), S3Errors.AccessDenied);
        Assert.Equal("Invalid according to Policy: Extra input fields: x-amz-meta-owner", extra.Message);
        policy.Check(Fields(("key", "k"), ("policy", "..."), ("x-amz-signature", "..."), ("AWSAccessKeyId", "..."), ("signature", "..."), ("x-ignore-me", "1")), Now);
    }

    [Fact]
    public void AnExpiredPolicy_IsAccessDenied()
    {
        var policy = Policy("""{"key": "k"}""", expiration: "2026-12-01T11:59:59Z");

        var expired = Fails(() => policy.Check(Fields(("key", "k")), Now), S3Errors.AccessDenied);
        Assert.Equal("Invalid according to Policy: Policy expired.", expired.Message);
    }

    [Fact]
    public void ContentLengthRange_BoundsTheFile()
    {
        var policy = Policy("""["content-length-range", 10, 100]""");

        Assert.Equal((10L, 100L), policy.LengthRange);
        policy.CheckLength(10);
        policy.CheckLength(100);
        Fails(() => policy.CheckLength(101), S3Errors.EntityTooLarge);
        Fails(() => policy.CheckLength(9), S3Errors.EntityTooSmall);
        Policy("""{"key": "k"}""").CheckLength(long.MaxValue);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("bm90IGpzb24=")]
    [InlineData("eyJjb25kaXRpb25zIjogW119")]
    [InlineData("eyJleHBpcmF0aW9uIjogIjIwMjYtMTItMDFUMTM6MDA6MDBaIn0=")]
    public void NotAPolicy_IsInvalidPolicyDocument(string base64)
    {
        // Not base64; "not json"; {"conditions": []} without expiration; {"expiration": ...} without conditions.
        Fails(() => PostPolicy.Parse(base64), S3Errors.InvalidPolicyDocument);
    }

    [Theory]
    [InlineData("""["eq", "key", "k"]""")]
    [InlineData("""["matches", "$key", "k"]""")]
    [InlineData("""["eq", "$key"]""")]
    [InlineData("""["content-length-range", 10, 1]""")]
    [InlineData("""["content-length-range", "a", 1]""")]
    [InlineData("""{"key": {"nested": 1}}""")]
    public void AMalformedCondition_IsInvalidPolicyDocument(string condition)
    {
        Fails(() => Policy(condition), S3Errors.InvalidPolicyDocument);
    }
}
