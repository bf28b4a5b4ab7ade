using System.IO.Hashing;
using System.Text;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.S3.Auth;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz target for the aws-chunked decoder (<see cref="AwsChunkedStream"/>) over bodies built as SDKs send them
/// (<see cref="ChunkedBodies"/>) and then damaged: bytes flipped, inserted, deleted or duplicated, the body truncated,
/// huge hex sizes, over-long lines, bytes after the final chunk; read with random caller and network read sizes. A
/// body decodes to exactly the data it was built from, or fails with an S3Exception; never anything else, never a hang.
/// </summary>
/// <remarks>
/// In the unsigned-trailer mode no signature covers the data: a damaged body may decode to other bytes, which the
/// x-amz-checksum-crc32 trailer (declared, as SDKs do) then contradicts, and the handler refuses (BadDigest). So there
/// the property is "the data, or bytes the trailer's checksum does not match, or an S3Exception".
/// </remarks>
public sealed class AwsChunkedFuzzTests
{
    private const string Crc32Trailer = "x-amz-checksum-crc32";

    private static readonly byte[][] Dictionary =
    [
        .. new[]
        {
            "\r\n", "\n", "\r", "0\r\n", "0\r\n\r\n", ";", ";chunk-signature=", "chunk-signature=" + new string('0', 64), "ffffffffffffffff", "7fffffffffffffff",
            "fffffffffffffff", "100000", "-1", " ", "x-amz-checksum-crc32:", "x-amz-checksum-crc32:AAAAAA==\r\n", "x-amz-trailer-signature:", "x-amz-trailer-signature:" + new string('0', 64) + "\r\n",
            ":", "X-Amz-Checksum-CRC32:", new string('a', 4_100), "0;chunk-signature=" + new string('0', 64) + "\r\n",
        }.Select(Encoding.ASCII.GetBytes),
        [0x00], [0xFF],
    ];

