using Tessera.Linearizability;
using static Tessera.Tests.Linearizability.Histories;

namespace Tessera.Tests.Linearizability;

/// <summary>Hand-made histories of one or two keys; timelines drawn with small integer times.</summary>
public sealed class RegisterModelTests
{
    private static readonly RegisterOutput Ok = RegisterOutput.Ok;
    private static readonly RegisterOutput Failed = RegisterOutput.PreconditionFailed;

    [Fact]
    public void SequentialHistoryIsLinearizable()
    {
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 1, RegisterInput.Get("k"), RegisterOutput.Absent),
            R(1, 2, 3, RegisterInput.Put("k", "a"), Ok),
            R(2, 4, 5, RegisterInput.Get("k"), RegisterOutput.Read("a")),
            R(2, 6, 7, RegisterInput.PutIfMatch("k", "a", "b"), Ok),
            R(1, 8, 9, RegisterInput.PutIfMatch("k", "a", "c"), Failed),
            R(1, 10, 11, RegisterInput.Get("k"), RegisterOutput.Read("b")),
            R(3, 12, 13, RegisterInput.PutIfNoneMatch("k", "d"), Failed),
            R(3, 14, 15, RegisterInput.Delete("k"), Ok),
            R(1, 16, 17, RegisterInput.Get("k"), RegisterOutput.Absent),
            R(2, 18, 19, RegisterInput.PutIfMatch("k", "b", "e"), Failed),
            R(2, 20, 21, RegisterInput.PutIfNoneMatch("k", "f"), Ok),
            R(1, 22, 23, RegisterInput.Get("k"), RegisterOutput.Read("f"))));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    public void ReadOverlappingAWriteMaySeeEitherValue(string seen)
    {
        // Put(a) done; Put(b) [20, 40] overlaps Get [25, 35]: the read linearizes before or after it.
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(1, 20, 40, RegisterInput.Put("k", "b"), Ok),
            R(2, 25, 35, RegisterInput.Get("k"), RegisterOutput.Read(seen))));
    }

    [Fact]
    public void ReadsOverlappingAWriteMayNotGoBackInTime()
    {
        // Both reads overlap Put(b), but the second starts after the first saw b: it cannot see a again.
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(1, 20, 100, RegisterInput.Put("k", "b"), Ok),
            R(2, 25, 35, RegisterInput.Get("k"), RegisterOutput.Read("b")),
            R(3, 40, 50, RegisterInput.Get("k"), RegisterOutput.Read("a"))));
    }

    [Fact]
    public void StaleReadAfterACompletedWriteIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(1, 20, 30, RegisterInput.Put("k", "b"), Ok),
            R(2, 40, 50, RegisterInput.Get("k"), RegisterOutput.Read("a"))));
    }

    [Fact]
    public void ReadOfAbsentAfterACompletedWriteIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(2, 20, 30, RegisterInput.Get("k"), RegisterOutput.Absent)));
    }

    [Fact]
    public void ReadOfAValueNeverWrittenIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(2, 5, 30, RegisterInput.Get("k"), RegisterOutput.Read("z"))));
    }

    [Fact]
    public void TwoSuccessfulCreatesOfOneKeyAreIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.PutIfNoneMatch("k", "a"), Ok),
            R(2, 20, 30, RegisterInput.PutIfNoneMatch("k", "b"), Ok)));

        // Concurrent creates: still only one may win.
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.PutIfNoneMatch("k", "a"), Ok),
            R(2, 5, 15, RegisterInput.PutIfNoneMatch("k", "b"), Ok)));
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.PutIfNoneMatch("k", "a"), Ok),
            R(2, 5, 15, RegisterInput.PutIfNoneMatch("k", "b"), Failed)));
    }

    [Fact]
    public void TwoCreatesWithADeleteBetweenAreLinearizable()
    {
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.PutIfNoneMatch("k", "a"), Ok),
            R(3, 12, 18, RegisterInput.Delete("k"), Ok),
            R(2, 20, 30, RegisterInput.PutIfNoneMatch("k", "b"), Ok)));

        // The delete may also overlap both.
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.PutIfNoneMatch("k", "a"), Ok),
            R(3, 5, 25, RegisterInput.Delete("k"), Ok),
            R(2, 20, 30, RegisterInput.PutIfNoneMatch("k", "b"), Ok)));
    }

    [Fact]
    public void IfMatchSuccessAgainstAnOverwrittenValueIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(2, 20, 30, RegisterInput.Put("k", "b"), Ok),
            R(1, 40, 50, RegisterInput.PutIfMatch("k", "a", "c"), Ok)));

        // Overlapping the overwrite, it may have come first.
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(2, 20, 30, RegisterInput.Put("k", "b"), Ok),
            R(1, 25, 50, RegisterInput.PutIfMatch("k", "a", "c"), Ok),
            R(3, 60, 70, RegisterInput.Get("k"), RegisterOutput.Read("b"))));
    }

    [Fact]
    public void IfMatchFailureAgainstTheCurrentValueIsIllegal()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(1, 20, 30, RegisterInput.PutIfMatch("k", "a", "b"), Failed)));
    }

    [Fact]
    public void IfMatchOnAnAbsentKeyFails()
    {
        Assert.Equal(CheckOutcome.Ok, Register(R(1, 0, 10, RegisterInput.PutIfMatch("k", "a", "b"), Failed)));
        Assert.Equal(CheckOutcome.Illegal, Register(R(1, 0, 10, RegisterInput.PutIfMatch("k", "a", "b"), Ok)));
    }

    [Fact]
    public void IndeterminateWriteThatLaterShowsUpIsLinearizable()
    {
        // The client gave up at 1; the write applies later, after the client's next operation even.
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 5, RegisterInput.Put("k", "a"), Ok),
            RLost(2, 10, RegisterInput.Put("k", "b")),
            R(2, 20, 30, RegisterInput.Get("k"), RegisterOutput.Read("a")),
            R(3, 40, 50, RegisterInput.Get("k"), RegisterOutput.Read("b"))));
    }

    [Fact]
    public void IndeterminateWriteThatNeverShowsUpIsLinearizable()
    {
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 5, RegisterInput.Put("k", "a"), Ok),
            RLost(2, 10, RegisterInput.Put("k", "b")),
            R(2, 20, 30, RegisterInput.Get("k"), RegisterOutput.Read("a")),
            R(3, 40, 50, RegisterInput.Get("k"), RegisterOutput.Read("a"))));
    }

    [Fact]
    public void IndeterminateWriteCannotBeSeenBeforeItWasCalledNorUndone()
    {
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 5, RegisterInput.Get("k"), RegisterOutput.Read("b")),
            RLost(2, 10, RegisterInput.Put("k", "b"))));
        Assert.Equal(CheckOutcome.Illegal, Register(
            RLost(2, 0, RegisterInput.Put("k", "b")),
            R(1, 10, 20, RegisterInput.Get("k"), RegisterOutput.Read("b")),
            R(1, 30, 40, RegisterInput.Get("k"), RegisterOutput.Absent)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IndeterminateConditionalWriteMayOrMayNotHaveApplied(bool applied)
    {
        var seen = applied ? "b" : "a";
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            RLost(2, 20, RegisterInput.PutIfMatch("k", "a", "b")),
            R(3, 30, 40, RegisterInput.Get("k"), RegisterOutput.Read(seen)),
            R(3, 50, 60, RegisterInput.Get("k"), RegisterOutput.Read(seen))));
        var created = applied ? RegisterOutput.Read("c") : RegisterOutput.Absent;
        Assert.Equal(CheckOutcome.Ok, Register(
            RLost(1, 0, RegisterInput.PutIfNoneMatch("k", "c")),
            R(2, 10, 20, RegisterInput.Get("k"), created)));

        // Not applied yet, then a plain write: applying the create later would fail its condition, so "c" stays out.
        Assert.Equal(applied ? CheckOutcome.Illegal : CheckOutcome.Ok, Register(
            RLost(1, 0, RegisterInput.PutIfNoneMatch("k", "c")),
            R(2, 10, 20, RegisterInput.Get("k"), RegisterOutput.Absent),
            R(2, 30, 40, RegisterInput.Put("k", "d"), Ok),
            R(3, 50, 60, RegisterInput.Get("k"), RegisterOutput.Read(applied ? "c" : "d"))));
    }

    [Fact]
    public void IndeterminateConditionalWriteCannotApplyWhenItsConditionNeverHolds()
    {
        // a was overwritten by b before the If-Match was sent, so it can never see a.
        Assert.Equal(CheckOutcome.Illegal, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            R(1, 12, 18, RegisterInput.Put("k", "b"), Ok),
            RLost(2, 20, RegisterInput.PutIfMatch("k", "a", "c")),
            R(3, 30, 40, RegisterInput.Get("k"), RegisterOutput.Read("c"))));
    }

    [Fact]
    public void IndeterminateReadConstrainsNothing()
    {
        Assert.Equal(CheckOutcome.Ok, Register(
            R(1, 0, 10, RegisterInput.Put("k", "a"), Ok),
            RLost(2, 20, RegisterInput.Get("k")),
            R(1, 30, 40, RegisterInput.Get("k"), RegisterOutput.Read("a"))));
    }

    [Fact]
    public void KeysAreIndependentPartitions()
    {
        var history = new[]
        {
            R(1, 0, 10, RegisterInput.Put("x", "a"), Ok),
            R(1, 20, 30, RegisterInput.Put("y", "b"), Ok),
            R(2, 40, 50, RegisterInput.Get("x"), RegisterOutput.Read("a")),
            R(2, 60, 70, RegisterInput.Get("y"), RegisterOutput.Read("b")),
        };
        var partitions = RegisterModel.Instance.Partition(history);
        Assert.Equal(["x", "y"], partitions.Select(p => p.Name));
        Assert.All(partitions, p => Assert.Equal(2, p.Operations.Count));
        Assert.Equal(CheckOutcome.Ok, Register(history));
    }
}
