namespace Tessera.Durability;

/// <summary>Dense Gaussian elimination with partial pivoting, for the small systems of the Markov model.</summary>
internal static class GaussianElimination
{
    /// <summary>Solves A·x = b given as the augmented n×(n+1) matrix (overwritten).</summary>
    internal static double[] Solve(double[,] augmented)
    {
        var n = augmented.GetLength(0);
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++)
            {
                if (Math.Abs(augmented[row, col]) > Math.Abs(augmented[pivot, col]))
                {
                    pivot = row;
                }
            }

            if (augmented[pivot, col] == 0)
            {
                throw new InvalidOperationException("Singular system.");
            }

            if (pivot != col)
            {
                for (var j = col; j <= n; j++)
                {
                    (augmented[col, j], augmented[pivot, j]) = (augmented[pivot, j], augmented[col, j]);
                }
            }

            for (var row = col + 1; row < n; row++)
            {
                var factor = augmented[row, col] / augmented[col, col];
                if (factor == 0)
                {
                    continue;
                }

                for (var j = col; j <= n; j++)
                {
                    augmented[row, j] -= factor * augmented[col, j];
                }
            }
        }

        var x = new double[n];
        for (var row = n - 1; row >= 0; row--)
        {
            var sum = augmented[row, n];
            for (var j = row + 1; j < n; j++)
            {
                sum -= augmented[row, j] * x[j];
            }

            x[row] = sum / augmented[row, row];
        }

        return x;
    }
}
