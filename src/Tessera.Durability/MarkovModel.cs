namespace Tessera.Durability;

/// <summary>
/// The birth–death chain of one stripe of n fragments that survives m losses. State i (0..m) is the number of
/// fragments lost; state m + 1 is data loss (absorbing). From state i a fragment is lost at rate (n − i)·λ and one is
/// repaired at rate μ (<see cref="RepairMode.OneStep"/>) or i·μ (<see cref="RepairMode.Parallel"/>).
/// Rates are per year; the mean time to data loss (MTTDL) is in years.
/// </summary>
public sealed class MarkovModel
{
    /// <summary>Creates the chain.</summary>
    /// <param name="width">Fragments per stripe, n (for the cluster-level chain: disks).</param>
    /// <param name="parity">Losses survived, m.</param>
    /// <param name="lambdaPerYear">Failure rate of one fragment's disk, per year.</param>
    /// <param name="muPerYear">Repair rate, per year (1 / MTTR).</param>
    /// <param name="mode">One-step or parallel repair.</param>
    public MarkovModel(int width, int parity, double lambdaPerYear, double muPerYear, RepairMode mode = RepairMode.OneStep)
    {
        if (parity < 0 || width <= parity || lambdaPerYear <= 0 || muPerYear < 0)
        {
            throw new ArgumentException("Need n > m >= 0, λ > 0, μ >= 0.");
        }

        Width = width;
        Parity = parity;
        Lambda = lambdaPerYear;
        Mu = muPerYear;
        Mode = mode;
    }

    /// <summary>Fragments per stripe, n.</summary>
    public int Width { get; }

    /// <summary>Losses survived, m.</summary>
    public int Parity { get; }

    /// <summary>Failure rate of one disk per year.</summary>
    public double Lambda { get; }

    /// <summary>Repair rate per year.</summary>
    public double Mu { get; }

    /// <summary>The repair mode.</summary>
    public RepairMode Mode { get; }

    /// <summary>The chain of one stripe of the given inputs.</summary>
    public static MarkovModel ForStripe(DurabilityInputs inputs, RepairMode mode = RepairMode.OneStep) =>
        new(inputs.Width, inputs.ParityShards, inputs.LambdaPerYear, inputs.MuPerYear, mode);

    /// <summary>Failure rate out of state i: (n − i)·λ.</summary>
    public double FailureRate(int state) => (Width - state) * Lambda;

    /// <summary>Repair rate out of state i: 0 in state 0, μ or i·μ otherwise.</summary>
    public double RepairRate(int state) => state == 0 ? 0 : Mode == RepairMode.OneStep ? Mu : state * Mu;

    /// <summary>
    /// MTTDL from state 0, years, by the exact first-passage sum of a birth–death chain: the mean time τ_i to go from
    /// state i to i + 1 is τ_0 = 1/λ_0 and τ_i = (1 + μ_i·τ_{i−1}) / λ_i; MTTDL = Σ_{i=0..m} τ_i. All terms are positive,
    /// so this is accurate for any λ/μ.
    /// </summary>
    public double MttdlYears
    {
        get
        {
            var total = 0.0;
            var tau = 0.0;
            for (var i = 0; i <= Parity; i++)
            {
                tau = (1 + (RepairRate(i) * tau)) / FailureRate(i);
                total += tau;
            }

            return total;
        }
    }

    /// <summary>
    /// MTTDL from state 0, years, by solving the absorbing chain's linear system with Gaussian elimination (partial
    /// pivoting): for i = 0..m, (λ_i + μ_i)·T_i − λ_i·T_{i+1} − μ_i·T_{i−1} = 1 with T_{m+1} = 0. Loses precision when
    /// (μ/λ)^m approaches 1/ε; <see cref="MttdlYears"/> does not.
    /// </summary>
    public double SolveLinearSystem()
    {
        var size = Parity + 1;
        var a = new double[size, size + 1];
        for (var i = 0; i < size; i++)
        {
            var up = FailureRate(i);
            var down = RepairRate(i);
            a[i, i] = up + down;
            if (i + 1 < size)
            {
                a[i, i + 1] = -up;
            }

            if (i > 0)
            {
                a[i, i - 1] = -down;
            }

            a[i, size] = 1;
        }

        return GaussianElimination.Solve(a)[0];
    }

    /// <summary>
    /// The usual approximation for λ ≪ μ: MTTDL ≈ μ^m / (λ^(m+1) · n!/(n−m−1)!) for one-step repair, times m! for
    /// parallel repair (the product of the repair rates is then m!·μ^m).
    /// </summary>
    public double ApproximateMttdlYears
    {
        get
        {
            var log = (Parity * Math.Log(Mu)) - ((Parity + 1) * Math.Log(Lambda));
            for (var i = 0; i <= Parity; i++)
            {
                log -= Math.Log(Width - i);
                if (Mode == RepairMode.Parallel && i > 0)
                {
                    log += Math.Log(i);
                }
            }

            return Math.Exp(log);
        }
    }

    /// <summary>P(this stripe loses data within a year) ≈ 1 − exp(−1/MTTDL).</summary>
    public double AnnualLossProbability => -Stable.ExpM1(-1 / MttdlYears);

    /// <summary>P(at least one of <paramref name="count"/> independent events of probability p) = 1 − (1 − p)^count, computed stably.</summary>
    public static double AnyOf(double p, double count) => p >= 1 ? 1 : -Stable.ExpM1(count * Stable.Log1P(-p));

    /// <summary>
    /// The Poisson "window" calculation (as in Backblaze's 2018 durability post): cut the year into windows of one
    /// repair time T; in a window the n disks fail as a Poisson variable of mean n·λ·T; data are lost when more than m
    /// fail in the same window. Returns 1 − (1 − P(Poisson ≥ m + 1))^(1/T).
    /// </summary>
    public static double PoissonWindowLossProbability(int width, int parity, double lambdaPerYear, double windowYears)
    {
        var mean = width * lambdaPerYear * windowYears;

        // P(X >= m + 1) summed from the tail so that it stays accurate when it is tiny.
        var term = Math.Exp(-mean);
        for (var i = 1; i <= parity + 1; i++)
        {
            term *= mean / i;
        }

        var tail = 0.0;
        for (var i = parity + 1; term > 0 && term > tail * 1e-17; i++)
        {
            tail += term;
            term *= mean / (i + 1);
        }

        return AnyOf(Math.Min(1, tail), 1 / windowYears);
    }

    /// <summary>Nines of a loss probability: −log10(p) (infinity for p = 0).</summary>
    public static double Nines(double p) => p <= 0 ? double.PositiveInfinity : -Math.Log10(p);
}
