namespace Tessera.Erasure.Kernels;

/// <summary>
/// Runs a <see cref="CodingTables"/> product over shards: <c>outputs[r] = XOR over c of M[r, c] · inputs[c]</c>,
/// byte by byte. Outputs are overwritten (never accumulated into) and must not overlap the inputs: the SIMD kernels
/// finish a length that is not a multiple of their width by recomputing one overlapping vector at the end, which is
/// only correct when the inputs are unchanged by the stores.
/// </summary>
internal static unsafe class KernelDispatch
{
    /// <summary>Outputs per pass; more outputs run as several passes over cache-sized column blocks.</summary>
    internal const int MaxGroup = 4;

    /// <summary>Column block when more than <see cref="MaxGroup"/> outputs force several passes over the inputs.</summary>
    internal const int BlockBytes = 16 * 1024;

    /// <param name="path">The kernel.</param>
    /// <param name="emulateGfni">Run a GFNI path's loops on <see cref="EmulatedGfni"/> (tests on CPUs without GFNI).</param>
    /// <param name="tables">The coefficients, in every kernel's layout.</param>
    /// <param name="inputs">Columns many input addresses.</param>
    /// <param name="outputs">Rows many output addresses.</param>
    /// <param name="length">Bytes per shard.</param>
    public static void Run(CodecPath path, bool emulateGfni, CodingTables tables, byte** inputs, byte** outputs, int length)
    {
        if (length == 0 || tables.Rows == 0)
        {
            return;
        }

        if (length < CodecPaths.Width(path))
        {
            path = CodecPath.Scalar;
        }

        if (tables.Rows <= MaxGroup)
        {
            RunBlock(path, emulateGfni, tables, inputs, outputs, 0, length);
            return;
        }

        // Several groups of outputs: walk the columns in blocks so every group after the first finds the
        // block's inputs in L1/L2 instead of streaming them from memory again.
        var width = CodecPaths.Width(path);
        var start = 0;
        while (start < length)
        {
            var end = length - start < 2 * BlockBytes ? length : start + BlockBytes;
            if (end - start < width)
            {
                // Cannot happen while BlockBytes ≥ width, but keep the kernels' precondition explicit.
                end = length;
            }

            RunBlock(path, emulateGfni, tables, inputs, outputs, start, end);
            start = end;
        }
    }

    private static void RunBlock(CodecPath path, bool emulateGfni, CodingTables tables, byte** inputs, byte** outputs, int start, int end)
    {
        var rows = tables.Rows;
        var columns = tables.Columns;
        var row = 0;
        while (row < rows)
        {
            var group = Math.Min(MaxGroup, rows - row);
            var offset = row * columns;
            switch (path)
            {
                case CodecPath.Gfni512 when emulateGfni:
                    Gfni512Kernel.Run<EmulatedGfni>(group, tables.AffinePointer + offset, columns, inputs, outputs + row, start, end);
                    break;
                case CodecPath.Gfni512:
                    Gfni512Kernel.Run<GfniInstructions>(group, tables.AffinePointer + offset, columns, inputs, outputs + row, start, end);
                    break;
                case CodecPath.Gfni256 when emulateGfni:
                    Gfni256Kernel.Run<EmulatedGfni>(group, tables.AffinePointer + offset, columns, inputs, outputs + row, start, end);
                    break;
                case CodecPath.Gfni256:
                    Gfni256Kernel.Run<GfniInstructions>(group, tables.AffinePointer + offset, columns, inputs, outputs + row, start, end);
                    break;
                case CodecPath.Shuffle256:
                    Shuffle256Kernel.Run(group, tables.NibblePointer + (offset * CodingTables.NibbleStride), columns, inputs, outputs + row, start, end);
                    break;
                case CodecPath.Shuffle128:
                    Shuffle128Kernel.Run(group, tables.NibblePointer + (offset * CodingTables.NibbleStride), columns, inputs, outputs + row, start, end);
                    break;
                default:
                    ScalarKernel.Run(group, tables.CoefficientPointer + offset, columns, inputs, outputs + row, start, end);
                    break;
            }

            row += group;
        }
    }
}
