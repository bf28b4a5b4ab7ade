namespace Tessera.Erasure;

/// <summary>
/// Arithmetic in GF(2^8) with the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), the field used by
/// Intel ISA-L, Backblaze and most storage Reed-Solomon codes. Addition is XOR; multiplication goes through
/// log/exp tables, or a full 64 KiB product table for the scalar kernel.
/// </summary>
public static class GaloisField
{
    /// <summary>The reduction polynomial, including the x^8 term.</summary>
    public const int Polynomial = 0x11D;

    // Exp is doubled (510 entries) so Exp[Log[a] + Log[b]] needs no modulo.
    private static readonly byte[] Exp = new byte[512];
    private static readonly byte[] Log = new byte[256];

    /// <summary>Row-major product table: <c>MulTable[a * 256 + b] = a·b</c>. 64 KiB, shared by all codecs.</summary>
    internal static readonly byte[] MulTable = new byte[256 * 256];

    static GaloisField()
    {
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            Exp[i] = (byte)x;
            Log[x] = (byte)i;
            x <<= 1;
            if ((x & 0x100) != 0)
            {
                x ^= Polynomial;
            }
        }

        for (var i = 255; i < Exp.Length; i++)
        {
            Exp[i] = Exp[i - 255];
        }

        for (var a = 1; a < 256; a++)
        {
            for (var b = 1; b < 256; b++)
            {
                MulTable[(a << 8) | b] = Exp[Log[a] + Log[b]];
            }
        }
    }

    /// <summary>Returns a·b in GF(2^8).</summary>
    public static byte Multiply(byte a, byte b) => MulTable[(a << 8) | b];

    /// <summary>Returns the multiplicative inverse of <paramref name="a"/>; <paramref name="a"/> must not be zero.</summary>
    public static byte Inverse(byte a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("Zero has no inverse in GF(2^8).");
        }

        return Exp[255 - Log[a]];
    }

    /// <summary>Returns a raised to the power n (n ≥ 0).</summary>
    public static byte Power(byte a, int n)
    {
        if (n == 0)
        {
            return 1;
        }

        if (a == 0)
        {
            return 0;
        }

        return Exp[Log[a] * n % 255];
    }

    /// <summary>
    /// The 8×8 bit matrix of "multiply by <paramref name="c"/>" in the layout GF2P8AFFINEQB expects. Multiplication
    /// by a constant is linear over GF(2), so it is an affine transform with b = 0 whatever the field polynomial
    /// (GF2P8MULB is hard-wired to 0x11B and cannot be used). Output bit i is the parity of (row i AND x), and
    /// row i sits in byte 7 - i of the qword; bit j of row i is bit i of c·2^j.
    /// </summary>
    public static ulong AffineMatrix(byte c)
    {
        ulong matrix = 0;
        for (var i = 0; i < 8; i++)
        {
            var row = 0;
            for (var j = 0; j < 8; j++)
            {
                if (((Multiply(c, (byte)(1 << j)) >> i) & 1) != 0)
                {
                    row |= 1 << j;
                }
            }

            matrix |= (ulong)row << ((7 - i) * 8);
        }

        return matrix;
    }
}
