using CsCheck;
using Tessera.Linearizability;

namespace Tessera.Tests.Linearizability;

/// <summary>
/// The checker (partitions, cache, and its reductions: indeterminate operations tried last, left out or merged, read-only
/// operations committed) against <see cref="BruteForce"/> on small histories with random answers, about half of
/// them linearizable. Times are small integers, so equal timestamps are common.
/// </summary>
public sealed class CrossCheckTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    [Fact]
    public void RegisterCheckerAgreesWithBruteForce()
    {
        var verdicts = new int[2];
        Gen.Int.Sample(
            seed =>
            {
                var random = new Random(seed);
                var history = RandomRegisterHistory(random, random.Next(1, 9));
                // The register model's state is one key's value: the reference too needs the history split by key
                // (plainly grouped, without the model's rewrites of indeterminate operations).
                var expected = history.GroupBy(o => o.Input.Key).All(key => BruteForce.IsLinearizable(RegisterModel.Instance, [.. key]));
                var actual = LinearizabilityChecker.Check(RegisterModel.Instance, history, Budget).Outcome;
                Interlocked.Increment(ref verdicts[expected ? 1 : 0]);
                return actual == (expected ? CheckOutcome.Ok : CheckOutcome.Illegal);
            },
            iter: 3000);
        Assert.True(verdicts.Min() > 600, $"{verdicts[1]} linearizable, {verdicts[0]} not: too one-sided to compare");
        TestContext.Current.TestOutputHelper?.WriteLine($"{verdicts[1]} linearizable, {verdicts[0]} not, the checker agreeing on every one");
    }

    [Fact]
    public void WholeSetCheckerAgreesWithBruteForce()
    {
        var verdicts = new int[2];
        Gen.Int.Sample(
            seed =>
            {
                var random = new Random(seed);
                var history = RandomSetHistory(random, random.Next(1, 9));
                var expected = BruteForce.IsLinearizable(WholeSetModel.Instance, history);
                var actual = LinearizabilityChecker.Check(WholeSetModel.Instance, history, Budget).Outcome;
                Interlocked.Increment(ref verdicts[expected ? 1 : 0]);
                return actual == (expected ? CheckOutcome.Ok : CheckOutcome.Illegal);
            },
            iter: 3000);
        Assert.True(verdicts.Min() > 600, $"{verdicts[1]} linearizable, {verdicts[0]} not: too one-sided to compare");
        TestContext.Current.TestOutputHelper?.WriteLine($"{verdicts[1]} linearizable, {verdicts[0]} not, the checker agreeing on every one");
    }

    [Fact]
    public void SplitSetCheckerAgreesWithBruteForcePerElement()
    {
        Gen.Int.Sample(
            seed =>
            {
                var random = new Random(seed);
                var history = RandomSetHistory(random, random.Next(1, 9));
                var expected = SetModel.Instance.Partition(history).All(p => BruteForce.IsLinearizable(SetModel.Instance, p.Operations));
                var actual = LinearizabilityChecker.Check(SetModel.Instance, history, Budget).Outcome;

                // The split is weaker than the whole set, never stronger.
                var whole = BruteForce.IsLinearizable(WholeSetModel.Instance, history);
                return actual == (expected ? CheckOutcome.Ok : CheckOutcome.Illegal) && (expected || !whole);
            },
            iter: 3000);
    }

    private static Operation<RegisterInput, RegisterOutput>[] RandomRegisterHistory(Random random, int count)
    {
        string[] values = ["a", "b", "c"];
        string? Value() => random.Next(4) == 0 ? null : values[random.Next(values.Length)];
        var keys = random.Next(1, 3);
        var history = new Operation<RegisterInput, RegisterOutput>[count];
        for (var i = 0; i < count; i++)
        {
            var key = $"k{random.Next(keys)}";
            var input = random.Next(5) switch
            {
                0 => RegisterInput.Get(key),
                1 => RegisterInput.Put(key, values[random.Next(values.Length)]),
                2 => RegisterInput.PutIfMatch(key, values[random.Next(values.Length)], values[random.Next(values.Length)]),
                3 => RegisterInput.PutIfNoneMatch(key, values[random.Next(values.Length)]),
                _ => RegisterInput.Delete(key),
            };
            var output = input.Kind switch
            {
                RegisterOperation.Get => RegisterOutput.Read(Value()),
                RegisterOperation.PutIfMatch or RegisterOperation.PutIfNoneMatch => random.Next(2) == 0 ? RegisterOutput.Ok : RegisterOutput.PreconditionFailed,
                _ => RegisterOutput.Ok,
            };
            long call = random.Next(12);
            var ret = call + random.Next(6);
            history[i] = random.Next(5) == 0
                ? Operation<RegisterInput, RegisterOutput>.Indeterminate(random.Next(4), input, call, ret)
                : new Operation<RegisterInput, RegisterOutput>(random.Next(4), input, output, call, ret);
        }

        return history;
    }

    private static Operation<SetInput, SetOutput>[] RandomSetHistory(Random random, int count)
    {
        string[] elements = ["x", "y", "z"];
        var history = new Operation<SetInput, SetOutput>[count];
        for (var i = 0; i < count; i++)
        {
            var element = elements[random.Next(elements.Length)];
            var (input, output) = random.Next(4) switch
            {
                0 => (SetInput.Add(element), SetOutput.Ok),
                1 => (SetInput.Remove(element), SetOutput.Ok),
                2 => (SetInput.Contains(element), SetOutput.Membership(random.Next(2) == 0)),
                _ => (SetInput.List(), SetOutput.Listed(elements.Where(_ => random.Next(3) == 0))),
            };
            long call = random.Next(12);
            var ret = call + random.Next(6);
            history[i] = random.Next(5) == 0
                ? Operation<SetInput, SetOutput>.Indeterminate(random.Next(4), input, call, ret)
                : new Operation<SetInput, SetOutput>(random.Next(4), input, output, call, ret);
        }

        return history;
    }
}