    private static readonly Gen<ChunkedCase> Cases =
        from chunkSize in Gen.Frequency((4, Gen.Int[1, 64]), (4, Gen.Int[65, 5_000]), (1, Gen.Int[5_000, 70_000]))
        from data in chunkSize < 64 ? Gen.Byte.Array[0, 8 * chunkSize] : Gen.Frequency((8, Gen.Byte.Array[0, 3_000]), (1, Gen.Byte.Array[3_000, 40_000]))
        from modeIndex in Gen.Int[0, 2]
        from finalEmptyLine in Gen.Frequency((6, Gen.Const(true)), (1, Gen.Const(false)))
        from damage in Gen.Frequency((2, Gen.Const("none")), (1, Gen.Const("suffix")), (8, Gen.Const("mutated")))
        from edits in Mutation.Gen().Array[1, 4]
        from suffix in Gen.Byte.Array[1, 40]
        from lengthChoice in Gen.Frequency((8, Gen.Const(0)), (2, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3)))
        from extraTrailer in Gen.Frequency((8, Gen.Const(false)), (1, Gen.Const(true)))
        from readSeed in Gen.Int
        from maxRead in Gen.Frequency((2, Gen.Int[1, 16]), (4, Gen.Int[17, 5_000]), (2, Gen.Int[5_000, 70_000]))
        from isAsync in Gen.Bool
        select Build(data, chunkSize, (PayloadMode)((int)PayloadMode.StreamingSigned + modeIndex), finalEmptyLine, damage, edits, suffix, lengthChoice, extraTrailer, readSeed, maxRead, isAsync);

    [Fact]
    public void FuzzAwsChunked()
    {
        foreach (var mode in new[] { PayloadMode.StreamingSigned, PayloadMode.StreamingUnsignedTrailer })
        {
            // Warm: the first decode and the first failure load what every later one shares.
            Check(Build([1, 2, 3], 2, mode, true, "none", [], [], 0, false, 1, 100, false));
            Check(Build([1, 2, 3], 2, mode, true, "suffix", [], [1], 0, false, 1, 100, false));
        }

        FuzzRunner.Run("AwsChunkedStream", Cases, Check, seconds: 6, print: c => c.ToString(), allocations: ["AwsChunkedStream"]);
    }

    [Theory]
    [InlineData(PayloadMode.StreamingSigned)]
    [InlineData(PayloadMode.StreamingSignedTrailer)]
    [InlineData(PayloadMode.StreamingUnsignedTrailer)]
    public void BytesAfterTheFinalChunkAreRefused(PayloadMode mode)
    {
        Assert.Equal(S3Errors.InvalidRequest.Code, Check(Build([.. "hello"u8], 2, mode, true, "suffix", [], [.. "0\r\n\r\n"u8], 0, false, 1, 7, false)));
    }

    [Theory]
    [InlineData("ffffffffffffffff", "InvalidRequest")]
    [InlineData("fffffffffffffff", "IncompleteBody")]
    [InlineData("7fffffffffffffff", "InvalidRequest")]
    [InlineData("-1", "InvalidRequest")]
    [InlineData("", "InvalidRequest")]
    public void HugeOrBrokenChunkSizesFail(string size, string code)
    {
        // A size past 15 hex digits is refused outright; 15 digits (2^60) asks for more data than the body holds.
        var body = ChunkedBodies.Unsigned([[1, 2, 3]], [(Crc32Trailer, Convert.ToBase64String([.. Crc32.Hash([1, 2, 3]).Reverse()]))]);
        var damaged = Encoding.ASCII.GetBytes(size).Concat(body.Skip(1)).ToArray();
        Assert.Equal(code, Check(new ChunkedCase([1, 2, 3], damaged, PayloadMode.StreamingUnsignedTrailer, Crc32Trailer, null, "mutated", 1, 100, false)));
    }

    private static ChunkedCase Build(byte[] data, int chunkSize, PayloadMode mode, bool finalEmptyLine, string damage, Mutation[] edits, byte[] suffix, int lengthChoice, bool extraTrailer, int readSeed, int maxRead, bool isAsync)
    {
        var crc = Convert.ToBase64String([.. Crc32.Hash(data).Reverse()]);
        List<(string, string)> trailers = [(Crc32Trailer, crc)];
        if (extraTrailer)
        {
            trailers.Add(("x-amz-checksum-sha256", "AAAA"));
        }

        var chunks = ChunkedBodies.Chunks(data, chunkSize).ToList();
        var body = mode switch
        {
            PayloadMode.StreamingSigned => ChunkedBodies.Signed(chunks),
            PayloadMode.StreamingSignedTrailer => ChunkedBodies.Signed(chunks, trailers),
            _ => ChunkedBodies.Unsigned(chunks, trailers, finalEmptyLine),
        };
        body = damage switch
        {
            "suffix" => [.. body, .. suffix],
            "mutated" => Mutation.Apply(body, edits, Dictionary),
            _ => body,
        };
        long? decodedLength = lengthChoice switch
        {
            0 => data.Length,
            1 => null,
            2 => data.Length + 1,
            _ => Math.Max(0, data.Length - 1),
        };

        // The unsigned mode always declares its checksum trailer, as SDKs do: nothing else covers its data.
        var declared = mode == PayloadMode.StreamingSigned ? null : extraTrailer && mode == PayloadMode.StreamingSignedTrailer ? null : Crc32Trailer;
        if (extraTrailer && mode == PayloadMode.StreamingUnsignedTrailer)
        {
            declared = Crc32Trailer + ", x-amz-checksum-sha256";
        }

        return new ChunkedCase(data, body, mode, declared, decodedLength, damage, readSeed, maxRead, isAsync);
    }

    private static string Check(ChunkedCase c)
    {
        var auth = ChunkedBodies.Auth(c.Mode);
        var random = new Random(c.ReadSeed);
        var inner = new TrickleStream(c.Body, () => random.Next(1, 20_000));
        var buffer = new byte[c.MaxRead];
        var output = new byte[c.Body.Length];
        var written = 0;
        IReadOnlyDictionary<string, string>? trailers = null;
        var error = AllocationBudget.Check("AwsChunkedStream", c.Body.Length, () =>
        {
            written = 0;
            using var stream = new AwsChunkedStream(inner, auth, c.DeclaredTrailers, c.DecodedLength);
            for (var reads = 0; ; reads++)
            {
                if (reads > c.Body.Length + 2)
                {
                    throw new InvalidOperationException($"{reads} reads of a {c.Body.Length}-byte body: not making progress");
                }

                var size = random.Next(1, c.MaxRead + 1);
                int read;
                if (c.Async)
                {
                    var pending = stream.ReadAsync(buffer.AsMemory(0, size));
                    read = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
                }
                else
                {
                    read = stream.Read(buffer, 0, size);
                }

                if (read == 0)
                {
                    break;
                }

                if (written + read > output.Length)
                {
                    throw new InvalidOperationException("decoded more bytes than the body holds");
                }

                buffer.AsSpan(0, read).CopyTo(output.AsSpan(written));
                written += read;
            }

            trailers = stream.Trailers;
        });

        if (c.Damage == "suffix" && error is null)
        {
            throw new InvalidOperationException("bytes after the final chunk were accepted");
        }

        if (error is not null)
        {
            if (c.Damage == "none" && c.DecodedLength == c.Data.Length && (c.Mode == PayloadMode.StreamingSigned || !c.DeclaredTrailers!.Contains(',', StringComparison.Ordinal)) && !(c.Mode == PayloadMode.StreamingSignedTrailer && c.DeclaredTrailers is null))
            {
                throw new InvalidOperationException($"an undamaged body failed: {error.Error.Code} {error.Message}");
            }

            return error.Error.Code;
        }

        var decoded = output.AsSpan(0, written);
        if (decoded.SequenceEqual(c.Data))
        {
            return c.Damage == "none" ? "decoded" : "decoded despite damage";
        }

        if (c.Mode == PayloadMode.StreamingUnsignedTrailer && trailers!.TryGetValue(Crc32Trailer, out var sent)
            && sent != Convert.ToBase64String([.. Crc32.Hash(decoded).Reverse()]))
        {
            return "other bytes, caught by the checksum";
        }

        throw new InvalidOperationException($"decoded {written} bytes that are not the data ({c.Data.Length} bytes) and no check catches");
    }
}
