using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Tessera.S3.Gateway;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// The router end to end, in process: fuzzed requests, correctly signed so that they get past authentication, go
/// through <see cref="S3Gateway.HandleAsync"/> to every handler of a real store seeded with buckets, objects
/// (control characters in keys included), versions and an open multipart upload. For every request the gateway
/// returns without throwing, never answers 500, writes only headers Kestrel can send, a body as long as its
/// Content-Length, and for every error (but to HEAD) S3's XML error with a code and the request id.
/// </summary>
/// <remarks>
/// No allocation bound here: a request awaits disk and index I/O and resumes on other threads, so the current
/// thread's allocations say nothing; the parsers it runs are bounded by their own targets. Set TESSERA_FUZZ_DEBUG
/// to have the outcome counts name the operation, the authentication and the start of each error message.
/// </remarks>
public sealed class GatewayFuzzTests(GatewayStore store) : IClassFixture<GatewayStore>
{
    /// <summary>Requests between two re-seedings of the store (fuzzed requests delete, complete and abort what it holds).</summary>
    private const int ReseedEvery = 150;

    [Fact]
    public async Task FuzzGateway()
    {
        await store.SeedAsync();
        var sent = 0;
        var statuses = new ConcurrentDictionary<int, int>();
        var successes = new ConcurrentDictionary<GatewayAuth, int>();
        await FuzzRunner.RunAsync(
            "S3Gateway",
            Gen.Select(GatewayCases.Any, Gen.Int[0, int.MaxValue]),
            async input =>
            {
                var (request, pick) = input;
                if (++sent % ReseedEvery == 0)
                {
                    await store.SeedAsync();
                }

                var wire = request.ToWire(store, pick);
                var response = await store.SendAsync(wire);
                statuses.AddOrUpdate(response.Status, 1, static (_, n) => n + 1);
                if (response.Status is >= 200 and < 300)
                {
                    successes.AddOrUpdate(request.Auth, 1, static (_, n) => n + 1);
                }

                Check(wire, response);
                return Outcome(request, response);
            },
            seconds: 25,
            print: t => t.Item1.ToString());
        FuzzRunner.Report("S3Gateway statuses", string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value}"))));
        FuzzRunner.Report("S3Gateway 2xx by authentication", string.Join(", ", successes.OrderBy(s => s.Key).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value}"))));
    }

    [Fact]
    public async Task KeyMarkerWithNulIsInvalidArgument()
    {
        // Found by FuzzGateway: the index refused the marker with an ArgumentException, answered 500 InternalError.
        var response = await SendAsync(new GatewayCase("ListMultipartUploads", "GET", "/fuzz?uploads&key-marker=%00", [], [], GatewayAuth.Unsigned, GatewayDigest.None, GatewayDigest.None));
        Assert.Equal(400, response.Status);
        Assert.Contains("<Code>InvalidArgument</Code>", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/fuzz/ctl%01key%00")]
    [InlineData("/fuzz/seed?versionId=%00")]
    [InlineData("/fuzz/missing%02key")]
    public async Task ErrorsThatEchoControlCharactersStillParse(string target)
    {
        // Found by FuzzGateway: a key or id with a control character, echoed as &#x1; or &#x0;, made the error body XML no client can read.
        var response = await SendAsync(new GatewayCase("GetObject", "GET", target, [], [], GatewayAuth.Unsigned, GatewayDigest.None, GatewayDigest.None));
        Assert.InRange(response.Status, 400, 499);
        Assert.Contains("\uFFFD", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE", "/fuzz/seed?versionId=a%7F")]
    [InlineData("DELETE", "/versioned/v?versionId=%7F")]
    [InlineData("GET", "/fuzz/seed?versionId=a%7F")]
    public async Task VersionIdWithDelIsInvalidArgument(string method, string target)
    {
        // Found by FuzzGateway: DeleteObject echoed the id in x-amz-version-id, and Kestrel refuses DEL in a header (a 500).
        var response = await SendAsync(new GatewayCase("DeleteObject", method, target, [], [], GatewayAuth.Unsigned, GatewayDigest.None, GatewayDigest.None));
        Assert.Equal(400, response.Status);
        Assert.Contains("<Code>InvalidArgument</Code>", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
    }

    /// <summary>Sends one case to the seeded store and checks the gateway's promises.</summary>
    private async Task<GatewayResponse> SendAsync(GatewayCase request)
    {
        await store.SeedAsync();
        var wire = request.ToWire(store, 0);
        var response = await store.SendAsync(wire);
        Check(wire, response);
        return response;
    }

    /// <summary>The gateway's promises about any response.</summary>
    internal static void Check(WireRequest request, GatewayResponse response)
    {
        string Context() => $"\n{request}\n=> {response.Status} {Show.Bytes(response.Body)}{string.Concat(response.Logged.Select(e => "\nlogged: " + e))}";

        if (response.Status == StatusCodes.Status500InternalServerError || response.Logged.Count > 0)
        {
            throw new InvalidOperationException($"500 or a logged exception{Context()}");
        }

        foreach (var (name, values) in response.Headers)
        {
            // Kestrel refuses control characters in response header values (InvalidOperationException: a 500 or a cut connection).
            if (!HeaderValues.IsToken(name) || values.Any(v => v is null || v.Any(c => (c < ' ' && c != '\t') || c == '\u007F')))
            {
                throw new InvalidOperationException($"header {Show.Text(name)}: {Show.Text(values.ToString())} cannot be sent{Context()}");
            }
        }

        var head = HttpMethods.IsHead(request.Method);
        if ((head || response.Status is 204 or 304) && response.Body.Length > 0)
        {
            throw new InvalidOperationException($"a body with {response.Status} to {request.Method}{Context()}");
        }

        if (!head && response.Header("Content-Length") is { } declared && long.Parse(declared, CultureInfo.InvariantCulture) != response.Body.Length)
        {
            throw new InvalidOperationException($"Content-Length {declared} for a body of {response.Body.Length}{Context()}");
        }

        if (response.Status >= 400 && !head)
        {
            XElement root;
            try
            {
                root = XDocument.Parse(Encoding.UTF8.GetString(response.Body)).Root!;
            }
            catch (XmlException e)
            {
                throw new InvalidOperationException($"the error body is not XML ({e.Message}){Context()}");
            }

            var requestId = root.Element("RequestId")?.Value;
            if (root.Name.LocalName != "Error" || string.IsNullOrEmpty(root.Element("Code")?.Value) || string.IsNullOrEmpty(requestId) || requestId != response.Header("x-amz-request-id"))
            {
                throw new InvalidOperationException($"not an S3 error document{Context()}");
            }
        }
    }

    private static string Outcome(GatewayCase request, GatewayResponse response)
    {
        if (response.Status >= 400 && response.Body.Length > 0)
        {
            var root = XDocument.Parse(Encoding.UTF8.GetString(response.Body)).Root!;
            return $"{response.Status} {root.Element("Code")!.Value}" + (Environment.GetEnvironmentVariable("TESSERA_FUZZ_DEBUG") is null ? "" : $" [{request.Operation} {request.Auth}: {root.Element("Message")!.Value[..Math.Min(50, root.Element("Message")!.Value.Length)]}]");
        }

        return $"{response.Status} {request.Operation}";
    }
}
