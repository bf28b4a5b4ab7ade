using Tessera.Durability;

namespace Tessera.Tests.Durability;

public sealed class MarkovModelTests
{
    [Theory]
    [InlineData(0.1, 50.0)]
    [InlineData(0.02, 1461.0)]
    [InlineData(3.0, 1.0)]
    public void MirrorMatchesTheHandDerivedClosedForm(double lambda, double mu)
    {
        // Two disks, one-step repair. T0 = 1/(2λ) + T1 and T1 = 1/(λ+μ) + μ/(λ+μ)·T0, so
        // T0·λ/(λ+μ) = 1/(2λ) + 1/(λ+μ) = (3λ+μ)/(2λ(λ+μ)), hence T0 = (3λ+μ)/(2λ²).
        var model = new MarkovModel(2, 1, lambda, mu);
        var expected = ((3 * lambda) + mu) / (2 * lambda * lambda);
        Assert.Equal(expected, model.MttdlYears, expected * 1e-12);
        Assert.Equal(expected, model.SolveLinearSystem(), expected * 1e-9);
    }

    [Theory]
    [InlineData(1, 0.02)]
    [InlineData(6, 0.5)]
    [InlineData(20, 0.0041)]
    public void NoParityIsNIndependentComponents(int n, double lambda)
    {
        var model = new MarkovModel(n, 0, lambda, 100);
        Assert.Equal(1 / (n * lambda), model.MttdlYears, 1e-12 / lambda);
        Assert.Equal(1 / (n * lambda), model.SolveLinearSystem(), 1e-12 / lambda);
        Assert.Equal(1 / (n * lambda), model.ApproximateMttdlYears, 1e-9 / lambda);
    }

    [Theory]
    [InlineData(4, 2, RepairMode.OneStep)]
    [InlineData(4, 2, RepairMode.Parallel)]
    [InlineData(8, 4, RepairMode.OneStep)]
    [InlineData(8, 4, RepairMode.Parallel)]
    [InlineData(17, 3, RepairMode.OneStep)]
    public void LinearSystemExactSumAndApproximationAgreeForSmallLambdaOverMu(int k, int m, RepairMode mode)
    {
        var model = new MarkovModel(k + m, m, 0.02, 200, mode);
        var exact = model.MttdlYears;
        Assert.Equal(exact, model.ApproximateMttdlYears, exact * 0.01);

        // The linear system is solved in double: its condition grows like (μ/λ)^m, so compare where that is <= 1e8.
        var conditioned = new MarkovModel(k + m, m, 0.02, 0.02 * Math.Pow(1e8, 1.0 / m), mode);
        Assert.Equal(conditioned.MttdlYears, conditioned.SolveLinearSystem(), conditioned.MttdlYears * 1e-6);
        Assert.Equal(exact, model.SolveLinearSystem(), exact * 1e-2); // still within 1% at (μ/λ)^m = 1e16
    }

    [Fact]
    public void ApproximationDivergesWhenRepairIsSlow()
    {
        var model = new MarkovModel(6, 2, 1, 2);
        Assert.True(Math.Abs(model.ApproximateMttdlYears - model.MttdlYears) > 0.2 * model.MttdlYears);
    }

    [Fact]
    public void ParallelRepairGainsMFactorial()
    {
        var oneStep = new MarkovModel(12, 4, 0.02, 1461);
        var parallel = new MarkovModel(12, 4, 0.02, 1461, RepairMode.Parallel);
        Assert.Equal(24, parallel.MttdlYears / oneStep.MttdlYears, 0.05);
    }

    [Fact]
    public void LossProbabilitiesAreComputedStably()
    {
        Assert.Equal(1e-11, MarkovModel.AnyOf(1e-20, 1e9), 1e-20);
        Assert.Equal(1 - Math.Pow(1 - 0.01, 100), MarkovModel.AnyOf(0.01, 100), 1e-12);
        var model = new MarkovModel(2, 1, 1e-9, 1e3);
        Assert.Equal(1 / model.MttdlYears, model.AnnualLossProbability, 1e-6 / model.MttdlYears);
        Assert.Equal(11, MarkovModel.Nines(1e-11), 1e-9);
    }

    [Fact]
    public void InputsDeriveRatesInYears()
    {
        var inputs = new DurabilityInputs { Afr = 0.02, DiskCapacityBytes = 20e12, FillRatio = 0.5, RepairBandwidthBytesPerSecond = 100e6, DetectionDelay = TimeSpan.FromHours(1) };
        Assert.Equal(-Math.Log(0.98), inputs.LambdaPerYear, 1e-15);
        Assert.Equal(1 + (10e12 / 100e6 / 3600), inputs.MttrHours, 1e-9);
        Assert.Equal(8766 / inputs.MttrHours, inputs.MuPerYear, 1e-9);
        Assert.Equal(6, (inputs with { RepairTime = TimeSpan.FromHours(6) }).MttrHours, 1e-12);
    }

    [Fact]
    public void PoissonWindowMatchesItsLeadingTerm()
    {
        // 17+3, AFR 0.41%, 6.5-day windows: P(window) ≈ (nλT)^4/4!, times 1/T windows a year.
        var lambda = -Math.Log(1 - 0.0041);
        var window = 156 / DurabilityInputs.HoursPerYear;
        var mean = 20 * lambda * window;
        var expected = Math.Pow(mean, 4) / 24 * Math.Exp(-mean) / window;
        Assert.Equal(expected, MarkovModel.PoissonWindowLossProbability(20, 3, lambda, window), expected * 0.01);
    }
}
