using System.IO.Hashing;
using System.Text;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Auth;

/// <summary>
/// aws-chunked decoding: the "Transferring Payload in Multiple Chunks" example of the Amazon S3 API reference, the
/// trailer variants, and every way a body can be tampered with, truncated or malformed.
/// </summary>
public sealed class AwsChunkedStreamTests
{
    private static readonly byte[] ExampleData = [.. Enumerable.Repeat((byte)'a', 65536 + 1024)];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize = 8192)
    {
        var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, Token)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static async Task<S3Exception> FailsAsync(AwsChunkedStream stream, S3Error expected)
    {
        var exception = await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(stream));
        Assert.Equal(expected.Code, exception.Error.Code);
        return exception;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void ReferenceSignerReproducesTheDocumentedChunkSignatures()
    {
        var first = ReferenceSigner.ChunkSignature(ChunkedBodies.Seed, ExampleData[..65536], AmzDate, SecretKey, Region);
        var second = ReferenceSigner.ChunkSignature(first, ExampleData[..1024], AmzDate, SecretKey, Region);
        var final = ReferenceSigner.ChunkSignature(second, [], AmzDate, SecretKey, Region);
        Assert.Equal("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", first);
        Assert.Equal("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", second);
        Assert.Equal("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9", final);
    }

    [Fact]
    public async Task AwsMultipleChunksExample_VerifiesAndDecodes()
    {
        var request = Create(
            "PUT",
            "/examplebucket/chunkObject.txt",
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", AmzDate),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", PayloadHash.StreamingSigned),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"));
        var auth = Verifier().Verify(request);
        Assert.Equal(PayloadMode.StreamingSigned, auth.Mode);
        Assert.Equal(ChunkedBodies.Seed, auth.SeedSignature);

        var body = Ascii("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n")
            .Concat(ExampleData[..65536]).Concat(Ascii("\r\n"))
            .Concat(Ascii("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"))
            .Concat(ExampleData[..1024]).Concat(Ascii("\r\n"))
            .Concat(Ascii("0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"))
            .ToArray();
        Assert.Equal(66824, body.Length);
        Assert.Equal(body, ChunkedBodies.Signed([ExampleData[..65536], ExampleData[..1024]]));

        using var stream = new AwsChunkedStream(new MemoryStream(body), auth, null, 66560);
        Assert.Equal(ExampleData, await ReadAllAsync(stream));
        Assert.True(stream.IsCompleted);
        Assert.Empty(stream.Trailers);
        Assert.Equal(66560, stream.DecodedLength);
        Assert.Equal(0, await stream.ReadAsync(new byte[10], Token));
    }

    [Fact]
    public async Task TamperedChunkData_DoesNotMatch()
    {
        var body = ChunkedBodies.Signed([ExampleData[..65536], ExampleData[..1024]]);
        body[5000] = (byte)'b';
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 66560);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public async Task TamperedChunkSignature_DoesNotMatch()
    {
        var body = ChunkedBodies.Signed([ExampleData[..100]]);
        body[20] ^= 1; // inside the first chunk's signature
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 100);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public async Task ReorderedChunks_DoNotMatch()
    {
        byte[] first = [.. Enumerable.Repeat((byte)'x', 100)];
        byte[] second = [.. Enumerable.Repeat((byte)'y', 100)];
        var inOrder = ChunkedBodies.Signed([first, second]);
        var secondSigned = ChunkedBodies.Signed([second, first]);

        // Splice: a chunk signed for position 1 placed at position 0 breaks the chain.
        using var stream = new AwsChunkedStream(new MemoryStream(secondSigned), ChunkedBodies.Auth(PayloadMode.StreamingSigned, seed: new string('0', 64)), null, 200);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
        using var valid = new AwsChunkedStream(new MemoryStream(inOrder), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 200);
        Assert.Equal(first.Concat(second), await ReadAllAsync(valid));
    }

    [Fact]
    public async Task WrongSigningKey_DoesNotMatch()
    {
        var body = ChunkedBodies.Signed([ExampleData[..100]]);
        var auth = ChunkedBodies.Auth(PayloadMode.StreamingSigned);
        var wrong = new AuthResult
        {
            AccessKey = auth.AccessKey,
            Mode = auth.Mode,
            SeedSignature = auth.SeedSignature,
            SigningKey = ReferenceSigner.SigningKey("other", "20130524", Region),
            Scope = auth.Scope,
            AmzDate = auth.AmzDate,
            RequestTime = auth.RequestTime,
        };
        using var stream = new AwsChunkedStream(new MemoryStream(body), wrong, null, 100);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
    }

    [Fact(Timeout = 60_000)]
    public async Task TruncatedBodyAtAnyPoint_IsIncompleteBody()
    {
        byte[] data = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];
        var signed = ChunkedBodies.Signed(ChunkedBodies.Chunks(data, 128));
        var unsigned = ChunkedBodies.Unsigned(ChunkedBodies.Chunks(data, 128), [("x-amz-checksum-crc32", "AAAAAA==")]);
        var signedTrailer = ChunkedBodies.Signed(ChunkedBodies.Chunks(data, 128), [("x-amz-checksum-crc32", "AAAAAA==")]);
        foreach (var (body, mode) in new[] { (signed, PayloadMode.StreamingSigned), (unsigned, PayloadMode.StreamingUnsignedTrailer), (signedTrailer, PayloadMode.StreamingSignedTrailer) })
        {
            // Trailers may end right after the last trailer line (see the lenient case); stop before it.
            var last = mode == PayloadMode.StreamingSigned ? body.Length : body.Length - 2;
            for (var length = 0; length < last; length++)
            {
                using var stream = new AwsChunkedStream(new MemoryStream(body[..length]), ChunkedBodies.Auth(mode), null, null);
                TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
                var exception = await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(stream, 64));
                Assert.True(exception.Error.Code == S3Errors.IncompleteBody.Code, $"{mode} truncated to {length}: {exception.Error.Code} {exception.Message}");
            }
        }
    }

    [Fact]
    public async Task TruncatedBodyIsIncompleteBodyOnTheSyncPathToo()
    {
        var body = ChunkedBodies.Signed([ExampleData[..65536]]);
        using var stream = new AwsChunkedStream(new MemoryStream(body[..40000]), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, null);
        var exception = Assert.Throws<S3Exception>(() => stream.CopyTo(Stream.Null));
        Assert.Equal(S3Errors.IncompleteBody.Code, exception.Error.Code);

        // The failure is sticky.
        var again = await Assert.ThrowsAsync<S3Exception>(() => ReadAllAsync(stream));
        Assert.Same(exception, again);
    }

    [Theory]
    [InlineData(66559)]
    [InlineData(66561)]
    [InlineData(0)]
    public async Task DecodedLengthMismatch_IsIncompleteBody(long declared)
    {
        var body = ChunkedBodies.Signed([ExampleData[..65536], ExampleData[..1024]]);
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, declared);
        await FailsAsync(stream, S3Errors.IncompleteBody);
    }

    [Fact]
    public async Task UnsignedTrailer_Crc32IsParsed()
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Hello, trailing checksum! ", 1000)));
        var crc = Convert.ToBase64String(Crc32.Hash(data).Reverse().ToArray());
        var body = ChunkedBodies.Unsigned(ChunkedBodies.Chunks(data, 8192), [("x-amz-checksum-crc32", crc)]);

        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), "x-amz-checksum-crc32", data.Length);
        Assert.Throws<InvalidOperationException>(() => stream.Trailers);
        Assert.Equal(data, await ReadAllAsync(stream));

        Assert.Equal(crc, stream.Trailers["x-amz-checksum-crc32"]);
        Assert.Equal(crc, stream.Trailers["X-Amz-Checksum-CRC32"]);
        Assert.Single(stream.Trailers);
        Assert.Equal(Crc32.HashToUInt32(data), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(stream.Trailers["x-amz-checksum-crc32"])));
    }

    [Fact]
    public async Task UnsignedTrailer_WithoutTheFinalEmptyLineIsAccepted()
    {
        var body = ChunkedBodies.Unsigned([Ascii("abc")], [("x-amz-checksum-crc32", "NSRBwg==")], finalEmptyLine: false);
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), null, 3);
        Assert.Equal(Ascii("abc"), await ReadAllAsync(stream));
        Assert.Equal("NSRBwg==", stream.Trailers["x-amz-checksum-crc32"]);
    }

    [Theory]
    [InlineData("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\nsmuggled")]
    [InlineData("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n\r\n")]
    [InlineData("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n3\r\nabc\r\n0\r\n\r\n")]
    public async Task BytesAfterTheFinalChunk_AreInvalidRequest(string body)
    {
        // Nothing covers bytes past the framing (no chunk signature, no checksum): they are refused, not ignored.
        using var stream = new AwsChunkedStream(new MemoryStream(Ascii(body)), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), null, 3);
        var exception = await FailsAsync(stream, S3Errors.InvalidRequest);
        Assert.Contains("after the final chunk", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BytesAfterTheFinalSignedChunk_AreInvalidRequest()
    {
        var body = ChunkedBodies.Signed([Ascii("abc")]).Concat(Ascii("X")).ToArray();
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 3);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Fact]
    public async Task UnsignedTrailer_IgnoresChunkExtensions()
    {
        var body = Ascii("3;foo=bar\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n");
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), null, 3);
        Assert.Equal(Ascii("abc"), await ReadAllAsync(stream));
    }

    [Fact]
    public async Task SignedTrailer_VerifiesAndIsParsed()
    {
        var data = ExampleData[..20000];
        var crc = Convert.ToBase64String(Crc32.Hash(data).Reverse().ToArray());
        var body = ChunkedBodies.Signed(ChunkedBodies.Chunks(data, 8192), [("x-amz-checksum-crc32", crc)]);

        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingSignedTrailer), "x-amz-checksum-crc32", data.Length);
        Assert.Equal(data, await ReadAllAsync(stream));
        Assert.Equal(crc, stream.Trailers["x-amz-checksum-crc32"]);
        Assert.False(stream.Trailers.ContainsKey("x-amz-trailer-signature"));
    }

    [Fact]
    public async Task SignedTrailer_TamperedTrailerDoesNotMatch()
    {
        var body = Encoding.ASCII.GetString(ChunkedBodies.Signed([ExampleData[..100]], [("x-amz-checksum-crc32", "AAAAAA==")]));
        var tampered = Ascii(body.Replace("AAAAAA==", "AAAAAB==", StringComparison.Ordinal));
        using var stream = new AwsChunkedStream(new MemoryStream(tampered), ChunkedBodies.Auth(PayloadMode.StreamingSignedTrailer), null, 100);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public async Task SignedTrailer_MissingTrailerSignatureDoesNotMatch()
    {
        var body = Encoding.ASCII.GetString(ChunkedBodies.Signed([ExampleData[..100]], [("x-amz-checksum-crc32", "AAAAAA==")]));
        var start = body.IndexOf("x-amz-trailer-signature", StringComparison.Ordinal);
        var stripped = Ascii(body[..start] + "\r\n");
        using var stream = new AwsChunkedStream(new MemoryStream(stripped), ChunkedBodies.Auth(PayloadMode.StreamingSignedTrailer), null, 100);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public async Task DeclaredTrailerNotSent_IsInvalidRequest()
    {
        var body = ChunkedBodies.Unsigned([Ascii("abc")], []);
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), "x-amz-checksum-crc32", 3);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Fact]
    public async Task UndeclaredTrailer_IsInvalidRequest()
    {
        var body = ChunkedBodies.Unsigned([Ascii("abc")], [("x-amz-checksum-crc32", "NSRBwg=="), ("x-amz-checksum-sha1", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=")]);
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), "x-amz-checksum-crc32", 3);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Fact]
    public async Task TrailersInThePlainSignedMode_AreInvalidRequest()
    {
        var body = Encoding.ASCII.GetString(ChunkedBodies.Signed([ExampleData[..10]]));
        var withTrailer = Ascii(body[..^2] + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n");
        using var stream = new AwsChunkedStream(new MemoryStream(withTrailer), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 10);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Theory]
    [InlineData("zz\r\nabc\r\n0\r\n\r\n")]
    [InlineData("\r\nabc\r\n0\r\n\r\n")]
    [InlineData("3\r\nabcXY0\r\n\r\n")]
    [InlineData("3\nabc\r\n0\r\n\r\n")]
    [InlineData("1000000000000000\r\n")]
    [InlineData("3\r\nabc\r\n0\r\nno-colon-here\r\n\r\n")]
    [InlineData("3\r\nabc\r\n0\r\n:value\r\n\r\n")]
    [InlineData("3\r\nabc\r\n0\r\nx-a:1\r\nx-a:2\r\n\r\n")]
    public async Task MalformedFraming_IsInvalidRequest(string body)
    {
        using var stream = new AwsChunkedStream(new MemoryStream(Ascii(body)), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), null, null);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Fact]
    public async Task OverlongLine_IsInvalidRequestNotABufferOverrun()
    {
        var body = Ascii("3;" + new string('x', 100_000) + "\r\nabc\r\n0\r\n\r\n");
        using var stream = new AwsChunkedStream(new MemoryStream(body), ChunkedBodies.Auth(PayloadMode.StreamingUnsignedTrailer), null, null);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Fact]
    public async Task MissingChunkSignatureInSignedMode_IsInvalidRequest()
    {
        using var stream = new AwsChunkedStream(new MemoryStream(Ascii("3\r\nabc\r\n0\r\n\r\n")), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, null);
        await FailsAsync(stream, S3Errors.InvalidRequest);
    }

    [Fact]
    public async Task MalformedChunkSignatureHex_DoesNotMatch()
    {
        using var stream = new AwsChunkedStream(new MemoryStream(Ascii("3;chunk-signature=nothex\r\nabc\r\n0\r\n\r\n")), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, null);
        await FailsAsync(stream, S3Errors.SignatureDoesNotMatch);
    }

    [Fact]
    public void NonStreamingAuthIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new AwsChunkedStream(Stream.Null, ChunkedBodies.Auth(PayloadMode.Unsigned), null, null));
        Assert.Throws<ArgumentException>(() => new AwsChunkedStream(Stream.Null, ChunkedBodies.Auth(PayloadMode.StreamingSigned, seed: "abc"), null, null));
    }

    [Fact]
    public async Task DisposeReleasesTheStream()
    {
        var stream = new AwsChunkedStream(new MemoryStream(ChunkedBodies.Signed([ExampleData[..10]])), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 10);
        Assert.True(stream.CanRead);
        await stream.DisposeAsync();
        stream.Dispose();
        Assert.False(stream.CanRead);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ReadAllAsync(stream));
    }

    [Fact]
    public void SyncReadsAndReadByteDecodeToo()
    {
        var data = ExampleData[..3000];
        using var stream = new AwsChunkedStream(new MemoryStream(ChunkedBodies.Signed(ChunkedBodies.Chunks(data, 1000))), ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, 3000);
        Assert.Equal('a', stream.ReadByte());
        var rest = new MemoryStream();
        stream.CopyTo(rest);
        Assert.Equal(2999, rest.Length);
        Assert.Equal(-1, stream.ReadByte());
        Assert.True(stream.IsCompleted);
    }

    [Fact]
    public async Task LargeReadsGoStraightToTheCallersBuffer()
    {
        // One 1 MiB chunk read with a 256 KiB buffer: the framing buffer (16 KiB) is never the bottleneck.
        var data = new byte[1 << 20];
        new Random(7).NextBytes(data);
        var inner = new TrickleStream(ChunkedBodies.Signed([data]), () => int.MaxValue);
        using var stream = new AwsChunkedStream(inner, ChunkedBodies.Auth(PayloadMode.StreamingSigned), null, data.Length);
        Assert.Equal(data, await ReadAllAsync(stream, 256 * 1024));
        Assert.True(inner.Reads < 16, $"{inner.Reads} inner reads");
    }

    [Fact]
    public void AnyChunkingAndReadSizesDecodeTheSameBytes()
    {
        Gen.Select(Gen.Int[0, 70_000], Gen.Int[1, 70_000], Gen.Int[1, 20_000], Gen.Int[1, 9_000], Gen.Int[0, 2], Gen.Bool, Gen.Int).Sample(
            t =>
            {
                var (length, chunkSize, readSize, innerReadSize, modeIndex, async, seed) = t;
                var random = new Random(seed);
                var data = new byte[length];
                random.NextBytes(data);
                var mode = (PayloadMode)((int)PayloadMode.StreamingSigned + modeIndex);
                var crc = Convert.ToBase64String(Crc32.Hash(data).Reverse().ToArray());
                var chunks = ChunkedBodies.Chunks(data, chunkSize).ToList();
                var body = mode switch
                {
                    PayloadMode.StreamingSigned => ChunkedBodies.Signed(chunks),
                    PayloadMode.StreamingSignedTrailer => ChunkedBodies.Signed(chunks, [("x-amz-checksum-crc32", crc)]),
                    _ => ChunkedBodies.Unsigned(chunks, [("x-amz-checksum-crc32", crc)]),
                };
                var inner = new TrickleStream(body, () => random.Next(1, innerReadSize + 1));
                using var stream = new AwsChunkedStream(inner, ChunkedBodies.Auth(mode), mode == PayloadMode.StreamingSigned ? null : "x-amz-checksum-crc32", length);
                var output = new MemoryStream();
                var buffer = new byte[readSize];
                int read;
                while ((read = async ? stream.ReadAsync(buffer).AsTask().GetAwaiter().GetResult() : stream.Read(buffer)) > 0)
                {
                    output.Write(buffer, 0, read);
                }

                return output.ToArray().AsSpan().SequenceEqual(data)
                    && (mode == PayloadMode.StreamingSigned || stream.Trailers["x-amz-checksum-crc32"] == crc);
            },
            iter: 150);
    }

    /// <summary>Fuzz target: any bytes either decode or fail with an <see cref="S3Exception"/>, and never hang.</summary>
    internal static void Fuzz(ReadOnlySpan<byte> input, PayloadMode mode)
    {
        using var stream = new AwsChunkedStream(new MemoryStream(input.ToArray()), ChunkedBodies.Auth(mode), null, null);
        var buffer = new byte[97];
        try
        {
            for (var reads = 0; stream.Read(buffer) > 0; reads++)
            {
                Assert.True(reads <= input.Length, "more reads than input bytes");
            }
        }
        catch (S3Exception)
        {
        }
    }

    [Fact]
    public void FuzzRandomBytesAndMutatedBodies()
    {
        var valid = ChunkedBodies.Unsigned(ChunkedBodies.Chunks(ExampleData[..300], 100), [("x-amz-checksum-crc32", "AAAAAA==")]);
        var validSigned = ChunkedBodies.Signed(ChunkedBodies.Chunks(ExampleData[..300], 100), [("x-amz-checksum-crc32", "AAAAAA==")]);
        var mutations = Gen.Select(Gen.Int[0, 1], Gen.Int[0, 400], Gen.Byte, Gen.Int[0, 3]);
        Gen.Select(mutations.Array[1, 8], Gen.Int[0, 2]).Sample(
            t =>
            {
                var (edits, modeIndex) = t;
                var mode = (PayloadMode)((int)PayloadMode.StreamingSigned + modeIndex);
                var body = (mode == PayloadMode.StreamingUnsignedTrailer ? valid : validSigned).ToList();
                foreach (var (kind, position, value, _) in edits)
                {
                    var at = Math.Min(position, body.Count - 1);
                    if (kind == 0 && body.Count > 0)
                    {
                        body[at] = value;
                    }
                    else if (body.Count > 0)
                    {
                        body.RemoveAt(at);
                    }
                }

                Fuzz(body.ToArray(), mode);
            },
            iter: 500);
        Gen.Byte.Array[0, 600].Sample(bytes => Fuzz(bytes, PayloadMode.StreamingUnsignedTrailer), iter: 300);
        Gen.Char["0123456789abcdef;=\r\n:x-"].Array[0, 300].Select(c => Encoding.ASCII.GetBytes(c)).Sample(bytes => Fuzz(bytes, PayloadMode.StreamingUnsignedTrailer), iter: 500);
    }
}
