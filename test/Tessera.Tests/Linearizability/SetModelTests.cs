using Tessera.Linearizability;
using static Tessera.Tests.Linearizability.Histories;

namespace Tessera.Tests.Linearizability;

/// <summary>Hand-made listing histories, checked with both the per-element <see cref="SetModel"/> and the exact <see cref="WholeSetModel"/>.</summary>
public sealed class SetModelTests
{
    private static readonly SetOutput Ok = SetOutput.Ok;

    [Fact]
    public void SequentialHistoryIsLinearizable()
    {
        Assert.Equal(CheckOutcome.Ok, Set(
            Listed(1, 0, 1),
            S(1, 2, 3, SetInput.Add("a"), Ok),
            S(2, 4, 5, SetInput.Add("b"), Ok),
            Listed(3, 6, 7, "a", "b"),
            S(1, 8, 9, SetInput.Remove("a"), Ok),
            Listed(2, 10, 11, "b"),
            S(3, 12, 13, SetInput.Contains("a"), SetOutput.Membership(false)),
            S(3, 14, 15, SetInput.Contains("b"), SetOutput.Membership(true))));
    }

    [Fact]
    public void ListMissingAnAddThatCompletedBeforeItBeganIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Set(
            S(1, 0, 10, SetInput.Add("a"), Ok),
            S(1, 11, 19, SetInput.Add("b"), Ok),
            Listed(2, 20, 30, "b")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ListOverlappingAnAddMayShowItOrNot(bool shown)
    {
        Assert.Equal(CheckOutcome.Ok, Set(
            S(1, 0, 20, SetInput.Add("a"), Ok),
            shown ? Listed(2, 10, 30, "a") : Listed(2, 10, 30)));
    }

    [Fact]
    public void ListShowingAnElementBeforeItsAddWasCalledIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Set(
            Listed(2, 0, 10, "a"),
            S(1, 20, 30, SetInput.Add("a"), Ok)));
    }

    [Fact]
    public void ListShowingAnElementNeverAddedIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Set(
            S(1, 0, 10, SetInput.Add("a"), Ok),
            Listed(2, 20, 30, "a", "ghost")));
    }

    [Fact]
    public void ListAfterRemove()
    {
        Assert.Equal(CheckOutcome.Ok, Set(
            S(1, 0, 10, SetInput.Add("a"), Ok),
            S(1, 20, 30, SetInput.Remove("a"), Ok),
            Listed(2, 40, 50)));
        Assert.Equal(CheckOutcome.Illegal, Set(
            S(1, 0, 10, SetInput.Add("a"), Ok),
            S(1, 20, 30, SetInput.Remove("a"), Ok),
            Listed(2, 40, 50, "a")));

        // Overlapping the remove, either answer.
        Assert.Equal(CheckOutcome.Ok, Set(
            S(1, 0, 10, SetInput.Add("a"), Ok),
            S(1, 20, 30, SetInput.Remove("a"), Ok),
            Listed(2, 25, 50, "a")));
    }

    [Fact]
    public void ListsMayNotGoBackInTime()
    {
        // Both lists overlap Add(a); the later one starts after the earlier one saw a.
        Assert.Equal(CheckOutcome.Illegal, Set(
            S(1, 0, 100, SetInput.Add("a"), Ok),
            Listed(2, 10, 20, "a"),
            Listed(3, 30, 40)));
    }

    [Fact]
    public void IndeterminateAddMayShowUpLaterOrNever()
    {
        Assert.Equal(CheckOutcome.Ok, Set(
            SLost(1, 0, SetInput.Add("a")),
            Listed(2, 10, 20),
            Listed(2, 30, 40, "a")));
        Assert.Equal(CheckOutcome.Ok, Set(
            SLost(1, 0, SetInput.Add("a")),
            Listed(2, 10, 20),
            Listed(2, 30, 40)));
        Assert.Equal(CheckOutcome.Illegal, Set(
            SLost(1, 0, SetInput.Add("a")),
            Listed(2, 10, 20, "a"),
            Listed(2, 30, 40)));
    }

    [Fact]
    public void IndeterminateListIsDroppedBySplit()
    {
        var history = new[]
        {
            S(1, 0, 10, SetInput.Add("a"), Ok),
            SLost(2, 20, SetInput.List()),
            Listed(2, 30, 40, "a"),
        };
        var partitions = SetModel.Instance.Partition(history);
        Assert.Equal("a", Assert.Single(partitions).Name);
        Assert.Equal(2, partitions[0].Operations.Count);
        Assert.Equal(CheckOutcome.Ok, Set(history));
    }

    [Fact]
    public void SplitTurnsEachListIntoOneObservationPerElement()
    {
        var history = new[]
        {
            S(1, 0, 10, SetInput.Add("a"), Ok),
            S(1, 10, 20, SetInput.Remove("b"), Ok),
            Listed(2, 30, 40, "a", "c"),
        };
        var partitions = SetModel.Instance.Partition(history);
        Assert.Equal(["a", "b", "c"], partitions.Select(p => p.Name));
        var observations = partitions.Select(p => p.Operations.Single(o => o.Input.FromList)).ToArray();
        Assert.Equal([true, false, true], observations.Select(o => o.Output!.Present));
        Assert.All(observations, o => Assert.Equal((30L, 40L, 2), (o.Call, o.Return, o.ClientId)));
    }

    [Fact]
    public void SplitAcceptsAListingOfStatesThatNeverCoexistedWhichTheWholeSetModelRejects()
    {
        // The documented gap: b present, then Add(a) and Remove(b) one after the other during one List that shows
        // neither. Each element's answer was true at some moment of the window (a before its Add, b after its
        // Remove), but not at the same moment.
        var history = new[]
        {
            S(1, 0, 5, SetInput.Add("b"), Ok),
            S(1, 10, 20, SetInput.Add("a"), Ok),
            S(1, 30, 40, SetInput.Remove("b"), Ok),
            Listed(2, 6, 50),
        };
        Assert.Equal(CheckOutcome.Ok, LinearizabilityChecker.Check(SetModel.Instance, history, Budget).Outcome);
        var whole = LinearizabilityChecker.Check(WholeSetModel.Instance, history, Budget);
        Assert.Equal(CheckOutcome.Illegal, whole.Outcome);
        Assert.Equal(SetOperation.List, whole.Counterexample!.FailedOperation.Input.Kind);
    }

    [Fact]
    public void ContainsObservationsAreChecked()
    {
        Assert.Equal(CheckOutcome.Illegal, Set(
            S(1, 0, 10, SetInput.Add("a"), Ok),
            S(2, 20, 30, SetInput.Contains("a"), SetOutput.Membership(false))));
    }
}
