using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tessera.Benchmarks.Common;
using Tessera.S3.Auth;

namespace Tessera.Benchmarks.Auth;

/// <summary>
/// <see cref="SigV4Verifier.Verify"/> on header-signed requests as Kestrel hands them over (method, raw target,
/// headers; the HttpContext is built once): a GetObject with the headers an SDK sends, and a ListObjectsV2 with a
/// query string to canonicalize. The clock is fixed at the signing time; the signing key cache is warm after the
/// first call, as on a server.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class SigV4Benchmarks
{
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private SigV4Verifier _verifier = null!;
    private HttpRequest _getObject = null!;
    private HttpRequest _listObjects = null!;

    [GlobalSetup]
    public void Setup()
    {
        _verifier = new SigV4Verifier(
            new InMemoryCredentialProvider([new(BenchSigner.AccessKey, BenchSigner.SecretKey)]),
            new ManualTimeProvider(BenchSigner.Time),
            BenchSigner.Region);
        _getObject = Signed("GET", "/photos/2024/07/holiday%20beach.jpg", [], [("user-agent", "aws-sdk-dotnet/4.0 ua/2.1 os/linux lang/dotnet#10.0"), ("amz-sdk-invocation-id", "5b6f2c0e-9a51-4b54-8f0a-0d5c9d2f3a11"), ("range", "bytes=0-1048575")]);
        _listObjects = Signed("GET", "/photos?list-type=2&prefix=2024%2F07%2F&delimiter=%2F&max-keys=1000&encoding-type=url", [("list-type", "2"), ("prefix", "2024/07/"), ("delimiter", "/"), ("max-keys", "1000"), ("encoding-type", "url")], [("user-agent", "aws-cli/2.15 md/Botocore#1.34")]);
        if (_verifier.Verify(_getObject).AccessKey != BenchSigner.AccessKey || _verifier.Verify(_listObjects).Mode != PayloadMode.Sha256)
        {
            throw new InvalidOperationException("the benchmark requests do not verify");
        }
    }

    [Benchmark]
    public AuthResult VerifyGetObject() => _verifier.Verify(_getObject);

    [Benchmark]
    public AuthResult VerifyListObjectsV2() => _verifier.Verify(_listObjects);

    /// <summary>A request signed over every header given plus host, x-amz-date and x-amz-content-sha256.</summary>
    private static HttpRequest Signed(string method, string rawTarget, (string Name, string Value)[] decodedQuery, (string Name, string Value)[] extraHeaders)
    {
        var question = rawTarget.IndexOf('?');
        var rawPath = question < 0 ? rawTarget : rawTarget[..question];
        (string Name, string Value)[] headers =
        [
            ("host", "s3.example.test:9000"),
            ("x-amz-date", BenchSigner.AmzDate),
            ("x-amz-content-sha256", EmptySha256),
            .. extraHeaders,
        ];
        var authorization = BenchSigner.Authorization(method, Uri.UnescapeDataString(rawPath), decodedQuery, headers, EmptySha256);

        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        request.Path = new PathString(Uri.UnescapeDataString(rawPath));
        request.QueryString = question < 0 ? QueryString.Empty : new QueryString(rawTarget[question..]);
        foreach (var (name, value) in headers)
        {
            request.Headers.Append(name, value);
        }

        request.Headers.Authorization = authorization;
        request.Headers.Accept = "*/*";
        return request;
    }

    private sealed class Config : ShortRunConfig
    {
    }
}
