using System.Diagnostics;
using System.Globalization;
using Tessera.Durability;

namespace Tessera.Server;

/// <summary>Prints the <c>tessera durability</c> report: inputs, the Markov numbers, the Monte Carlo results.</summary>
internal static class DurabilityReport
{
    /// <summary>Writes the report for <paramref name="inputs"/>; simulates <paramref name="years"/> years unless <paramref name="simulate"/> is false.</summary>
    internal static void Write(TextWriter output, DurabilityInputs inputs, long years, int seed, bool simulate)
    {
        var x = inputs;
        var analysis = DurabilityAnalysis.Of(x);
        output.WriteLine("Inputs");
        Row(output, "Erasure code", $"RS({x.DataShards},{x.ParityShards}): {x.Width} fragments, survives {x.ParityShards} losses");
        Row(output, "Topology", $"{x.Disks} disks in {x.Racks} rack(s), at most {x.PerRackLimit} fragments of a stripe per rack");
        Row(output, "Disk AFR", $"{Pct(x.Afr)}  (λ = −ln(1 − AFR) = {G(x.LambdaPerYear)} /year)");
        Row(output, "Data per disk", $"{Units.FormatSize(x.DiskCapacityBytes)} × {G(x.FillRatio)} fill = {Units.FormatSize(x.BytesToRebuild)} to rebuild");
        Row(output, "Repair", x.RepairTime is null
            ? $"{Units.FormatHours(x.DetectionDelay.TotalHours)} detection + {Units.FormatSize(x.RepairBandwidthBytesPerSecond)}/s rebuild"
            : "fixed");
        Row(output, "MTTR", $"{Units.FormatHours(x.MttrHours)}  (μ = {G(x.MuPerYear)} /year)");
        Row(output, "Stripes", G(x.StripeCount));
        output.WriteLine();

        output.WriteLine("Markov model (independent disk failures)");
        Row(output, "Stripe MTTDL, one-step repair", $"{Y(analysis.Stripe.MttdlYears)}  (approximation μ^m/(λ^(m+1)·n!/(n−m−1)!): {Y(analysis.Stripe.ApproximateMttdlYears)})");
        Row(output, "Stripe MTTDL, parallel repair", Y(analysis.StripeParallel.MttdlYears));
        Row(output, "P(a stripe lost in a year)", Prob(analysis.Stripe.AnnualLossProbability));
        Row(output, "P(stripe), Poisson windows", Prob(MarkovModel.PoissonWindowLossProbability(x.Width, x.ParityShards, x.LambdaPerYear, x.MttrHours / DurabilityInputs.HoursPerYear))
            + "  (more than m failures in one repair-time window)");
        Row(output, "P(any of S stripes), naive", Prob(analysis.StripesLossProbability) + "  (stripes treated as independent)");
        Row(output, "Cluster MTTDL (m+1 of D down)", $"{Y(analysis.Cluster.MttdlYears)}, coverage {G(analysis.Coverage)}");
        Row(output, "P(cluster loses data in a year)", Prob(analysis.ClusterLossProbability));
        output.WriteLine();

        if (!simulate)
        {
            return;
        }

        output.WriteLine($"Monte Carlo ({years} years, seed {seed}, deterministic repair)");
        var simulator = new MonteCarlo(x);
        Simulation(output, "Independent failures", simulator, years, seed, correlated: false);
        var correlated = x.RackFailuresPerYear > 0 || x.PowerEventsPerYear > 0 || (x.BatchDisks > 0 && x.BatchMultiplier != 1);
        if (correlated)
        {
            Row(output, "Correlated events", $"rack failures {G(x.RackFailuresPerYear)}/rack/year for {Units.FormatHours(x.RackRepairTime.TotalHours)}; "
                + $"bad batch {x.BatchDisks} disks × {G(x.BatchMultiplier)}; power events {G(x.PowerEventsPerYear)}/year × {Pct(x.PowerEventFraction)} of a rack for {Units.FormatHours(x.PowerOutage.TotalHours)}");
            Simulation(output, "With correlated events", simulator, years, seed, correlated: true);
        }
    }

    private static void Simulation(TextWriter output, string label, MonteCarlo simulator, long years, int seed, bool correlated)
    {
        var clock = Stopwatch.StartNew();
        var r = simulator.Run(years, seed, correlated);
        Row(output, label, $"{r.DiskFailures} disk failures, {r.RackFailures} rack failures, {r.PowerEvents} power events, {r.CriticalEvents} critical, {G(r.ExpectedLossEvents)} expected loss events ({clock.Elapsed.TotalSeconds:0.0} s)");
        var estimate = r.CriticalEvents == 0
            ? $"0 observed; < {Prob(r.Upper95)} with 95% confidence"
            : $"{Prob(r.AnnualLossProbability)}, 95% interval [{G(r.Lower95)}, {G(r.Upper95)}]";
        Row(output, "  P(data loss in a year)", estimate);
    }

    private static void Row(TextWriter output, string name, string value) => output.WriteLine($"  {name,-34} {value}");

    private static string G(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Pct(double value) => (value * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string Y(double years) => G(years) + " years";

    private static string Prob(double p) => p <= 0 ? "0" : $"{G(p)}  ({MarkovModel.Nines(p).ToString("0.0", CultureInfo.InvariantCulture)} nines)";
}
