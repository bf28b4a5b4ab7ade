namespace Tessera.Durability;

/// <summary>
/// The analytic numbers for a set of inputs: the stripe chain, the naive "S independent stripes" figure, and the
/// cluster-level chain (D disks, loss when more than m are down at once and some stripe sits on them).
/// </summary>
/// <param name="Inputs">The inputs.</param>
/// <param name="Stripe">The chain of one stripe, one-step repair.</param>
/// <param name="StripeParallel">The chain of one stripe, parallel repair.</param>
/// <param name="StripesLossProbability">1 − (1 − p)^S with p the one-step stripe's annual loss probability: treats stripes as independent.</param>
/// <param name="Cluster">The chain over all D disks (parallel repair), absorbed at m + 1 concurrent failures.</param>
/// <param name="Coverage">P(a random set of m + 1 failed disks holds more than m fragments of at least one of the S stripes).</param>
/// <param name="ClusterLossProbability">Annual loss probability of the cluster: 1 − exp(−coverage / cluster MTTDL).</param>
public sealed record DurabilityAnalysis(
    DurabilityInputs Inputs,
    MarkovModel Stripe,
    MarkovModel StripeParallel,
    double StripesLossProbability,
    MarkovModel Cluster,
    double Coverage,
    double ClusterLossProbability)
{
    /// <summary>Analyses the inputs; the coverage averages 4096 random failure sets (fixed seed).</summary>
    public static DurabilityAnalysis Of(DurabilityInputs inputs)
    {
        inputs.Validate();
        var stripe = MarkovModel.ForStripe(inputs);
        var parallel = MarkovModel.ForStripe(inputs, RepairMode.Parallel);
        var naive = MarkovModel.AnyOf(stripe.AnnualLossProbability, inputs.StripeCount);
        var cluster = new MarkovModel(inputs.Disks, inputs.ParityShards, inputs.LambdaPerYear, inputs.MuPerYear, RepairMode.Parallel);
        var coverage = CoverageOf(inputs);
        var clusterLoss = -Stable.ExpM1(-coverage / cluster.MttdlYears);
        return new DurabilityAnalysis(inputs, stripe, parallel, naive, cluster, coverage, clusterLoss);
    }

    private static double CoverageOf(DurabilityInputs inputs)
    {
        var counter = new PlacementCounter(inputs.Disks, inputs.Racks, inputs.Width, inputs.PerRackLimit);
        var threshold = inputs.ParityShards + 1;
        var random = new Random(1);
        var disks = Enumerable.Range(0, inputs.Disks).ToArray();
        var perRack = new int[counter.Racks];
        const int Samples = 4096;
        var sum = 0.0;
        for (var s = 0; s < Samples; s++)
        {
            random.Shuffle(disks);
            Array.Clear(perRack);
            foreach (var d in disks.AsSpan(0, threshold))
            {
                perRack[counter.RackOf(d)]++;
            }

            sum += MarkovModel.AnyOf(counter.Count(perRack, threshold) / counter.Total, inputs.StripeCount);
        }

        return sum / Samples;
    }
}
