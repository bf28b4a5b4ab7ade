using Tessera.Durability;

namespace Tessera.Tests.Durability;

public sealed class MonteCarloTests
{
    [Fact]
    public void SimulatorAgreesWithTheMarkovModelForIndependentFailures()
    {
        // One 4+2 stripe on 6 disks, λ = 1/year, exponential repair with μ = 200/year: parallel repair in the chain.
        var inputs = new DurabilityInputs
        {
            Afr = 1 - Math.Exp(-1),
            RepairTime = TimeSpan.FromHours(DurabilityInputs.HoursPerYear / 200),
            Stripes = 1,
        };
        var model = MarkovModel.ForStripe(inputs, RepairMode.Parallel);
        var result = new MonteCarlo(inputs, RepairDistribution.Exponential).Run(400_000, seed: 7);
        Assert.True(result.CriticalEvents > 300, $"{result.CriticalEvents} losses");
        Assert.InRange(model.AnnualLossProbability, result.Lower95, result.Upper95);
    }

    [Fact]
    public void ClusterModelAgreesWithTheSimulatorOverManyDisks()
    {
        // 2+1 over 12 disks in 3 racks, one fragment per rack, every failure set covered (many stripes).
        var inputs = new DurabilityInputs
        {
            DataShards = 2,
            ParityShards = 1,
            Disks = 12,
            Racks = 3,
            MaxPerRack = 1,
            Afr = 0.2,
            RepairTime = TimeSpan.FromHours(48),
            Stripes = 1e6,
        };
        var analysis = DurabilityAnalysis.Of(inputs);
        var result = new MonteCarlo(inputs, RepairDistribution.Exponential).Run(200_000, seed: 3);
        Assert.True(result.CriticalEvents > 300, $"{result.CriticalEvents} losses");
        Assert.InRange(analysis.ClusterLossProbability, result.Lower95 * 0.95, result.Upper95 * 1.05);
    }

    [Fact]
    public void MPlusOneFragmentsInARackIsStrictlyWorseUnderRackFailures()
    {
        var inputs = new DurabilityInputs
        {
            DataShards = 8,
            ParityShards = 4,
            Disks = 144,
            Racks = 12,
            RepairTime = TimeSpan.FromHours(6),
            Stripes = 1e9,
            RackFailuresPerYear = 0.05,
        };
        var atMostM = new MonteCarlo(inputs with { MaxPerRack = 4 }).Run(5_000, seed: 1);
        var mPlusOne = new MonteCarlo(inputs with { MaxPerRack = 5 }).Run(5_000, seed: 1);
        Assert.True(mPlusOne.Lower95 > atMostM.Upper95, $"m+1: {mPlusOne}, m: {atMostM}");
        Assert.True(mPlusOne.AnnualLossProbability > 0.3);
    }

    [Fact]
    public void SameSeedSameResult()
    {
        var inputs = new DurabilityInputs { Afr = 0.3, RepairTime = TimeSpan.FromDays(10), Stripes = 10 };
        Assert.Equal(new MonteCarlo(inputs).Run(1000, 5), new MonteCarlo(inputs).Run(1000, 5));
    }
}
