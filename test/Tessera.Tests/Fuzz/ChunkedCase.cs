using System.Globalization;
using Tessera.S3.Auth;

namespace Tessera.Tests.Fuzz;

/// <summary>One aws-chunked decoding case: the data, the (possibly damaged) body, the headers that frame it, and how it is read.</summary>
/// <param name="Data">The object bytes the body was built from.</param>
/// <param name="Body">The body as sent.</param>
/// <param name="Mode">The payload mode.</param>
/// <param name="DeclaredTrailers">The x-amz-trailer header.</param>
/// <param name="DecodedLength">The x-amz-decoded-content-length header.</param>
/// <param name="Damage">What was done to the body: <c>none</c>, <c>suffix</c> (bytes after the final chunk) or <c>mutated</c>.</param>
/// <param name="ReadSeed">Seeds the caller's and the network's read sizes.</param>
/// <param name="MaxRead">The largest caller read.</param>
/// <param name="Async">Whether the caller reads with ReadAsync.</param>
internal sealed record ChunkedCase(byte[] Data, byte[] Body, PayloadMode Mode, string? DeclaredTrailers, long? DecodedLength, string Damage, int ReadSeed, int MaxRead, bool Async)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Mode} damage {Damage} data {Data.Length} bytes, trailers {DeclaredTrailers ?? "null"}, decoded length {DecodedLength?.ToString(CultureInfo.InvariantCulture) ?? "null"}, reads ≤ {MaxRead} seed {ReadSeed} {(Async ? "async" : "sync")}, body {Show.Bytes(Body)}");
}
