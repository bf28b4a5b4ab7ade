namespace Tessera.Core.Hashing;

/// <summary>
/// The CRC of a concatenation from the CRCs of its pieces: <c>crc(A ‖ B) = Combine(crc(A), crc(B), |B|)</c>, for the
/// reflected CRCs with all-ones initial value and final XOR that S3 uses (CRC-32, CRC-32C, CRC-64/NVME). This is how a
/// multipart upload's FULL_OBJECT checksum is computed from its parts' checksums without reading a byte again.
/// </summary>
/// <remarks>
/// zlib's method (crc32_combine_), for any width: a CRC is a polynomial over GF(2); appending |B| zero bytes to A
/// multiplies its register by x^(8|B|) modulo P, and the all-ones conditioning cancels between the two pieces, so
/// <c>crc(A ‖ B) = crc(A)·x^(8|B|) mod P ⊕ crc(B)</c>. x^(2^k) mod P is found by repeated squaring; reflected
/// arithmetic keeps x^0 in the top bit.
/// </remarks>
public static class CrcCombine
{
    /// <summary>The reflected polynomial of CRC-32 (IEEE).</summary>
    public const ulong Crc32Polynomial = 0xEDB88320;

    /// <summary>The reflected polynomial of CRC-32C (Castagnoli).</summary>
    public const ulong Crc32CPolynomial = 0x82F63B78;

    /// <summary>The reflected polynomial of CRC-64/NVME.</summary>
    public const ulong Crc64NvmePolynomial = 0x9A6C9329AC4BC9B5;

    /// <summary>Combines two CRCs of the given algorithm (CRC32, CRC32C or CRC64NVME).</summary>
    /// <exception cref="ArgumentException">Not a CRC algorithm.</exception>
    public static ulong Combine(ChecksumAlgorithm algorithm, ulong first, ulong second, long secondLength) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 => Combine(first, second, secondLength, Crc32Polynomial, 32),
        ChecksumAlgorithm.Crc32C => Combine(first, second, secondLength, Crc32CPolynomial, 32),
        ChecksumAlgorithm.Crc64Nvme => Combine(first, second, secondLength, Crc64NvmePolynomial, 64),
        _ => throw new ArgumentException($"{algorithm} is not a CRC.", nameof(algorithm)),
    };

    /// <summary><c>crc(A ‖ B)</c> from <c>crc(A)</c>, <c>crc(B)</c> and |B|, for a reflected CRC of <paramref name="width"/> bits.</summary>
    public static ulong Combine(ulong first, ulong second, long secondLength, ulong polynomial, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(secondLength);
        return secondLength == 0 ? first : MultiplyModP(PowerOfX(secondLength, polynomial, width), first, polynomial, width) ^ second;
    }

    /// <summary>x^(8n) mod P (reflected).</summary>
    private static ulong PowerOfX(long bytes, ulong polynomial, int width)
    {
        var top = 1UL << (width - 1);
        var result = top;                      // x^0
        var square = top >> 1;                 // x^1
        for (var k = 0; k < 3; k++)
        {
            square = MultiplyModP(square, square, polynomial, width); // x^(2^(k+1)): after 3 squarings x^8
        }

        var n = (ulong)bytes;
        while (n != 0)
        {
            if ((n & 1) != 0)
            {
                result = MultiplyModP(square, result, polynomial, width);
            }

            square = MultiplyModP(square, square, polynomial, width);
            n >>= 1;
        }

        return result;
    }

    /// <summary>a·b mod P, both reflected (bit width−1 is x^0).</summary>
    private static ulong MultiplyModP(ulong a, ulong b, ulong polynomial, int width)
    {
        var m = 1UL << (width - 1);
        ulong product = 0;
        while (true)
        {
            if ((a & m) != 0)
            {
                product ^= b;
                if ((a & (m - 1)) == 0)
                {
                    break;
                }
            }

            m >>= 1;
            b = (b & 1) != 0 ? (b >> 1) ^ polynomial : b >> 1;
        }

        return product;
    }
}
