using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tessera.Erasure.Kernels;

/// <summary>
/// GF(2^8) dot products with GF2P8AFFINEQB on 32-byte vectors. Each lane byte x becomes A·x where A is the 8×8 bit
/// matrix of "multiply by the coefficient" (<see cref="GaloisField.AffineMatrix"/>), which is exactly the scalar
/// table lookup <c>MulTable[c, x]</c>; XOR accumulates. One pass reads each input vector once and feeds up to four
/// outputs, two vectors (64 bytes) per step, so a 4-output pass holds 8 accumulators, 2 inputs and 1 broadcast
/// matrix in registers. The remainder after the last full vector is recomputed as one vector ending at
/// <c>end</c>, overlapping bytes already written with the same values.
/// </summary>
internal static unsafe class Gfni256Kernel
{
    private const int W = 32;

    public static void Run<TGfni>(int group, ulong* matrices, int columns, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
    {
        switch (group)
        {
            case 1: Dot<TGfni, One>(matrices, columns, inputs, outputs, start, end); break;
            case 2: Dot<TGfni, Two>(matrices, columns, inputs, outputs, start, end); break;
            case 3: Dot<TGfni, Three>(matrices, columns, inputs, outputs, start, end); break;
            default: Dot<TGfni, Four>(matrices, columns, inputs, outputs, start, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<TGfni, TCount>(ulong* m, int columns, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
        where TCount : struct, IOutputCount
    {
        var n = TCount.Value;
        var p = start;
        for (; p + (2 * W) <= end; p += 2 * W)
        {
            Vector256<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<byte> b0 = default, b1 = default, b2 = default, b3 = default;
            for (var c = 0; c < columns; c++)
            {
                var src = inputs[c] + p;
                var x = Vector256.Load(src);
                var y = Vector256.Load(src + W);
                var k0 = Vector256.Create(m[c]).AsByte();
                a0 ^= TGfni.Affine(x, k0);
                b0 ^= TGfni.Affine(y, k0);
                if (n > 1)
                {
                    var k1 = Vector256.Create(m[columns + c]).AsByte();
                    a1 ^= TGfni.Affine(x, k1);
                    b1 ^= TGfni.Affine(y, k1);
                }

                if (n > 2)
                {
                    var k2 = Vector256.Create(m[(2 * columns) + c]).AsByte();
                    a2 ^= TGfni.Affine(x, k2);
                    b2 ^= TGfni.Affine(y, k2);
                }

                if (n > 3)
                {
                    var k3 = Vector256.Create(m[(3 * columns) + c]).AsByte();
                    a3 ^= TGfni.Affine(x, k3);
                    b3 ^= TGfni.Affine(y, k3);
                }
            }

            a0.Store(outputs[0] + p);
            b0.Store(outputs[0] + p + W);
            if (n > 1)
            {
                a1.Store(outputs[1] + p);
                b1.Store(outputs[1] + p + W);
            }

            if (n > 2)
            {
                a2.Store(outputs[2] + p);
                b2.Store(outputs[2] + p + W);
            }

            if (n > 3)
            {
                a3.Store(outputs[3] + p);
                b3.Store(outputs[3] + p + W);
            }
        }

        while (p < end)
        {
            if (p + W > end)
            {
                p = end - W;
            }

            Vector256<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var c = 0; c < columns; c++)
            {
                var x = Vector256.Load(inputs[c] + p);
                a0 ^= TGfni.Affine(x, Vector256.Create(m[c]).AsByte());
                if (n > 1)
                {
                    a1 ^= TGfni.Affine(x, Vector256.Create(m[columns + c]).AsByte());
                }

                if (n > 2)
                {
                    a2 ^= TGfni.Affine(x, Vector256.Create(m[(2 * columns) + c]).AsByte());
                }

                if (n > 3)
                {
                    a3 ^= TGfni.Affine(x, Vector256.Create(m[(3 * columns) + c]).AsByte());
                }
            }

            a0.Store(outputs[0] + p);
            if (n > 1)
            {
                a1.Store(outputs[1] + p);
            }

            if (n > 2)
            {
                a2.Store(outputs[2] + p);
            }

            if (n > 3)
            {
                a3.Store(outputs[3] + p);
            }

            p += W;
        }
    }
}
