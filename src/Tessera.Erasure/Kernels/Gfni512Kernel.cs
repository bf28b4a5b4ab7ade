using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tessera.Erasure.Kernels;

/// <summary>
/// GF(2^8) dot products with GF2P8AFFINEQB on 64-byte vectors. Each lane byte x becomes A·x where A is the 8×8 bit
/// matrix of "multiply by the coefficient" (<see cref="GaloisField.AffineMatrix"/>), which is exactly the scalar
/// table lookup <c>MulTable[c, x]</c>; XOR accumulates. One pass reads each input vector once and feeds up to four
/// outputs, two vectors (128 bytes) per step, so a 4-output pass holds 8 accumulators, 2 inputs and 1 broadcast
/// matrix in registers. The remainder after the last full vector is recomputed as one vector ending at
/// <c>end</c>, overlapping bytes already written with the same values.
/// </summary>
internal static unsafe class Gfni512Kernel
{
    private const int W = 64;

    public static void Run(int group, ulong* matrices, int columns, byte** inputs, byte** outputs, int start, int end)
    {
        switch (group)
        {
            case 1: Dot<One>(matrices, columns, inputs, outputs, start, end); break;
            case 2: Dot<Two>(matrices, columns, inputs, outputs, start, end); break;
            case 3: Dot<Three>(matrices, columns, inputs, outputs, start, end); break;
            default: Dot<Four>(matrices, columns, inputs, outputs, start, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<TCount>(ulong* m, int columns, byte** inputs, byte** outputs, int start, int end)
        where TCount : struct, IOutputCount
    {
        var n = TCount.Value;
        var p = start;
        for (; p + (2 * W) <= end; p += 2 * W)
        {
            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<byte> b0 = default, b1 = default, b2 = default, b3 = default;
            for (var c = 0; c < columns; c++)
            {
                var src = inputs[c] + p;
                var x = Vector512.Load(src);
                var y = Vector512.Load(src + W);
                var k0 = Vector512.Create(m[c]).AsByte();
                a0 ^= Gfni.V512.GaloisFieldAffineTransform(x, k0, 0);
                b0 ^= Gfni.V512.GaloisFieldAffineTransform(y, k0, 0);
                if (n > 1)
                {
                    var k1 = Vector512.Create(m[columns + c]).AsByte();
                    a1 ^= Gfni.V512.GaloisFieldAffineTransform(x, k1, 0);
                    b1 ^= Gfni.V512.GaloisFieldAffineTransform(y, k1, 0);
                }

                if (n > 2)
                {
                    var k2 = Vector512.Create(m[(2 * columns) + c]).AsByte();
                    a2 ^= Gfni.V512.GaloisFieldAffineTransform(x, k2, 0);
                    b2 ^= Gfni.V512.GaloisFieldAffineTransform(y, k2, 0);
                }

                if (n > 3)
                {
                    var k3 = Vector512.Create(m[(3 * columns) + c]).AsByte();
                    a3 ^= Gfni.V512.GaloisFieldAffineTransform(x, k3, 0);
                    b3 ^= Gfni.V512.GaloisFieldAffineTransform(y, k3, 0);
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

            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var c = 0; c < columns; c++)
            {
                var x = Vector512.Load(inputs[c] + p);
                a0 ^= Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(m[c]).AsByte(), 0);
                if (n > 1)
                {
                    a1 ^= Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(m[columns + c]).AsByte(), 0);
                }

                if (n > 2)
                {
                    a2 ^= Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(m[(2 * columns) + c]).AsByte(), 0);
                }

                if (n > 3)
                {
                    a3 ^= Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(m[(3 * columns) + c]).AsByte(), 0);
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
