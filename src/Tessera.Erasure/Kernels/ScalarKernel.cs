namespace Tessera.Erasure.Kernels;

/// <summary>
/// The reference kernel: one byte at a time through the 64 KiB product table. Every SIMD kernel must produce the
/// bytes this one does; it also finishes shards shorter than a vector.
/// </summary>
internal static unsafe class ScalarKernel
{
    public static void Run(int group, byte* coefficients, int columns, byte** inputs, byte** outputs, int start, int end)
    {
        fixed (byte* mul = GaloisField.MulTable)
        {
            for (var r = 0; r < group; r++)
            {
                var output = outputs[r];
                var row = coefficients + (r * columns);
                var table = mul + (row[0] << 8);
                var input = inputs[0];
                for (var p = start; p < end; p++)
                {
                    output[p] = table[input[p]];
                }

                for (var c = 1; c < columns; c++)
                {
                    table = mul + (row[c] << 8);
                    input = inputs[c];
                    for (var p = start; p < end; p++)
                    {
                        output[p] ^= table[input[p]];
                    }
                }
            }
        }
    }
}
