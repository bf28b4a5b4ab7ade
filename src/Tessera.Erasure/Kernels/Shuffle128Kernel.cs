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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<TCount>(byte* t, int columns, byte** inputs, byte** outputs, int start, int end)
        where TCount : struct, IOutputCount
    {
        var n = TCount.Value;
        var mask = Vector128.Create((byte)0x0F);
        var rowStride = columns * S;
        var p = start;
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
