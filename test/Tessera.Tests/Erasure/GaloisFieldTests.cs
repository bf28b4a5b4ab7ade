using Tessera.Erasure;

namespace Tessera.Tests.Erasure;

public sealed class GaloisFieldTests
{
    /// <summary>Carry-less multiply then reduce by 0x11D: an independent definition of the field product.</summary>
    internal static byte SlowMultiply(byte a, byte b)
    {
        var product = 0;
        for (var i = 0; i < 8; i++)
        {
            if (((b >> i) & 1) != 0)
            {
                product ^= a << i;
            }
        }

        for (var bit = 14; bit >= 8; bit--)
        {
            if (((product >> bit) & 1) != 0)
            {
                product ^= GaloisField.Polynomial << (bit - 8);
            }
        }

        return (byte)product;
    }

    /// <summary>What GF2P8AFFINEQB computes for one byte, per the Intel SDM: bit i = parity(A.byte[7-i] AND x).</summary>
    internal static byte AffineByte(ulong matrix, byte x)
    {
        var result = 0;
        for (var i = 0; i < 8; i++)
        {
            var row = (byte)(matrix >> ((7 - i) * 8));
            result |= (System.Numerics.BitOperations.PopCount((uint)(row & x)) & 1) << i;
        }

        return (byte)result;
    }

    [Fact]
    public void ProductTableMatchesCarrylessMultiplication()
    {
        for (var a = 0; a < 256; a++)
        {
            for (var b = 0; b < 256; b++)
            {
                Assert.Equal(SlowMultiply((byte)a, (byte)b), GaloisField.Multiply((byte)a, (byte)b));
            }
        }
    }

    [Fact]
    public void EveryNonZeroElementHasAnInverse()
    {
        for (var a = 1; a < 256; a++)
        {
            Assert.Equal(1, GaloisField.Multiply((byte)a, GaloisField.Inverse((byte)a)));
        }

        Assert.Throws<DivideByZeroException>(() => GaloisField.Inverse(0));
    }

    [Fact]
    public void PowerAgreesWithRepeatedMultiplication()
    {
        byte acc = 1;
        for (var n = 0; n < 600; n++)
        {
            Assert.Equal(acc, GaloisField.Power(2, n));
            acc = GaloisField.Multiply(acc, 2);
        }

        Assert.Equal(0, GaloisField.Power(0, 3));
        Assert.Equal(1, GaloisField.Power(0, 0));
    }

    [Fact]
    public void AffineMatrixIsMultiplicationByTheConstant()
    {
        for (var c = 0; c < 256; c++)
        {
            var matrix = GaloisField.AffineMatrix((byte)c);
            for (var x = 0; x < 256; x++)
            {
                Assert.Equal(GaloisField.Multiply((byte)c, (byte)x), AffineByte(matrix, (byte)x));
            }
        }
    }
}
