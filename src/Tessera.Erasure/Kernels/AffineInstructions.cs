using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tessera.Erasure.Kernels;

/// <summary>
/// The two instructions the GFNI kernels use beyond plain vector loads, stores and XOR: GF2P8AFFINEQB with a zero
/// constant, and a prefetch hint. The kernels take them as a struct type argument, which the JIT specialises and
/// inlines like <see cref="IOutputCount"/>, so <see cref="GfniInstructions"/> compiles to the bare instructions
/// (checked with <c>bench/disasm-kernels.sh</c>). <see cref="EmulatedGfni"/> computes the same bytes in software, so
/// that the kernels' loops (groups, unrolled column counts, two-vector steps, the overlapping last vector) are
/// tested on every machine, including the many that have no GFNI.
/// </summary>
internal interface IAffineInstructions
{
    /// <summary>GF2P8AFFINEQB x, matrix, 0 on 64-byte vectors: each byte of x times the 8×8 bit matrix of its qword.</summary>
    static abstract Vector512<byte> Affine(Vector512<byte> x, Vector512<byte> matrix);

    /// <summary>GF2P8AFFINEQB x, matrix, 0 on 32-byte vectors.</summary>
    static abstract Vector256<byte> Affine(Vector256<byte> x, Vector256<byte> matrix);

    /// <summary>Prefetches the cache line at <paramref name="address"/> into all cache levels (a hint only).</summary>
    static abstract unsafe void Prefetch(byte* address);
}

/// <summary>The CPU's own GFNI instructions (requires <see cref="Gfni.V256"/> or <see cref="Gfni.V512"/>).</summary>
internal readonly struct GfniInstructions : IAffineInstructions
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Affine(Vector512<byte> x, Vector512<byte> matrix) => Gfni.V512.GaloisFieldAffineTransform(x, matrix, 0);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Affine(Vector256<byte> x, Vector256<byte> matrix) => Gfni.V256.GaloisFieldAffineTransform(x, matrix, 0);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(byte* address) => Sse.Prefetch0(address);
}

/// <summary>
/// GF2P8AFFINEQB computed in scalar code as the Intel SDM defines it: bit i of the result byte is the parity of
/// (byte 7 − i of the matrix qword AND the source byte). Runs anywhere, far slower than the instruction: tests only.
/// </summary>
internal readonly struct EmulatedGfni : IAffineInstructions
{
    /// <inheritdoc/>
    public static Vector512<byte> Affine(Vector512<byte> x, Vector512<byte> matrix) =>
        Vector512.Create(Affine(x.GetLower(), matrix.GetLower()), Affine(x.GetUpper(), matrix.GetUpper()));

    /// <inheritdoc/>
    public static Vector256<byte> Affine(Vector256<byte> x, Vector256<byte> matrix)
    {
        var xs = x.AsUInt64();
        var ms = matrix.AsUInt64();
        return Vector256.Create(
            AffineQword(xs.GetElement(0), ms.GetElement(0)),
            AffineQword(xs.GetElement(1), ms.GetElement(1)),
            AffineQword(xs.GetElement(2), ms.GetElement(2)),
            AffineQword(xs.GetElement(3), ms.GetElement(3))).AsByte();
    }

    /// <inheritdoc/>
    public static unsafe void Prefetch(byte* address)
    {
        // A hint: nothing to emulate.
    }

    /// <summary>The eight bytes of <paramref name="x"/>, each transformed by the bit matrix <paramref name="matrix"/>.</summary>
    internal static ulong AffineQword(ulong x, ulong matrix)
    {
        const ulong Bytes = 0x0101_0101_0101_0101;
        ulong result = 0;
        for (var i = 0; i < 8; i++)
        {
            // Row i (byte 7 − i) against all eight bytes at once; then each byte's parity folds into its bit 0.
            var t = x & (((matrix >> (8 * (7 - i))) & 0xFF) * Bytes);
            t ^= t >> 4;
            t ^= t >> 2;
            t ^= t >> 1;
            result |= (t & Bytes) << i;
        }

        return result;
    }
}
