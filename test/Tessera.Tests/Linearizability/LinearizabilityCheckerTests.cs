using Tessera.Linearizability;
using static Tessera.Tests.Linearizability.Histories;

namespace Tessera.Tests.Linearizability;

public sealed class LinearizabilityCheckerTests
{
    [Fact]
    public void EmptyHistoryIsLinearizable()
    {
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, [], Budget);
        Assert.Equal(CheckOutcome.Ok, result.Outcome);
        Assert.Equal(0, result.Partitions);
    }

    [Fact]
    public void ReportNamesTheFailingPartitionAndOperation()
    {
        var history = new List<Operation<RegisterInput, RegisterOutput>>();
        for (var k = 0; k < 5; k++)
        {
            history.Add(R(1, 0, 10, RegisterInput.Put($"k{k}", $"a{k}"), RegisterOutput.Ok));
            history.Add(R(2, 20, 30, RegisterInput.Put($"k{k}", $"b{k}"), RegisterOutput.Ok));
            history.Add(R(3, 25, 35, RegisterInput.Get($"k{k}"), RegisterOutput.Read($"a{k}")));
        }

        var stale = R(3, 40, 50, RegisterInput.Get("k3"), RegisterOutput.Read("a3"));
        history.Add(stale);
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, history, Budget);

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        var counterexample = result.Counterexample!;
        Assert.Equal("k3", counterexample.Partition);
        Assert.Same(stale, counterexample.FailedOperation);
        Assert.Equal(4, counterexample.Operations.Count);
        Assert.Contains(stale, counterexample.Pending);

        // Put(a3), the overlapping Get(a3), Put(b3): the stale Get comes after all three, with b3 current.
        Assert.Equal(3, counterexample.LongestPrefix.Count);
        Assert.Equal("b3", counterexample.LongestPrefix[^1].Input.Value);
        var text = result.ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        Assert.Contains("partition 'k3'", text, StringComparison.Ordinal);
        Assert.Contains("Get(k3) -> \"a3\"", text, StringComparison.Ordinal);
        Assert.Contains("impossible from this state", text, StringComparison.Ordinal);
        Assert.Contains("State after the prefix: \"b3\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EqualTimestampsCountAsConcurrent()
    {
        // The Get is called at the tick the Put returned: the two may linearize either way.
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), RegisterOutput.Ok),
            R(2, 10, 20, RegisterInput.Get("k"), RegisterOutput.Absent)));
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), RegisterOutput.Ok),
            R(2, 11, 20, RegisterInput.Get("k"), RegisterOutput.Absent)));

        // Zero-length operations at one tick are concurrent with each other too.
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 5, 5, RegisterInput.Put("k", "a"), RegisterOutput.Ok),
            R(2, 5, 5, RegisterInput.Get("k"), RegisterOutput.Absent)));
    }

    [Fact]
    public void OperationReturningBeforeItsCallIsRejected()
    {
        Assert.Throws<ArgumentException>(() => Register(R(1, 10, 5, RegisterInput.Get("k"), RegisterOutput.Absent)));

        // An indeterminate one's return is when the client gave up, and is not used.
        Assert.Equal(CheckOutcome.Ok, Register(
            Operation<RegisterInput, RegisterOutput>.Indeterminate(1, RegisterInput.Put("k", "a"), 10, 5)));
    }

    [Fact]
    public void PathologicalHistoryRunsOutOfTimeAsUnknown()
    {
        // 48 fully concurrent writes of distinct values and an impossible read that returns first: every subset of
        // the writes, in every final state, is a distinct cache entry, so the search is 2^47-sized.
        var history = new List<Operation<RegisterInput, RegisterOutput>>();
        for (var i = 0; i < 48; i++)
        {
            history.Add(R(i, 0, 1000, RegisterInput.Put("k", $"v{i}"), RegisterOutput.Ok));
        }

        history.Add(R(99, 0, 999, RegisterInput.Get("k"), RegisterOutput.Read("never")));
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, history, TimeSpan.FromMilliseconds(50));

        Assert.Equal(CheckOutcome.Unknown, result.Outcome);
        Assert.Equal(["k"], result.UndecidedPartitions);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), $"stopped after {result.Elapsed}");
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());
    }

    [Fact]
    public void IllegalPartitionIsReportedEvenWhenAnotherRunsOutOfTime()
    {
        var history = new List<Operation<RegisterInput, RegisterOutput>>();
        for (var i = 0; i < 48; i++)
        {
            history.Add(R(i, 0, 1000, RegisterInput.Put("slow", $"v{i}"), RegisterOutput.Ok));
        }

        history.Add(R(99, 0, 999, RegisterInput.Get("slow"), RegisterOutput.Read("never")));
        history.Add(R(1, 0, 10, RegisterInput.Get("fast"), RegisterOutput.Read("never")));
        var result = LinearizabilityChecker.Check(RegisterModel.Instance, history, TimeSpan.FromSeconds(2));

        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Equal("fast", result.Counterexample!.Partition);
    }

    [Fact]
    public void NondeterministicStepsAreFollowedAsSetsOfStates()
    {
        // A coin that a Toss leaves heads or tails: reads must agree with one outcome per toss.
        var history = new[]
        {
            new Operation<string, bool>(1, "toss", false, 0, 10),
            new Operation<string, bool>(1, "read", true, 20, 30),
            new Operation<string, bool>(2, "read", true, 40, 50),
        };
        Assert.Equal(CheckOutcome.Ok, LinearizabilityChecker.Check(new CoinModel(), history, Budget).Outcome);
        history[2] = history[2] with { Output = false };
        var result = LinearizabilityChecker.Check(new CoinModel(), history, Budget);
        Assert.Equal(CheckOutcome.Illegal, result.Outcome);
        Assert.Contains("one of {", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RecorderTimestampsOperationsWithItsClock()
    {
        var recorder = new HistoryRecorder<RegisterInput, RegisterOutput>(new TickingTimeProvider());
        var put = recorder.Begin(1, RegisterInput.Put("k", "a"));
        var get = recorder.Begin(2, RegisterInput.Get("k"));
        put.Complete(RegisterOutput.Ok);
        get.GiveUp();
        Assert.Throws<InvalidOperationException>(() => put.Complete(RegisterOutput.Ok));

        var operations = recorder.Operations;
        Assert.Equal(2, operations.Count);
        Assert.Equal((1L, 3L), (operations[0].Call, operations[0].Return));
        Assert.Equal((2L, 4L), (operations[1].Call, operations[1].Return));
        Assert.True(operations[1].IsIndeterminate);
        Assert.Equal(long.MaxValue, operations[1].EffectiveReturn);
        Assert.Equal(CheckOutcome.Ok, LinearizabilityChecker.Check(RegisterModel.Instance, operations, Budget).Outcome);
    }

    /// <summary>A clock that ticks once per reading.</summary>
    private sealed class TickingTimeProvider : TimeProvider
    {
        private long _ticks;

        public override long GetTimestamp() => Interlocked.Increment(ref _ticks);
    }

    private sealed class CoinModel : Model<bool, string, bool>
    {
        public override bool InitialState => false;

        public override IReadOnlyList<bool> Step(bool state, string input, bool output, bool indeterminate) =>
            input == "toss" ? [true, false] : indeterminate || output == state ? [state] : [];

        public override string DescribeState(bool state) => state ? "heads" : "tails";
    }
}
