using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tessera.Erasure.Kernels;

/// <summary>
/// GF(2^8) dot products with GF2P8AFFINEQB on 64-byte vectors. Each lane byte x becomes A·x where A is the 8×8 bit
/// matrix of "multiply by the coefficient" (<see cref="GaloisField.AffineMatrix"/>), which is exactly the scalar
/// table lookup <c>MulTable[c, x]</c>; XOR accumulates. One pass reads each input vector once and feeds up to four
/// outputs, two vectors (128 bytes) per step and two inputs per inner step, so each accumulator update is
/// <c>a ^= f(x) ^ g(y)</c>, one VPTERNLOGD; a 4-output pass holds 8 accumulators, 4 input vectors and 2 broadcast
/// matrices in registers. Shards of 256 KiB and more stream from L3 or memory, where prefetching the inputs 1 KiB
/// ahead pays (measured: RS(17,3) with 1 MiB shards 36 → 50 GB/s) while in L2 it only costs issue slots.
/// Non-temporal stores were tried and lose (the encoder becomes DRAM-bound). The remainder after the last full
/// vector is recomputed as one vector ending at <c>end</c>, overlapping bytes already written with the same values.
/// </summary>
internal static unsafe partial class Gfni512Kernel
{
    private const int W = 64;

    /// <summary>How far ahead of the loads to prefetch each input (bytes): hides L3 latency on large shards.</summary>
    private const int Prefetch = 1024;

    /// <summary>Shards at least this long stream from L3 or memory: prefetching pays there and costs in L2.</summary>
    private const int PrefetchFrom = 256 * 1024;

    public static void Run<TGfni>(int group, ulong* matrices, int columns, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
    {
        if (end - start >= PrefetchFrom)
        {
            Run<TGfni, Yes>(group, matrices, columns, inputs, outputs, start, end);
        }
        else
        {
            Run<TGfni, No>(group, matrices, columns, inputs, outputs, start, end);
        }
    }

    private static void Run<TGfni, TPrefetch>(int group, ulong* matrices, int columns, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
        where TPrefetch : struct, IFlag
    {
        if (columns <= 8)
        {
            switch (group)
            {
                case 1: RunSmall<TGfni, One, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
                case 2: RunSmall<TGfni, Two, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
                case 3: RunSmall<TGfni, Three, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
                default: RunSmall<TGfni, Four, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
            }

            return;
        }

        switch (group)
        {
            case 1: Dot<TGfni, One, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
            case 2: Dot<TGfni, Two, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
            case 3: Dot<TGfni, Three, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
            default: Dot<TGfni, Four, TPrefetch>(matrices, columns, inputs, outputs, start, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<TGfni, TCount, TPrefetch>(ulong* m, int columns, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
        where TCount : struct, IOutputCount
        where TPrefetch : struct, IFlag
    {
        var n = TCount.Value;
        var p = start;
        // With eight inputs or more, or streaming from L3, the two-vector, two-input step (fewer than eight inputs
        // in L2 go to the unrolled Small kernel instead).
        for (; p + (2 * W) <= end; p += 2 * W)
        {
            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<byte> b0 = default, b1 = default, b2 = default, b3 = default;
            var c = 0;

            // Two inputs per step: each accumulator takes a ^ f(x) ^ g(y), which the JIT folds into one VPTERNLOGD.
            for (; c + 1 < columns; c += 2)
            {
                var s0 = inputs[c] + p;
                var s1 = inputs[c + 1] + p;
                if (TPrefetch.Value)
                {
                    TGfni.Prefetch(s0 + Prefetch);
                    TGfni.Prefetch(s0 + Prefetch + W);
                    TGfni.Prefetch(s1 + Prefetch);
                    TGfni.Prefetch(s1 + Prefetch + W);
                }

                var x0 = Vector512.Load(s0);
                var y0 = Vector512.Load(s0 + W);
                var x1 = Vector512.Load(s1);
                var y1 = Vector512.Load(s1 + W);
                var k0 = Vector512.Create(m[c]).AsByte();
                var l0 = Vector512.Create(m[c + 1]).AsByte();
                a0 ^= TGfni.Affine(x0, k0) ^ TGfni.Affine(x1, l0);
                b0 ^= TGfni.Affine(y0, k0) ^ TGfni.Affine(y1, l0);
                if (n > 1)
                {
                    var k1 = Vector512.Create(m[columns + c]).AsByte();
                    var l1 = Vector512.Create(m[columns + c + 1]).AsByte();
                    a1 ^= TGfni.Affine(x0, k1) ^ TGfni.Affine(x1, l1);
                    b1 ^= TGfni.Affine(y0, k1) ^ TGfni.Affine(y1, l1);
                }

                if (n > 2)
                {
                    var k2 = Vector512.Create(m[(2 * columns) + c]).AsByte();
                    var l2 = Vector512.Create(m[(2 * columns) + c + 1]).AsByte();
                    a2 ^= TGfni.Affine(x0, k2) ^ TGfni.Affine(x1, l2);
                    b2 ^= TGfni.Affine(y0, k2) ^ TGfni.Affine(y1, l2);
                }

                if (n > 3)
                {
                    var k3 = Vector512.Create(m[(3 * columns) + c]).AsByte();
                    var l3 = Vector512.Create(m[(3 * columns) + c + 1]).AsByte();
                    a3 ^= TGfni.Affine(x0, k3) ^ TGfni.Affine(x1, l3);
                    b3 ^= TGfni.Affine(y0, k3) ^ TGfni.Affine(y1, l3);
                }
            }

            if (c < columns)
            {
                var src = inputs[c] + p;
                if (TPrefetch.Value)
                {
                    TGfni.Prefetch(src + Prefetch);
                    TGfni.Prefetch(src + Prefetch + W);
                }

                var x = Vector512.Load(src);
                var y = Vector512.Load(src + W);
                var k0 = Vector512.Create(m[c]).AsByte();
                a0 ^= TGfni.Affine(x, k0);
                b0 ^= TGfni.Affine(y, k0);
                if (n > 1)
                {
                    var k1 = Vector512.Create(m[columns + c]).AsByte();
                    a1 ^= TGfni.Affine(x, k1);
                    b1 ^= TGfni.Affine(y, k1);
                }

                if (n > 2)
                {
                    var k2 = Vector512.Create(m[(2 * columns) + c]).AsByte();
                    a2 ^= TGfni.Affine(x, k2);
                    b2 ^= TGfni.Affine(y, k2);
                }

                if (n > 3)
                {
                    var k3 = Vector512.Create(m[(3 * columns) + c]).AsByte();
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

            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var c = 0; c < columns; c++)
            {
                var x = Vector512.Load(inputs[c] + p);
                a0 ^= TGfni.Affine(x, Vector512.Create(m[c]).AsByte());
                if (n > 1)
                {
                    a1 ^= TGfni.Affine(x, Vector512.Create(m[columns + c]).AsByte());
                }

                if (n > 2)
                {
                    a2 ^= TGfni.Affine(x, Vector512.Create(m[(2 * columns) + c]).AsByte());
                }

                if (n > 3)
                {
                    a3 ^= TGfni.Affine(x, Vector512.Create(m[(3 * columns) + c]).AsByte());
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
