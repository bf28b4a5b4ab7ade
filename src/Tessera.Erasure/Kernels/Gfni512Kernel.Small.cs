using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tessera.Erasure.Kernels;

/// <content>
/// Codes with at most eight inputs: the input loop is unrolled at compile time for each column count (1–8), so the
/// input pointers live in registers, the matrix offsets are constants folded into the affine instructions as
/// {1to8} broadcasts, and the step has no inner loop at all. Measured against the generic loops: RS(6,3) with 64 KiB
/// shards 92 → 110 GB/s, RS(4,2) 104 → 137, RS(8,4) 78 → 91; with 1 MiB shards (prefetching) RS(8,4) 63 → 67.
/// </content>
internal static unsafe partial class Gfni512Kernel
{
    /// <summary>Prefetch distance of the one-vector kernel from L3 (measured: RS(8,4), 1 MiB shards, best at 2 KiB).</summary>
    private const int SmallPrefetch = 2048;

    private static void RunSmall<TGfni, TCount, TPrefetch>(ulong* m, int columns, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
        where TCount : struct, IOutputCount
        where TPrefetch : struct, IFlag
    {
        switch (columns)
        {
            case 1: Small<TGfni, TCount, One, TPrefetch>(m, inputs, outputs, start, end); break;
            case 2: Small<TGfni, TCount, Two, TPrefetch>(m, inputs, outputs, start, end); break;
            case 3: Small<TGfni, TCount, Three, TPrefetch>(m, inputs, outputs, start, end); break;
            case 4: Small<TGfni, TCount, Four, TPrefetch>(m, inputs, outputs, start, end); break;
            case 5: Small<TGfni, TCount, Five, TPrefetch>(m, inputs, outputs, start, end); break;
            case 6: Small<TGfni, TCount, Six, TPrefetch>(m, inputs, outputs, start, end); break;
            case 7: Small<TGfni, TCount, Seven, TPrefetch>(m, inputs, outputs, start, end); break;
            default: Small<TGfni, TCount, Eight, TPrefetch>(m, inputs, outputs, start, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Mul<TGfni>(Vector512<byte> x, ulong* matrix)
        where TGfni : struct, IAffineInstructions =>
        TGfni.Affine(x, Vector512.Create(*matrix).AsByte());

    /// <summary>
    /// Adds the products of input columns <paramref name="c"/> (at <paramref name="x"/>) and c + 1 (at
    /// <paramref name="y"/>) to each accumulator as <c>a ^ f(x) ^ g(y)</c>, which the JIT emits as one VPTERNLOGD.
    /// Column c's matrix for output j is at <c>m + (j × k) + c</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<TGfni, TCount>(
        ref Vector512<byte> a0, ref Vector512<byte> a1, ref Vector512<byte> a2, ref Vector512<byte> a3, byte* x, byte* y, ulong* m, int c, int k)
        where TGfni : struct, IAffineInstructions
        where TCount : struct, IOutputCount
    {
        var n = TCount.Value;
        var u = Vector512.Load(x);
        var v = Vector512.Load(y);
        a0 ^= Mul<TGfni>(u, m + c) ^ Mul<TGfni>(v, m + c + 1);
        if (n > 1)
        {
            a1 ^= Mul<TGfni>(u, m + k + c) ^ Mul<TGfni>(v, m + k + c + 1);
        }

        if (n > 2)
        {
            a2 ^= Mul<TGfni>(u, m + (2 * k) + c) ^ Mul<TGfni>(v, m + (2 * k) + c + 1);
        }

        if (n > 3)
        {
            a3 ^= Mul<TGfni>(u, m + (3 * k) + c) ^ Mul<TGfni>(v, m + (3 * k) + c + 1);
        }
    }

    /// <summary>
    /// One 64-byte vector per step over <typeparamref name="TColumns"/> inputs and <typeparamref name="TCount"/>
    /// outputs; the last, partial vector is recomputed ending at <paramref name="end"/> (requires end − start ≥ 64).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Small<TGfni, TCount, TColumns, TPrefetch>(ulong* m, byte** inputs, byte** outputs, int start, int end)
        where TGfni : struct, IAffineInstructions
        where TCount : struct, IOutputCount
        where TColumns : struct, IOutputCount
        where TPrefetch : struct, IFlag
    {
        var n = TCount.Value;
        var k = TColumns.Value;
        byte* i0 = inputs[0], i1 = k > 1 ? inputs[1] : null, i2 = k > 2 ? inputs[2] : null, i3 = k > 3 ? inputs[3] : null;
        byte* i4 = k > 4 ? inputs[4] : null, i5 = k > 5 ? inputs[5] : null, i6 = k > 6 ? inputs[6] : null, i7 = k > 7 ? inputs[7] : null;
        byte* o0 = outputs[0], o1 = n > 1 ? outputs[1] : null, o2 = n > 2 ? outputs[2] : null, o3 = n > 3 ? outputs[3] : null;
        var p = start;
        while (p < end)
        {
            if (p + W > end)
            {
                p = end - W;
            }

            if (TPrefetch.Value)
            {
                // Unrolled like the loads: the pointers are already in registers.
                TGfni.Prefetch(i0 + p + SmallPrefetch);
                if (k > 1)
                {
                    TGfni.Prefetch(i1 + p + SmallPrefetch);
                }

                if (k > 2)
                {
                    TGfni.Prefetch(i2 + p + SmallPrefetch);
                }

                if (k > 3)
                {
                    TGfni.Prefetch(i3 + p + SmallPrefetch);
                }

                if (k > 4)
                {
                    TGfni.Prefetch(i4 + p + SmallPrefetch);
                }

                if (k > 5)
                {
                    TGfni.Prefetch(i5 + p + SmallPrefetch);
                }

                if (k > 6)
                {
                    TGfni.Prefetch(i6 + p + SmallPrefetch);
                }

                if (k > 7)
                {
                    TGfni.Prefetch(i7 + p + SmallPrefetch);
                }
            }

            Vector512<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            // Six or eight inputs into two or more outputs: two inputs at a time, one VPTERNLOGD per two products
            // (RS(8,4): 28 → 16 logic instructions per step). Chosen by bench/mca-kernels.sh, not yet measured on a
            // GFNI CPU: for these kernels llvm-mca models 0.72–0.97 of the cycles of the one-at-a-time chain on Ice
            // Lake and Zen 4 and no change on Sapphire Rapids; for other column and output counts it models up to
            // 1.33 of them, so those keep the chain. The column counts are tested as type constants, not through the
            // locals, so that the JIT drops the other branch before CSE (through k, RS(5,4) lost a folded broadcast).
            if (TCount.Value > 1 && (TColumns.Value == 6 || TColumns.Value == 8))
            {
                Add<TGfni, TCount>(ref a0, ref a1, ref a2, ref a3, i0 + p, i1 + p, m, 0, k);
                Add<TGfni, TCount>(ref a0, ref a1, ref a2, ref a3, i2 + p, i3 + p, m, 2, k);
                Add<TGfni, TCount>(ref a0, ref a1, ref a2, ref a3, i4 + p, i5 + p, m, 4, k);
                if (k > 6)
                {
                    Add<TGfni, TCount>(ref a0, ref a1, ref a2, ref a3, i6 + p, i7 + p, m, 6, k);
                }
            }
            else
            {
                var x0 = Vector512.Load(i0 + p);
                a0 = Mul<TGfni>(x0, m);
                a1 = n > 1 ? Mul<TGfni>(x0, m + k) : default;
                a2 = n > 2 ? Mul<TGfni>(x0, m + (2 * k)) : default;
                a3 = n > 3 ? Mul<TGfni>(x0, m + (3 * k)) : default;
                if (k > 1)
                {
                    var x = Vector512.Load(i1 + p);
                    a0 ^= Mul<TGfni>(x, m + 1);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 1);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 1);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 1);
                    }
                }

                if (k > 2)
                {
                    var x = Vector512.Load(i2 + p);
                    a0 ^= Mul<TGfni>(x, m + 2);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 2);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 2);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 2);
                    }
                }

                if (k > 3)
                {
                    var x = Vector512.Load(i3 + p);
                    a0 ^= Mul<TGfni>(x, m + 3);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 3);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 3);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 3);
                    }
                }

                if (k > 4)
                {
                    var x = Vector512.Load(i4 + p);
                    a0 ^= Mul<TGfni>(x, m + 4);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 4);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 4);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 4);
                    }
                }

                if (k > 5)
                {
                    var x = Vector512.Load(i5 + p);
                    a0 ^= Mul<TGfni>(x, m + 5);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 5);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 5);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 5);
                    }
                }

                if (k > 6)
                {
                    var x = Vector512.Load(i6 + p);
                    a0 ^= Mul<TGfni>(x, m + 6);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 6);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 6);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 6);
                    }
                }

                if (k > 7)
                {
                    var x = Vector512.Load(i7 + p);
                    a0 ^= Mul<TGfni>(x, m + 7);
                    if (n > 1)
                    {
                        a1 ^= Mul<TGfni>(x, m + k + 7);
                    }

                    if (n > 2)
                    {
                        a2 ^= Mul<TGfni>(x, m + (2 * k) + 7);
                    }

                    if (n > 3)
                    {
                        a3 ^= Mul<TGfni>(x, m + (3 * k) + 7);
                    }
                }
            }

            a0.Store(o0 + p);
            if (n > 1)
            {
                a1.Store(o1 + p);
            }

            if (n > 2)
            {
                a2.Store(o2 + p);
            }

            if (n > 3)
            {
                a3.Store(o3 + p);
            }

            p += W;
        }
    }
}
