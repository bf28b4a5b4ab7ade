using CsCheck;
using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>The fragment header codec and file names: round trips, and no input makes the parser throw.</summary>
public sealed class FragmentFormatTests
{
    private static readonly Gen<FragmentHeader> Headers =
        Gen.Select(Gen.Guid, Gen.Int[1, 20], Gen.Int[0, 8], Gen.Int[1, 1 << 20], Gen.Long[0, 1L << 40], Gen.String, Gen.String, Gen.Int[0, 10_000])
            .Select(t => new FragmentHeader(
                new FragmentId(t.Item1, (t.Item1.GetHashCode() & 0x7FFF) % (t.Item2 + t.Item3)),
                t.Item2,
                t.Item3,
                t.Item4,
                t.Item5,
                t.Item6,
                t.Item7,
                "v" + t.Item8,
                t.Item8));

    [Fact]
    public void HeadersRoundTrip()
    {
        Headers.Where(h => FragmentFormat.Check(h) is null).Sample(
            h =>
            {
                var region = FragmentFormat.Encode(h);
                return FragmentFormat.TryDecode(region, out var decoded) && decoded == h;
            },
            iter: 500);
    }

    [Fact]
    public void DecodingArbitraryBytesNeverThrows()
    {
        Gen.Byte.Array[0, 300].Sample(bytes => Fuzz(bytes), iter: 2000);
    }

    [Fact]
    public void DecodingMutatedHeadersNeverThrows()
    {
        var header = new FragmentHeader(new FragmentId(Guid.NewGuid(), 2), 4, 2, 4096, 123_456, "bucket", "a/b/c", "v1", 3);
        var region = FragmentFormat.Encode(header);
        Gen.Select(Gen.Int[0, region.Length - 1], Gen.Byte, Gen.Int[0, region.Length]).Sample(
            t =>
            {
                var copy = (byte[])region.Clone();
                copy[t.Item1] = t.Item2;
                Fuzz(copy.AsSpan(0, t.Item3));
                return true;
            },
            iter: 2000);
    }

    [Fact]
    public void OnlyCanonicalFileNamesParse()
    {
        var id = new FragmentId(Guid.NewGuid(), 12);
        Assert.True(FragmentFormat.TryParseFileName(id.ToString(), out var parsed));
        Assert.Equal(id, parsed);

        foreach (var name in new[]
        {
            id.ToString().ToUpperInvariant(), $"{id.Segment:N}.012", $"{id.Segment:N}.+1", $"{id.Segment:N}.",
            $"{id.Segment:N}.70000", $"{id.Segment:D}.1", $"{id.Segment:N}.1.tmp", $"{id.Segment:N}", string.Empty,
        })
        {
            Assert.False(FragmentFormat.TryParseFileName(name, out _), name);
        }
    }

    /// <summary>Fuzz target: the header parser must reject garbage without throwing.</summary>
    private static void Fuzz(ReadOnlySpan<byte> bytes)
    {
        if (FragmentFormat.TryReadHeaderLength(bytes, out var length) && length <= bytes.Length)
        {
            FragmentFormat.TryDecode(bytes[..length], out _);
        }

        FragmentFormat.TryDecode(bytes, out _);
    }
}
