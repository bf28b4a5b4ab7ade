using System.Text;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests;

/// <summary>Builds aws-chunked bodies the way SDKs send them, signed with <see cref="ReferenceSigner"/>.</summary>
public static class ChunkedBodies
{
    public const string Seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    public static AuthResult Auth(PayloadMode mode, string seed = Seed) => new()
    {
        AccessKey = AccessKey,
        Mode = mode,
        SeedSignature = seed,
        SigningKey = ReferenceSigner.SigningKey(SecretKey, AmzDate[..8], Region),
        Scope = ReferenceSigner.Scope(AmzDate, Region),
        AmzDate = AmzDate,
        RequestTime = ExampleTime,
    };

    /// <summary>Signed chunks; with <paramref name="trailers"/> (even empty) it is the signed-trailer variant.</summary>
    public static byte[] Signed(IEnumerable<byte[]> chunks, IReadOnlyList<(string Name, string Value)>? trailers = null, string seed = Seed)
    {
        var body = new MemoryStream();
        var previous = seed;
        foreach (var chunk in chunks.Append([]))
        {
            var signature = ReferenceSigner.ChunkSignature(previous, chunk, AmzDate, SecretKey, Region);
            Write(body, $"{chunk.Length:x};chunk-signature={signature}\r\n");
            body.Write(chunk);
            if (chunk.Length > 0)
            {
                Write(body, "\r\n");
            }

            previous = signature;
        }

        if (trailers is not null)
        {
            var lines = string.Concat(trailers.Select(t => $"{t.Name}:{t.Value}\n"));
            foreach (var (name, value) in trailers)
            {
                Write(body, $"{name}:{value}\r\n");
            }

            Write(body, $"x-amz-trailer-signature:{ReferenceSigner.TrailerSignature(previous, lines, AmzDate, SecretKey, Region)}\r\n");
        }

        Write(body, "\r\n");
        return body.ToArray();
    }

    public static byte[] Unsigned(IEnumerable<byte[]> chunks, IReadOnlyList<(string Name, string Value)> trailers, bool finalEmptyLine = true)
    {
        var body = new MemoryStream();
        foreach (var chunk in chunks)
        {
            Write(body, $"{chunk.Length:x}\r\n");
            body.Write(chunk);
            Write(body, "\r\n");
        }

        Write(body, "0\r\n");
        foreach (var (name, value) in trailers)
        {
            Write(body, $"{name}:{value}\r\n");
        }

        if (finalEmptyLine)
        {
            Write(body, "\r\n");
        }

        return body.ToArray();
    }

    public static IEnumerable<byte[]> Chunks(byte[] data, int size)
    {
        for (var offset = 0; offset < data.Length; offset += size)
        {
            yield return data[offset..Math.Min(data.Length, offset + size)];
        }
    }

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));
}
