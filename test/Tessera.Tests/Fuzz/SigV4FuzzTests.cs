using System.Text;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz targets for request authentication: <see cref="SigV4Verifier.Verify"/> (SigV4 headers and presigned URLs,
/// SigV2 headers and presigned URLs) and <see cref="CanonicalQuery"/>. Correctly signed requests verify, whatever
/// their valid encoding; adding any unsigned x-amz-* header makes them AccessDenied; mutated requests verify or fail
/// with an S3Exception, within the allocation budget.
/// </summary>
public sealed class SigV4FuzzTests
{
    /// <summary>Tokens the mutations insert into Authorization headers and targets.</summary>
    private static readonly byte[][] AuthDictionary =
    [
        .. new[]
        {
            "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256", "AWS4-", "AWS ", "Credential=", "SignedHeaders=", "Signature=", ",", ", ", "/", ";", "=", ":", "host", "x-amz-date",
            ";x-amz-content-sha256", "aws4_request", "us-east-1", "s3", "20130524", "2013052", AccessKey, new string('0', 64), new string('f', 63), "%", "%2F", "%FF", "&", "?",
            "X-Amz-Signature=", "Signature=", "AWSAccessKeyId=", "\t", " ", "é", "\uD800", "\0",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    private static readonly Gen<string> Garbage = Gen.Frequency(
        (4, WireText.Component),
        (2, Gen.OneOf(
            Gen.Const(""), Gen.Const("-1"), Gen.Const("0"), Gen.Const("604801"), Gen.Const("99999999999999999999"), Gen.Const("1e3"), Gen.Const("20130524T000000Z"),
            Gen.Const("20130524T001600Z"), Gen.Const("20130524"), Gen.Const("2013-05-24T00:00:00Z"), Gen.Const("Fri, 24 May 2013 00:00:00 GMT"), Gen.Const("Fri, 24 May 2013 00:00:00 +0000"),
            Gen.Const("Friday, 24-May-13 00:00:00 GMT"), Gen.Const("AWS4-HMAC-SHA256"), Gen.Const("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"), Gen.Const("a/b/c/d/e/f/g"),
            Gen.Const("/20130524/us-east-1/s3/aws4_request"), Gen.Const("host"), Gen.Const(";;"), Gen.Const("HOST"), Gen.Const(new string('0', 64)), Gen.Const("1369353600"),
            Gen.Const("1369353599"), Gen.Const("9223372036854775807"), Gen.Const("UNSIGNED-PAYLOAD"), Gen.Const("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), Gen.Const("STREAMING-UNSIGNED-PAYLOAD-TRAILER"))),
        (1, Gen.String));

    /// <summary>One damage to a request.</summary>
    private static readonly Gen<Func<WireRequest, WireRequest>> Damage = Gen.Frequency(
        (4, Mutation.Gen(50).Array[1, 4].Select<Mutation[], Func<WireRequest, WireRequest>>(edits => r => WithHeader(r, "Authorization", v => Encoding.UTF8.GetString(Mutation.Apply(Encoding.UTF8.GetBytes(v ?? ""), edits, AuthDictionary))))),
        (3, Mutation.Gen(50).Array[1, 3].Select<Mutation[], Func<WireRequest, WireRequest>>(edits => r => r with { RawTarget = Encoding.UTF8.GetString(Mutation.Apply(Encoding.UTF8.GetBytes(r.RawTarget), edits, AuthDictionary)) })),
        (3, Gen.Select(Gen.OneOf(Gen.Const("x-amz-date"), Gen.Const("Date"), Gen.Const("x-amz-content-sha256"), Gen.Const("Authorization"), Gen.Const("Host"), Gen.Const("Content-MD5"), Gen.Const("x-amz-meta-a"), Gen.Const("Content-Type")), Garbage, Gen.Bool)
            .Select<(string, string, bool), Func<WireRequest, WireRequest>>(t => r => t.Item3 ? r with { Headers = [.. r.Headers, (t.Item1, t.Item2)] } : WithHeader(r, t.Item1, _ => t.Item2))),
        (2, Gen.Select(Gen.OneOf(Gen.Const("X-Amz-Algorithm"), Gen.Const("X-Amz-Credential"), Gen.Const("X-Amz-Date"), Gen.Const("X-Amz-Expires"), Gen.Const("X-Amz-SignedHeaders"), Gen.Const("X-Amz-Signature"), Gen.Const("AWSAccessKeyId"), Gen.Const("Expires"), Gen.Const("Signature")), Garbage)
            .Select<(string, string), Func<WireRequest, WireRequest>>(t => r => r with { RawTarget = r.RawTarget + (r.RawTarget.Contains('?', StringComparison.Ordinal) ? "&" : "?") + t.Item1 + "=" + t.Item2 })),
        (2, Gen.Select(Gen.OneOf(Gen.Const(AccessKey), Gen.Const(""), Gen.Const("AKID"), Gen.Const("a:b")), Gen.OneOf(Gen.Const(""), Gen.Const("c2lnbmF0dXJl"), Gen.Const(":"), Gen.Const("AAAAAAAAAAAAAAAAAAAAAAAAAAA="), WireText.Component), Gen.Bool, Gen.Bool)
            .Select<(string, string, bool, bool), Func<WireRequest, WireRequest>>(t => r => SigV2(r, t.Item1, t.Item2, t.Item3, t.Item4))),
        (1, Gen.OneOf(Gen.Const("GET"), Gen.Const("PUT"), Gen.Const(""), Gen.Const("get"), Gen.Const("\u00E9")).Select<string, Func<WireRequest, WireRequest>>(m => r => r with { Method = m.Length == 0 ? "GET" : m })),
        (1, Gen.Const<Func<WireRequest, WireRequest>>(r => r with { Headers = [.. r.Headers.Where(h => !h.Name.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)), ("Date", "Fri, 24 May 2013 00:00:00 GMT")] })));

    [Fact]
    public void FuzzCorrectlySignedRequestsVerify()
    {
        var verifier = Verifier();
        FuzzRunner.Run(
            "SigV4 valid",
            SignedRequests.Valid,
            request =>
            {
                var result = verifier.Verify(Build(request));
                Assert.Equal(AccessKey, result.AccessKey);
                return result.IsPresigned ? "presigned verified" : "header verified";
            },
            seconds: 3,
            print: r => r.ToString());
    }

    [Fact]
    public void FuzzUnsignedAmzHeadersAreRefused()
    {
        var verifier = Verifier();
        var extra = Gen.Select(
            Gen.Frequency((6, Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"].Array[1, 20].Select(c => "x-amz-" + new string(c))), (1, Gen.OneOf(Gen.Const("Content-MD5"), Gen.Const("X-AMZ-COPY-SOURCE"), Gen.Const("x-amz-"), Gen.Const("x-amz-meta-")))),
            Gen.Frequency((4, Gen.Char.AlphaNumeric.Array[1, 20].Select(c => new string(c))), (1, Gen.OneOf(Gen.Const("/fuzz/key"), Gen.Const("é"), Gen.Const(" ")))));
        FuzzRunner.Run(
            "SigV4 unsigned x-amz-*",
            Gen.Select(SignedRequests.Valid, extra),
            input =>
            {
                var (request, (name, value)) = input;
                if (request.Headers.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) || name.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase))
                {
                    return "skipped: already signed";
                }

                var error = Assert.Throws<S3Exception>(() => verifier.Verify(Build(request with { Headers = [.. request.Headers, (name, value)] })));
                Assert.Equal(S3Errors.AccessDenied.Code, error.Error.Code);
                Assert.Contains(error.Details!, d => d.Key == "HeadersNotSigned" && d.Value.Contains(name.ToLowerInvariant(), StringComparison.Ordinal));
                return "AccessDenied";
            },
            seconds: 2,
            print: t => $"{t.Item1} + {t.Item2.Item1}: {Show.Text(t.Item2.Item2)}");
    }

    [Fact]
    public void FuzzVerify()
    {
        var verifier = Verifier();
        Warm(verifier);
        FuzzRunner.Run(
            "SigV4/SigV2 Verify",
            Gen.Select(SignedRequests.Valid, Damage.Array[1, 3], (request, damage) => damage.Aggregate(request, (r, d) => d(r))),
            request =>
            {
                var http = Build(request);
                AuthResult? result = null;
                var error = AllocationBudget.Check("SigV4Verifier.Verify", request.Length, () => result = verifier.Verify(http));
                return error?.Error.Code ?? (result!.SigningKey.IsEmpty ? "SigV2 verified" : "verified");
            },
            seconds: 5,
            print: r => r.ToString(),
            allocations: ["SigV4Verifier.Verify"]);
    }

    [Fact]
    public void FuzzCanonicalQuery()
    {
        var names = new[] { "X-Amz-Signature", "X-Amz-Algorithm", "max-keys", "a", "", "Signature", "é" };
        FuzzRunner.Run(
            "CanonicalQuery",
            Gen.Frequency((4, WireText.Component), (1, Gen.String), (1, WireText.Piece.Array[0, 80].Select(string.Concat))),
            raw =>
            {
                var canonical = "";
                AllocationBudget.Check("CanonicalQuery", raw.Length, () =>
                {
                    using var query = CanonicalQuery.Parse(raw);
                    foreach (var name in names)
                    {
                        var encoded = Encoding.UTF8.GetBytes(WireSigner.CanonicalQuery(name + "=").TrimEnd('='));
                        _ = query.Contains(encoded);
                        _ = query.TryGetValue(encoded, out _);
                    }

                    var builder = new ByteBuilder(stackalloc byte[256]);
                    try
                    {
                        query.WriteTo(ref builder, "X-Amz-Signature"u8);
                        canonical = Encoding.ASCII.GetString(builder.Written);
                    }
                    finally
                    {
                        builder.Dispose();
                    }
                });

                // The same bytes as an independent, byte-level encoder.
                Assert.Equal(WireSigner.CanonicalQuery(raw, "X-Amz-Signature"), canonical);
                return canonical.Length == 0 ? "empty" : "parameters";
            },
            seconds: 2,
            print: Show.Text,
            allocations: ["CanonicalQuery"]);
    }

    private static HttpRequest Build(WireRequest request) => request.ToContext().Request;

    private static WireRequest WithHeader(WireRequest request, string name, Func<string?, string> change)
    {
        var value = request.Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        return request with { Headers = [.. request.Headers.Where(h => !h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)), (name, change(value))] };
    }

    /// <summary>Turns the request into a SigV2 one: header or presigned, with a signature that is right or not.</summary>
    private static WireRequest SigV2(WireRequest request, string accessKey, string signature, bool presigned, bool signCorrectly)
    {
        var headers = request.Headers.Where(h => !h.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).ToList();
        var target = request.RawTarget;
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? target : target[..question];
        var rawQuery = question < 0 ? "" : target[(question + 1)..];
        string Signature(string date, string query)
        {
            if (!signCorrectly)
            {
                return signature;
            }

            var toSign = SigV2Verifier.StringToSign(new WireRequest(request.Method, target, headers, []).ToContext().Request, date, rawPath, query, null);
            return Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes(SecretKey), Encoding.UTF8.GetBytes(toSign)));
        }

        if (presigned)
        {
            const string Expires = "1369354000";
            var signed = Signature(Expires, rawQuery);
            var prefix = question < 0 ? "?" : "&";
            return request with { RawTarget = target + prefix + $"AWSAccessKeyId={Uri.EscapeDataString(accessKey)}&Expires={Expires}&Signature={Uri.EscapeDataString(signed)}", Headers = headers };
        }

        headers.Add(("Authorization", $"AWS {accessKey}:{Signature(headers.Any(h => h.Name.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)) ? "" : headers.FirstOrDefault(h => h.Name == "Date").Value ?? "", rawQuery)}"));
        return request with { Headers = headers };
    }

    private static void Warm(SigV4Verifier verifier)
    {
        foreach (var request in new[] { SignedRequests.Sign("GET", "/a", [], [("Host", "h")], PayloadHash.Unsigned, false, 1, new Random(1)), SignedRequests.Sign("GET", "/a", [], [("Host", "h")], PayloadHash.Unsigned, true, 1, new Random(1)) })
        {
            verifier.Verify(Build(request));
            try
            {
                verifier.Verify(Build(request with { RawTarget = "/b" }));
            }
            catch (S3Exception)
            {
            }
        }
    }
}
