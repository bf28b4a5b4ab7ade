using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Auth;

/// <summary>Allocation budgets of the per-request paths (measured on the current thread; everything here completes synchronously).</summary>
public sealed class AllocationTests
{
    [Fact]
    public void VerifyAllocatesOnlyTheResult()
    {
        var verifier = Verifier();
        var request = Create(
            "GET",
            "/test.txt?max-keys=2&prefix=J",
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("x-amz-content-sha256", PayloadHash.Unsigned),
            ("x-amz-date", AmzDate),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=" + new string('0', 64)));
        (string, string)[] headers = [("host", "examplebucket.s3.amazonaws.com"), ("x-amz-content-sha256", PayloadHash.Unsigned), ("x-amz-date", AmzDate)];
        var signature = ReferenceSigner.Signature(ReferenceSigner.CanonicalRequest("GET", "/test.txt", [("max-keys", "2"), ("prefix", "J")], headers, PayloadHash.Unsigned), AmzDate, SecretKey, Region);
        request.Headers.Authorization = ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(headers), signature);

        for (var i = 0; i < 50; i++)
        {
            verifier.Verify(request);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            verifier.Verify(request);
        }

        var perRequest = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;

        // AuthResult and its strings (access key, seed signature, scope): about 400 bytes.
        Assert.True(perRequest < 768, $"{perRequest} bytes per Verify");
    }

    [Fact]
    public async Task DecodingAllocatesNothingPerRead()
    {
        // Debug builds compile async state machines as classes, one allocation per await: budgets mean Release.
        var debuggable = typeof(AwsChunkedStream).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().FirstOrDefault();
        if (debuggable?.IsJITOptimizerDisabled == true)
        {
            Assert.Skip("allocation budgets are measured on optimized (Release) builds");
        }

        var data = new byte[4 << 20];
        var body = ChunkedBodies.Signed(ChunkedBodies.Chunks(data, 64 * 1024));
        var buffer = new byte[16 * 1024];

        // The shared ArrayPool may miss while other tests drain it, so judge the best of several warm rounds.
        var best = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var inner = new MemoryStream(body);
            var before = GC.GetAllocatedBytesForCurrentThread();
            using (var stream = new AwsChunkedStream(inner, ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, data.Length))
            {
                while (await stream.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0)
                {
                }
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            if (round > 0)
            {
                best = Math.Min(best, allocated);
            }
        }

        // 64 chunks and 256 reads; a constant ~2 KB per stream (the stream, its string to sign, the hash).
        Assert.True(best < 4096, $"{best} bytes for a 4 MiB body");
    }
}
