namespace Tessera.Durability;

/// <summary>
/// What a simulation run found. The estimate of the annual loss probability is the mean over simulated years of
/// P(the year loses data | the failures simulated that year), each failure's chance of killing some stripe computed
/// exactly from the placement (<see cref="MonteCarlo"/>); the interval is mean ± 1.96·s/√years, and when no year could lose
/// data the upper bound is the rule of three, 3/years.
/// </summary>
/// <param name="Years">Simulated years.</param>
/// <param name="DiskFailures">Independent disk failures (including the bad batch).</param>
/// <param name="RackFailures">Whole-rack failures.</param>
/// <param name="PowerEvents">Power events.</param>
/// <param name="CriticalEvents">Failures after which more than m disks were down and some placement was newly killed.</param>
/// <param name="ExpectedLossEvents">Σ over failures of P(the failure kills at least one stripe).</param>
/// <param name="AnnualLossProbability">Estimated P(data loss within a year).</param>
/// <param name="Lower95">Lower end of the 95% interval (at least 0).</param>
/// <param name="Upper95">Upper end of the 95% interval.</param>
public sealed record MonteCarloResult(
    long Years,
    long DiskFailures,
    long RackFailures,
    long PowerEvents,
    long CriticalEvents,
    double ExpectedLossEvents,
    double AnnualLossProbability,
    double Lower95,
    double Upper95)
{
    /// <summary>Expected loss events per year.</summary>
    public double LossEventsPerYear => ExpectedLossEvents / Years;

    /// <summary>Nines of the estimate (infinity when nothing could be lost).</summary>
    public double Nines => MarkovModel.Nines(AnnualLossProbability);

    /// <summary>Nines of the upper end of the interval: at least this many nines with 95% confidence.</summary>
    public double NinesLowerBound => MarkovModel.Nines(Upper95);
}
