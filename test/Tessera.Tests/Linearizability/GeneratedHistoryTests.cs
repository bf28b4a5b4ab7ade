using CsCheck;
using Tessera.Linearizability;

namespace Tessera.Tests.Linearizability;

/// <summary>
/// Histories simulated against a correct atomic object (each operation takes effect at a uniformly drawn point of
/// its window, some are indeterminate) must check Ok; the same histories with one answer made stale must check
/// Illegal, and the report must name the mutated operation's partition.
/// </summary>
public sealed class GeneratedHistoryTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    /// <summary>Clients, operations per client, keys or elements, indeterminate rate in percent, seed.</summary>
    private static readonly Gen<(int Clients, int Operations, int Targets, int Indeterminate, int Seed)> Shapes =
        Gen.Select(Gen.Int[1, 10], Gen.Int[1, 60], Gen.Int[1, 5], Gen.Frequency((2, Gen.Const(0)), (3, Gen.Int[1, 10])), Gen.Int);

    [Fact]
    public void SimulatedRegisterHistoriesAreLinearizable()
    {
        Shapes.Sample(
            s =>
            {
                var history = RegisterSimulator.Generate(new Random(s.Seed), s.Clients, s.Operations, s.Targets, s.Indeterminate / 100.0);
                var result = LinearizabilityChecker.Check(RegisterModel.Instance, history, Budget);
                return result.IsOk;
            },
            iter: 400);
    }

    [Fact]
    public void SimulatedSetHistoriesAreLinearizable()
    {
        Shapes.Sample(
            s =>
            {
                var history = SetSimulator.Generate(new Random(s.Seed), s.Clients, s.Operations, s.Targets, s.Indeterminate / 100.0);
                return LinearizabilityChecker.Check(SetModel.Instance, history, Budget).IsOk;
            },
            iter: 400);
    }

    [Fact]
    public void SmallSimulatedSetHistoriesAreLinearizableAsAWholeSet()
    {
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 12], Gen.Int[1, 4], Gen.Int[0, 10], Gen.Int).Sample(
            (clients, operations, elements, indeterminate, seed) =>
            {
                var history = SetSimulator.Generate(new Random(seed), clients, operations, elements, indeterminate / 100.0);
                return LinearizabilityChecker.Check(WholeSetModel.Instance, history, Budget).IsOk;
            },
            iter: 300);
    }

    [Fact]
    public void StaleReadsAreIllegal()
    {
        var mutated = 0;
        Shapes.Where(s => s.Clients > 1 && s.Operations > 5).Sample(
            s =>
            {
                var random = new Random(s.Seed);
                var history = RegisterSimulator.Generate(random, s.Clients, s.Operations, s.Targets, s.Indeterminate / 100.0);
                if (RegisterSimulator.StaleRead(random, history) is not var (bad, read))
                {
                    return true;
                }

                Interlocked.Increment(ref mutated);
                var result = LinearizabilityChecker.Check(RegisterModel.Instance, bad, Budget);
                return result.Outcome == CheckOutcome.Illegal && result.Counterexample!.Partition == read.Input.Key;
            },
            iter: 300);
        Assert.True(mutated > 150, $"only {mutated} of 300 histories had a stale read to make");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mutated} of 300 histories mutated, every one Illegal");
    }

    [Fact]
    public void StaleIfMatchSuccessesAreIllegal()
    {
        var mutated = 0;
        Shapes.Where(s => s.Clients > 1 && s.Operations > 5).Sample(
            s =>
            {
                var random = new Random(s.Seed);
                var history = RegisterSimulator.Generate(random, s.Clients, s.Operations, s.Targets, s.Indeterminate / 100.0);
                if (RegisterSimulator.StaleIfMatch(random, history) is not var (bad, write))
                {
                    return true;
                }

                Interlocked.Increment(ref mutated);
                var result = LinearizabilityChecker.Check(RegisterModel.Instance, bad, Budget);
                return result.Outcome == CheckOutcome.Illegal && result.Counterexample!.Partition == write.Input.Key;
            },
            iter: 300);
        Assert.True(mutated > 100, $"only {mutated} of 300 histories had a stale If-Match to make");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mutated} of 300 histories mutated, every one Illegal");
    }

    [Fact]
    public void ListsMissingAnAcknowledgedAddAreIllegal()
    {
        var mutated = 0;
        Shapes.Where(s => s.Operations > 5).Sample(
            s =>
            {
                var random = new Random(s.Seed);
                var history = SetSimulator.Generate(random, s.Clients, s.Operations, s.Targets, s.Indeterminate / 100.0);
                if (SetSimulator.MissingElement(random, history) is not var (bad, element))
                {
                    return true;
                }

                Interlocked.Increment(ref mutated);
                var result = LinearizabilityChecker.Check(SetModel.Instance, bad, Budget);
                return result.Outcome == CheckOutcome.Illegal && result.Counterexample!.Partition == element;
            },
            iter: 300);
        Assert.True(mutated > 150, $"only {mutated} of 300 histories had a listing to shorten");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mutated} of 300 histories mutated, every one Illegal");
    }

    [Fact]
    public void ListsShowingAnElementBeforeItsAddAreIllegal()
    {
        var mutated = 0;
        Shapes.Where(s => s.Operations > 5).Sample(
            s =>
            {
                var random = new Random(s.Seed);
                var history = SetSimulator.Generate(random, s.Clients, s.Operations, s.Targets, s.Indeterminate / 100.0);
                var universe = Enumerable.Range(0, s.Targets).Select(i => $"e{i}").ToArray();
                if (SetSimulator.EarlyElement(random, history, universe) is not var (bad, element))
                {
                    return true;
                }

                Interlocked.Increment(ref mutated);
                var result = LinearizabilityChecker.Check(SetModel.Instance, bad, Budget);
                return result.Outcome == CheckOutcome.Illegal && result.Counterexample!.Partition == element;
            },
            iter: 300);
        Assert.True(mutated > 100, $"only {mutated} of 300 histories had a listing to lengthen");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mutated} of 300 histories mutated, every one Illegal");
    }

    [Fact]
    public void SmallMutatedSetHistoriesAreIllegalAsAWholeSet()
    {
        var mutated = 0;
        Gen.Select(Gen.Int[2, 4], Gen.Int[4, 12], Gen.Int[1, 4], Gen.Int[0, 10], Gen.Int).Sample(
            (clients, operations, elements, indeterminate, seed) =>
            {
                var random = new Random(seed);
                var history = SetSimulator.Generate(random, clients, operations, elements, indeterminate / 100.0);
                if (SetSimulator.MissingElement(random, history) is not var (bad, _))
                {
                    return true;
                }

                Interlocked.Increment(ref mutated);
                return LinearizabilityChecker.Check(WholeSetModel.Instance, bad, Budget).Outcome == CheckOutcome.Illegal;
            },
            iter: 200);
        Assert.True(mutated > 50, $"only {mutated} of 200 histories had a listing to shorten");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mutated} of 200 histories mutated, every one Illegal");
    }

    [Fact]
    public void TenKeysOfAThousandOperationsCheckQuickly()
    {
        // 10 clients on 10 keys, 1,000 operations per key, 1% indeterminate: the size the S3 tests record.
        var output = TestContext.Current.TestOutputHelper;
        var times = new List<double>();
        for (var seed = 1; seed <= 5; seed++)
        {
            var history = RegisterSimulator.Generate(new Random(seed), 10, 1000, 10, 0.01);
            var result = LinearizabilityChecker.Check(RegisterModel.Instance, history, Budget);
            Assert.True(result.IsOk, result.ToString());
            Assert.Equal(10, result.Partitions);
            times.Add(result.Elapsed.TotalMilliseconds);
            output?.WriteLine(result.ToString());

            var stale = RegisterSimulator.StaleRead(new Random(seed), history);
            Assert.NotNull(stale);
            var illegal = LinearizabilityChecker.Check(RegisterModel.Instance, stale.Value.History, Budget);
            Assert.Equal(CheckOutcome.Illegal, illegal.Outcome);
            output?.WriteLine($"stale read: Illegal in {illegal.Elapsed.TotalMilliseconds:F1} ms, {illegal.Steps} steps");
        }

        // Generous for a loaded CI machine; the figures measured are in docs/design/linearizability.md.
        Assert.True(times.Min() < 5000, $"fastest of 5 checks took {times.Min():F0} ms");
    }

    [Fact]
    public void ListingsOverAHundredKeysCheckQuickly()
    {
        var output = TestContext.Current.TestOutputHelper;
        var history = SetSimulator.Generate(new Random(3), 10, 500, 100, 0.01);
        var result = LinearizabilityChecker.Check(SetModel.Instance, history, Budget);
        Assert.True(result.IsOk, result.ToString());
        output?.WriteLine($"{history.Length} operations recorded; {result} (the split included)");
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), result.ToString());
    }
}
