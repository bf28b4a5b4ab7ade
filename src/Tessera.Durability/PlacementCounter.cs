namespace Tessera.Durability;

/// <summary>
/// Counts stripe placements combinatorially. A stripe's n fragments go on n distinct disks, at most f per rack,
/// every such set equally likely (uniform random placement). Given a set A of failed disks, this counts the placements
/// with at least t fragments on A, by a dynamic programme over racks on (fragments placed, fragments on A).
/// </summary>
internal sealed class PlacementCounter
{
    private readonly int[] _rackOf;
    private readonly int[] _rackSize;
    private readonly int _width;
    private readonly int _perRack;
    private readonly double[,] _binomial;

    /// <summary>Creates the counter; disk d is in rack d·R/D (contiguous, as even as possible).</summary>
    internal PlacementCounter(int disks, int racks, int width, int perRack)
    {
        _width = width;
        _perRack = Math.Min(perRack, width);
        _rackOf = new int[disks];
        _rackSize = new int[racks];
        for (var d = 0; d < disks; d++)
        {
            _rackOf[d] = (int)((long)d * racks / disks);
            _rackSize[_rackOf[d]]++;
        }

        var max = _rackSize.Max();
        _binomial = new double[max + 1, max + 1];
        for (var i = 0; i <= max; i++)
        {
            _binomial[i, 0] = 1;
            for (var j = 1; j <= i; j++)
            {
                _binomial[i, j] = _binomial[i - 1, j - 1] + (j <= i - 1 ? _binomial[i - 1, j] : 0);
            }
        }

        Total = Count(new int[racks], 0);
    }

    /// <summary>Every valid placement.</summary>
    internal double Total { get; }

    /// <summary>Racks.</summary>
    internal int Racks => _rackSize.Length;

    /// <summary>The rack of a disk.</summary>
    internal int RackOf(int disk) => _rackOf[disk];

    /// <summary>Disks in a rack.</summary>
    internal int RackSize(int rack) => _rackSize[rack];

    /// <summary>Placements with at least <paramref name="threshold"/> fragments on the marked disks, given how many disks of each rack are marked.</summary>
    internal double Count(ReadOnlySpan<int> markedPerRack, int threshold)
    {
        var cap = threshold;
        var dp = new double[_width + 1, cap + 1];
        var next = new double[_width + 1, cap + 1];
        dp[0, 0] = 1;
        for (var r = 0; r < _rackSize.Length; r++)
        {
            Array.Clear(next);
            var marked = markedPerRack[r];
            var healthy = _rackSize[r] - marked;
            for (var placed = 0; placed <= _width; placed++)
            {
                for (var hot = 0; hot <= cap; hot++)
                {
                    var ways = dp[placed, hot];
                    if (ways == 0)
                    {
                        continue;
                    }

                    for (var a = 0; a <= Math.Min(marked, _perRack); a++)
                    {
                        for (var b = 0; b <= Math.Min(healthy, _perRack - a) && placed + a + b <= _width; b++)
                        {
                            next[placed + a + b, Math.Min(cap, hot + a)] += ways * _binomial[marked, a] * _binomial[healthy, b];
                        }
                    }
                }
            }

            (dp, next) = (next, dp);
        }

        return dp[_width, cap];
    }

    /// <summary>
    /// The fraction of placements that a failure newly kills: at least <paramref name="threshold"/> fragments on the
    /// failed disks now, fewer before the newly failed disks went down.
    /// </summary>
    internal double NewlyKilledFraction(ReadOnlySpan<int> failedPerRackAfter, ReadOnlySpan<int> failedPerRackBefore, int threshold)
    {
        var killed = Count(failedPerRackAfter, threshold) - Count(failedPerRackBefore, threshold);
        return Math.Max(0, killed / Total);
    }
}
