using System.Runtime.CompilerServices;

namespace Tessera.Erasure;

/// <summary>
/// A coding matrix (rows = outputs, columns = inputs) expanded into the constant forms each kernel consumes.
/// Built once per codec (encode) or per erasure pattern (decode) and then shared read-only between threads.
/// All arrays live on the pinned object heap so kernels can take their address without a <c>fixed</c> scope
/// that the GC would have to honour.
/// </summary>
internal sealed class CodingTables
{
    /// <summary>Bytes of nibble table per coefficient: low-nibble table twice, high-nibble table twice.</summary>
    internal const int NibbleStride = 64;

    public CodingTables(ReadOnlySpan<byte> matrix, int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        Coefficients = GC.AllocateArray<byte>(rows * columns, pinned: true);
        Affine = GC.AllocateArray<ulong>(rows * columns, pinned: true);
        Nibbles = GC.AllocateArray<byte>(rows * columns * NibbleStride, pinned: true);
        matrix[..(rows * columns)].CopyTo(Coefficients);
        for (var e = 0; e < rows * columns; e++)
        {
            var c = Coefficients[e];
            Affine[e] = GaloisField.AffineMatrix(c);
            var nib = Nibbles.AsSpan(e * NibbleStride, NibbleStride);
            for (var n = 0; n < 16; n++)
            {
                // [0..32): c·n duplicated for both 128-bit lanes; [32..64): c·(n << 4) likewise.
                nib[n] = nib[n + 16] = GaloisField.Multiply(c, (byte)n);
                nib[n + 32] = nib[n + 48] = GaloisField.Multiply(c, (byte)(n << 4));
            }
        }
    }

    /// <summary>Number of outputs.</summary>
    public int Rows { get; }

    /// <summary>Number of inputs.</summary>
    public int Columns { get; }

    /// <summary>The matrix, row-major.</summary>
    public byte[] Coefficients { get; }

    /// <summary>GF2P8AFFINEQB bit matrices, row-major, one per coefficient.</summary>
    public ulong[] Affine { get; }

    /// <summary>Split-nibble product tables, <see cref="NibbleStride"/> bytes per coefficient, row-major.</summary>
    public byte[] Nibbles { get; }

    /// <summary>Address of the first affine matrix; valid for the object's lifetime (pinned heap).</summary>
    public unsafe ulong* AffinePointer => (ulong*)Unsafe.AsPointer(ref Affine[0]);

    /// <summary>Address of the first nibble table; valid for the object's lifetime (pinned heap).</summary>
    public unsafe byte* NibblePointer => (byte*)Unsafe.AsPointer(ref Nibbles[0]);

    /// <summary>Address of the first coefficient; valid for the object's lifetime (pinned heap).</summary>
    public unsafe byte* CoefficientPointer => (byte*)Unsafe.AsPointer(ref Coefficients[0]);
}
