using System.IO.Hashing;
using CsCheck;
using Tessera.Core.Hashing;

namespace Tessera.Tests.Core;

/// <summary>crc(A ‖ B) from crc(A), crc(B) and |B|, checked against the CRC of the concatenation.</summary>
public sealed class CrcCombineTests
{
    private static ulong Crc(ChecksumAlgorithm algorithm, byte[] data) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 => Crc32.HashToUInt32(data),
        ChecksumAlgorithm.Crc32C => Crc32C.HashToUInt32(data),
        _ => Crc64Nvme.HashToUInt64(data),
    };

    [Theory]
    [InlineData(ChecksumAlgorithm.Crc32)]
    [InlineData(ChecksumAlgorithm.Crc32C)]
    [InlineData(ChecksumAlgorithm.Crc64Nvme)]
    public void CombiningTheCrcsOfTwoPiecesIsTheCrcOfTheirConcatenation(ChecksumAlgorithm algorithm)
    {
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Byte.Array[0, 3000]).Sample((a, b) =>
        {
            var whole = Crc(algorithm, [.. a, .. b]);
            Assert.Equal(whole, CrcCombine.Combine(algorithm, Crc(algorithm, a), Crc(algorithm, b), b.Length));
        }, iter: 300);
    }

    [Fact]
    public void AManyPartObjectCombinesPartByPart()
    {
        var parts = Enumerable.Range(0, 7).Select(i => Names(i)).ToList();
        var whole = parts.SelectMany(p => p).ToArray();
        var combined = Crc(ChecksumAlgorithm.Crc64Nvme, parts[0]);
        foreach (var part in parts.Skip(1))
        {
            combined = CrcCombine.Combine(ChecksumAlgorithm.Crc64Nvme, combined, Crc(ChecksumAlgorithm.Crc64Nvme, part), part.Length);
        }

        Assert.Equal(Crc64Nvme.HashToUInt64(whole), combined);

        static byte[] Names(int i)
        {
            var bytes = new byte[(i * 1013) + 5];
            new Random(i).NextBytes(bytes);
            return bytes;
        }
    }
}
