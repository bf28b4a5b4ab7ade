using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tessera.Erasure;
using Tessera.Erasure.Kernels;

namespace Tessera.Tests.Erasure;

/// <summary>
/// The software GF2P8AFFINEQB that lets the GFNI kernels' loops run on every machine: it must be the instruction,
/// not merely agree with the codec's own matrices, or the emulated kernel tests would prove nothing.
/// </summary>
public sealed class EmulatedGfniTests
{
    [Fact]
    public void EmulationIsTheSdmDefinitionForAnyMatrix()
    {
        var random = new Random(77);
        Span<byte> bytes = stackalloc byte[16];
        for (var trial = 0; trial < 2000; trial++)
        {
            random.NextBytes(bytes);
            var x = BitConverter.ToUInt64(bytes);
            var matrix = BitConverter.ToUInt64(bytes[8..]);
            var got = EmulatedGfni.AffineQword(x, matrix);
            for (var b = 0; b < 8; b++)
            {
                Assert.Equal(GaloisFieldTests.AffineByte(matrix, (byte)(x >> (8 * b))), (byte)(got >> (8 * b)));
            }
        }
    }

    [Fact]
    public void EmulationMultipliesByTheCoefficientOfTheCodecsMatrices()
    {
        for (var c = 0; c < 256; c++)
        {
            var matrix = GaloisField.AffineMatrix((byte)c);
            for (var x = 0; x < 256; x += 8)
            {
                var packed = 0UL;
                for (var b = 0; b < 8; b++)
                {
                    packed |= (ulong)(x + b) << (8 * b);
                }

                var got = EmulatedGfni.AffineQword(packed, matrix);
                for (var b = 0; b < 8; b++)
                {
                    Assert.Equal(GaloisField.Multiply((byte)c, (byte)(x + b)), (byte)(got >> (8 * b)));
                }
            }
        }
    }

    [Fact]
    public void EachQwordOfAVectorUsesItsOwnMatrix()
    {
        var random = new Random(5);
        var x = new byte[64];
        var matrices = new byte[64];
        random.NextBytes(x);
        random.NextBytes(matrices);
        var got = EmulatedGfni.Affine(Vector512.Create(x), Vector512.Create(matrices));
        var got256 = EmulatedGfni.Affine(Vector256.Create(x.AsSpan(0, 32)), Vector256.Create(matrices.AsSpan(0, 32)));
        for (var q = 0; q < 8; q++)
        {
            var expected = EmulatedGfni.AffineQword(BitConverter.ToUInt64(x, 8 * q), BitConverter.ToUInt64(matrices, 8 * q));
            Assert.Equal(expected, got.AsUInt64().GetElement(q));
            if (q < 4)
            {
                Assert.Equal(expected, got256.AsUInt64().GetElement(q));
            }
        }
    }

    [Fact]
    public void EmulationMatchesTheInstructionWhereTheCpuHasIt()
    {
        Assert.SkipUnless(Gfni.V256.IsSupported, "This CPU has no GFNI with AVX");
        var random = new Random(11);
        var x = new byte[64];
        var matrices = new byte[64];
        for (var trial = 0; trial < 1000; trial++)
        {
            random.NextBytes(x);
            random.NextBytes(matrices);
            var vx = Vector256.Create(x.AsSpan(0, 32));
            var vm = Vector256.Create(matrices.AsSpan(0, 32));
            Assert.Equal(GfniInstructions.Affine(vx, vm), EmulatedGfni.Affine(vx, vm));
            if (Gfni.V512.IsSupported)
            {
                Assert.Equal(GfniInstructions.Affine(Vector512.Create(x), Vector512.Create(matrices)), EmulatedGfni.Affine(Vector512.Create(x), Vector512.Create(matrices)));
            }
        }
    }
}
