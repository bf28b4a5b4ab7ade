using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using Tessera.Benchmarks.Common;
using Tessera.Core.Hashing;
using Tessera.S3.Auth;

namespace Tessera.Benchmarks.Auth;

/// <summary>
/// Decoding an 8 MiB aws-chunked PUT body from memory through <see cref="AwsChunkedStream"/> into a 1 MiB buffer
/// (the size of one 4+2 stripe at the default 256 KiB shard, as the segment writer reads): with chunk signatures
/// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD: a SHA-256 of every byte and an HMAC per chunk) and without
/// (STREAMING-UNSIGNED-PAYLOAD-TRAILER, what current SDKs send over TLS, with a CRC64NVME trailer the stream only
/// parses). Chunks are 64 KiB, as the AWS SDKs send them.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class AwsChunkedBenchmarks
{
    private const int BodySize = 8 << 20;
    private const int ChunkSize = 64 << 10;

    private readonly byte[] _destination = new byte[1 << 20];
    private MemoryStream _body = null!;
    private AuthResult _auth = null!;
    private string? _trailerHeader;

    [Params(PayloadMode.StreamingSigned, PayloadMode.StreamingUnsignedTrailer)]
    public PayloadMode Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = new byte[BodySize];
        new Random(7).NextBytes(data);
        const string seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
        _auth = new AuthResult
        {
            AccessKey = BenchSigner.AccessKey,
            Mode = Mode,
            SeedSignature = seed,
            SigningKey = BenchSigner.SigningKey(),
            Scope = BenchSigner.Scope,
            AmzDate = BenchSigner.AmzDate,
            RequestTime = BenchSigner.Time,
        };

        var body = new MemoryStream();
        var previous = seed;
        for (var offset = 0; offset <= data.Length; offset += ChunkSize)
        {
            var chunk = data.AsSpan(offset, Math.Min(ChunkSize, data.Length - offset));
            if (Mode == PayloadMode.StreamingSigned)
            {
                previous = BenchSigner.ChunkSignature(previous, chunk);
                Write(body, $"{chunk.Length:x};chunk-signature={previous}\r\n");
            }
            else
            {
                Write(body, $"{chunk.Length:x}\r\n");
            }

            body.Write(chunk);
            if (chunk.Length > 0)
            {
                Write(body, "\r\n");
            }
        }

        if (Mode == PayloadMode.StreamingUnsignedTrailer)
        {
            _trailerHeader = "x-amz-checksum-crc64nvme";
            var crc = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(crc, Crc64Nvme.HashToUInt64(data));
            Write(body, $"x-amz-checksum-crc64nvme:{Convert.ToBase64String(crc)}\r\n");
        }

        Write(body, "\r\n");
        _body = new MemoryStream(body.ToArray(), writable: false);
        if (DecodeAsync().GetAwaiter().GetResult() != BodySize)
        {
            throw new InvalidOperationException("the benchmark body does not decode");
        }
    }

    [Benchmark]
    public async Task<long> DecodeAsync()
    {
        // The server's path: ReadAsync into the stripe buffer (the inner MemoryStream completes synchronously).
        _body.Position = 0;
        await using var stream = new AwsChunkedStream(_body, _auth, _trailerHeader, BodySize);
        while (await stream.ReadAsync(_destination) > 0)
        {
        }

        return stream.IsCompleted ? stream.DecodedLength : -1;
    }

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));

    private sealed class Config : ShortRunConfig
    {
        public Config()
            : base(BodySize)
        {
        }
    }
}
