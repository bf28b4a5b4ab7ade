namespace Tessera.Erasure;

/// <summary>Dense row-major matrices over GF(2^8): the generator, its square sub-matrices and their inverses.</summary>
internal static class GfMatrix
{
    /// <summary>
    /// The systematic Cauchy generator of ISA-L's <c>gf_gen_cauchy1_matrix</c>: the first k rows are the identity,
    /// row i ≥ k, column j is 1 / (i XOR j). Every k×k sub-matrix of it is invertible (a Cauchy matrix's square
    /// sub-matrices all are, and the identity rows keep that), so any k survivors rebuild the stripe for every
    /// k + m ≤ 256. A systematic Vandermonde matrix needs a Gaussian elimination step and ISA-L's shortcut
    /// (<c>gf_gen_rs_matrix</c>) is not MDS for all sizes; Cauchy is exact by construction and byte-compatible
    /// with ISA-L, so benchmarks can check outputs against it.
    /// </summary>
    public static byte[] Cauchy(int dataShards, int totalShards)
    {
        var matrix = new byte[totalShards * dataShards];
        for (var i = 0; i < dataShards; i++)
        {
            matrix[(i * dataShards) + i] = 1;
        }

        for (var i = dataShards; i < totalShards; i++)
        {
            for (var j = 0; j < dataShards; j++)
            {
                matrix[(i * dataShards) + j] = GaloisField.Inverse((byte)(i ^ j));
            }
        }

        return matrix;
    }

    /// <summary>
    /// Inverts the n×n matrix <paramref name="source"/> into <paramref name="inverse"/> by Gauss-Jordan elimination.
    /// <paramref name="source"/> is destroyed. Returns false when the matrix is singular.
    /// </summary>
    public static bool TryInvert(Span<byte> source, Span<byte> inverse, int n)
    {
        inverse[..(n * n)].Clear();
        for (var i = 0; i < n; i++)
        {
            inverse[(i * n) + i] = 1;
        }

        for (var col = 0; col < n; col++)
        {
            // Find a pivot and swap it into place.
            var pivot = col;
            while (pivot < n && source[(pivot * n) + col] == 0)
            {
                pivot++;
            }

            if (pivot == n)
            {
                return false;
            }

            if (pivot != col)
            {
                SwapRows(source, n, pivot, col);
                SwapRows(inverse, n, pivot, col);
            }

            // Scale the pivot row to 1.
            var scale = GaloisField.Inverse(source[(col * n) + col]);
            for (var j = 0; j < n; j++)
            {
                source[(col * n) + j] = GaloisField.Multiply(source[(col * n) + j], scale);
                inverse[(col * n) + j] = GaloisField.Multiply(inverse[(col * n) + j], scale);
            }

            // Eliminate the column from every other row.
            for (var row = 0; row < n; row++)
            {
                var factor = source[(row * n) + col];
                if (row == col || factor == 0)
                {
                    continue;
                }

                for (var j = 0; j < n; j++)
                {
                    source[(row * n) + j] ^= GaloisField.Multiply(factor, source[(col * n) + j]);
                    inverse[(row * n) + j] ^= GaloisField.Multiply(factor, inverse[(col * n) + j]);
                }
            }
        }

        return true;
    }

    private static void SwapRows(Span<byte> matrix, int n, int a, int b)
    {
        var rowA = matrix.Slice(a * n, n);
        var rowB = matrix.Slice(b * n, n);
        for (var j = 0; j < n; j++)
        {
            (rowA[j], rowB[j]) = (rowB[j], rowA[j]);
        }
    }
}
