using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tessera.Erasure.Kernels;

/// <summary>
/// The split-nibble kernel of <see cref="Shuffle256Kernel"/> on 16-byte vectors, written against
/// <see cref="Vector128.ShuffleNative(Vector128{byte}, Vector128{byte})"/>: PSHUFB with SSSE3, TBL on Arm64.
/// Indices are always below 16, where the native instructions agree with the portable definition.
/// </summary>
internal static unsafe class Shuffle128Kernel
{
    private const int W = 16;
    private const int S = CodingTables.NibbleStride;

    public static void Run(int group, byte* tables, int columns, byte** inputs, byte** outputs, int start, int end)
    {
        switch (group)
        {
            case 1: Dot<One>(tables, columns, inputs, outputs, start, end); break;
            case 2: Dot<Two>(tables, columns, inputs, outputs, start, end); break;
            case 3: Dot<Three>(tables, columns, inputs, outputs, start, end); break;
            default: Dot<Four>(tables, columns, inputs, outputs, start, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Mul(byte* table, Vector128<byte> lo, Vector128<byte> hi) =>
        Vector128.ShuffleNative(Vector128.Load(table), lo) ^ Vector128.ShuffleNative(Vector128.Load(table + 32), hi);

    /// <summary>Accumulates c·x into <paramref name="ax"/> and c·y into <paramref name="ay"/> from one load of each of c's tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mul2(byte* table, Vector128<byte> xl, Vector128<byte> xh, Vector128<byte> yl, Vector128<byte> yh, ref Vector128<byte> ax, ref Vector128<byte> ay)
    {
        // As in Shuffle256Kernel: one table and one product live at a time, so four outputs fit in 15 registers.
        var tab = Vector128.Load(table);
        ax ^= Vector128.ShuffleNative(tab, xl);
        ay ^= Vector128.ShuffleNative(tab, yl);
        tab = Vector128.Load(table + 32);
        ax ^= Vector128.ShuffleNative(tab, xh);
        ay ^= Vector128.ShuffleNative(tab, yh);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<TCount>(byte* t, int columns, byte** inputs, byte** outputs, int start, int end)
        where TCount : struct, IOutputCount
    {
        var n = TCount.Value;
        var mask = Vector128.Create((byte)0x0F);
        var rowStride = columns * S;
        var p = start;

        // Two vectors per step while 32 bytes remain (see Shuffle256Kernel): each table load serves both.
        nint r1 = rowStride, r2 = 2 * (nint)rowStride, r3 = 3 * (nint)rowStride;
        for (; p + (2 * W) <= end; p += 2 * W)
        {
            Vector128<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector128<byte> b0 = default, b1 = default, b2 = default, b3 = default;
            var tc = t;
            var offset = (nint)p;
            for (var c = 0; c < columns; c++, tc += S)
            {
                var input = inputs[c] + offset;
                var x = Vector128.Load(input);
                var y = Vector128.Load(input + W);
                var xl = x & mask;
                var xh = Vector128.ShiftRightLogical(x, 4);
                var yl = y & mask;
                var yh = Vector128.ShiftRightLogical(y, 4);
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

            a0.Store(outputs[0] + offset);
            b0.Store(outputs[0] + offset + W);
            if (n > 1)
            {
                a1.Store(outputs[1] + offset);
                b1.Store(outputs[1] + offset + W);
            }

            if (n > 2)
            {
                a2.Store(outputs[2] + offset);
                b2.Store(outputs[2] + offset + W);
            }

            if (n > 3)
            {
                a3.Store(outputs[3] + offset);
                b3.Store(outputs[3] + offset + W);
            }
        }

        // Fewer than 32 bytes left: one vector per step, the last one overlapping back to end.
        while (p < end)
        {
            if (p + W > end)
            {
                p = end - W;
            }

            Vector128<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var c = 0; c < columns; c++)
            {
                var x = Vector128.Load(inputs[c] + p);
                var lo = x & mask;
                var hi = Vector128.ShiftRightLogical(x, 4);
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
