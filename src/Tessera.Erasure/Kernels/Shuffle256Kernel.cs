using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tessera.Erasure.Kernels;

/// <summary>
/// GF(2^8) dot products by split-nibble table lookup on 32-byte vectors (AVX2). For a coefficient c,
/// c·x = c·(x &amp; 0x0F) XOR c·(x &amp; 0xF0), and each half is a 16-entry table indexed by one nibble, which
/// VPSHUFB looks up for 16 bytes per 128-bit lane at once. The tables are stored duplicated for both lanes
/// (<see cref="CodingTables.NibbleStride"/>). Nibbles are split once per input vector and reused by every output.
/// </summary>
internal static unsafe class Shuffle256Kernel
{
    private const int W = 32;
    private const int S = CodingTables.NibbleStride;

    /// <summary>How far ahead of the loads to prefetch each input (bytes) when the shards stream from L3 or memory.</summary>
    private const int Prefetch = 1024;

    /// <summary>Shards at least this long stream from L3 or memory (the GFNI kernels' threshold).</summary>
    private const int PrefetchFrom = 256 * 1024;

    /// <summary>
    /// Inputs beyond which the hardware prefetchers lose track of the streams and software prefetching pays (paired
    /// runs, 1 MiB shards, Zen 3: RS(17,3) 1.4–1.9 → 1.9–3.4 × ISA-L, while RS(10,4) and RS(12,4) lost 5–15 %).
    /// </summary>
    private const int PrefetchColumns = 13;

    public static void Run(int group, byte* tables, int columns, byte** inputs, byte** outputs, int start, int end)
    {
        if (end - start >= PrefetchFrom && columns >= PrefetchColumns)
        {
            Run<Yes>(group, tables, columns, inputs, outputs, start, end);
        }
        else
        {
            Run<No>(group, tables, columns, inputs, outputs, start, end);
        }
    }

    private static void Run<TPrefetch>(int group, byte* tables, int columns, byte** inputs, byte** outputs, int start, int end)
        where TPrefetch : struct, IFlag
    {
        switch (group)
        {
            case 1: Dot<One, TPrefetch>(tables, columns, inputs, outputs, start, end); break;
            case 2: Dot<Two, TPrefetch>(tables, columns, inputs, outputs, start, end); break;
            case 3: Dot<Three, TPrefetch>(tables, columns, inputs, outputs, start, end); break;
            default: Dot<Four, TPrefetch>(tables, columns, inputs, outputs, start, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Mul(byte* table, Vector256<byte> lo, Vector256<byte> hi) =>
        Avx2.Shuffle(Vector256.Load(table), lo) ^ Avx2.Shuffle(Vector256.Load(table + 32), hi);

    /// <summary>Accumulates c·x into <paramref name="ax"/> and c·y into <paramref name="ay"/> from one load of c's tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mul2(byte* table, Vector256<byte> xl, Vector256<byte> xh, Vector256<byte> yl, Vector256<byte> yh, ref Vector256<byte> ax, ref Vector256<byte> ay)
    {
        // One table register and one product at a time, each folded into its accumulator at once: at n = 4 the
        // step then needs 15 vector registers and nothing spills.
        var tab = Vector256.Load(table);
        ax ^= Avx2.Shuffle(tab, xl);
        ay ^= Avx2.Shuffle(tab, yl);
        tab = Vector256.Load(table + 32);
        ax ^= Avx2.Shuffle(tab, xh);
        ay ^= Avx2.Shuffle(tab, yh);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<TCount, TPrefetch>(byte* t, int columns, byte** inputs, byte** outputs, int start, int end)
        where TCount : struct, IOutputCount
        where TPrefetch : struct, IFlag
    {
        var n = TCount.Value;
        var mask = Vector256.Create((byte)0x0F);
        var rowStride = columns * S;
        var p = start;

        // Two vectors per step while 64 bytes remain: each pair of table loads serves both, which halves the loads
        // per byte (the port this kernel is bound by: two 32-byte tables per coefficient against one shuffle each).
        // Registers: 2n accumulators, four nibble vectors, the mask, one table and one product: 15 of 16 at n = 4.
        // Offsets as native integers, the table pointer walked: no sign extensions or multiplies in the loop.
        nint r1 = rowStride, r2 = 2 * (nint)rowStride, r3 = 3 * (nint)rowStride;
        for (; p + (2 * W) <= end; p += 2 * W)
        {
            Vector256<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<byte> b0 = default, b1 = default, b2 = default, b3 = default;
            var tc = t;
            var offset = (nint)p;
            for (var c = 0; c < columns; c++, tc += S)
            {
                var input = inputs[c] + offset;
                if (TPrefetch.Value)
                {
                    Sse.Prefetch0(input + Prefetch);
                }

                var x = Vector256.Load(input);
                var y = Vector256.Load(input + W);
                var xl = x & mask;
                var xh = Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask;
                var yl = y & mask;
                var yh = Vector256.ShiftRightLogical(y.AsUInt16(), 4).AsByte() & mask;
                Mul2(tc, xl, xh, yl, yh, ref a0, ref b0);
                if (n > 1)
                {
                    Mul2(tc + r1, xl, xh, yl, yh, ref a1, ref b1);
                }

                if (n > 2)
                {
                    Mul2(tc + r2, xl, xh, yl, yh, ref a2, ref b2);
                }

                if (n > 3)
                {
                    Mul2(tc + r3, xl, xh, yl, yh, ref a3, ref b3);
                }
            }

            var o = offset;
            a0.Store(outputs[0] + o);
            b0.Store(outputs[0] + o + W);
            if (n > 1)
            {
                a1.Store(outputs[1] + o);
                b1.Store(outputs[1] + o + W);
            }

            if (n > 2)
            {
                a2.Store(outputs[2] + o);
                b2.Store(outputs[2] + o + W);
            }

            if (n > 3)
            {
                a3.Store(outputs[3] + o);
                b3.Store(outputs[3] + o + W);
            }
        }

        // Fewer than 64 bytes left: one vector per step, the last one overlapping back to end.
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
                var lo = x & mask;
                var hi = Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask;
                var tc = t + (c * S);
                a0 ^= Mul(tc, lo, hi);
                if (n > 1)
                {
                    a1 ^= Mul(tc + rowStride, lo, hi);
                }

                if (n > 2)
                {
                    a2 ^= Mul(tc + (2 * rowStride), lo, hi);
                }

                if (n > 3)
                {
                    a3 ^= Mul(tc + (3 * rowStride), lo, hi);
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
