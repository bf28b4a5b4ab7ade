using Tessera.Durability;

namespace Tessera.Tests.Durability;

public sealed class PlacementCounterTests
{
    [Fact]
    public void CountsAllPlacementsWithAndWithoutARackLimit()
    {
        Assert.Equal(Math.Pow(12, 12), new PlacementCounter(144, 12, 12, 1).Total, 1);
        Assert.Equal(924, new PlacementCounter(12, 1, 6, 6).Total, 1e-9); // C(12, 6)
        Assert.Equal(0, new PlacementCounter(12, 2, 6, 2).Total);
    }

    [Fact]
    public void CountsPlacementsTouchingFailedDisks()
    {
        // 6 disks, 1 rack, 3 failed: placements of 4 fragments with >= 3 on the failed ones:
        // C(3,3)·C(3,1) + ... = 3 (all three failed plus one healthy).
        var counter = new PlacementCounter(6, 1, 4, 4);
        Assert.Equal(3, counter.Count([3], 3), 1e-9);
        Assert.Equal(3 + (3 * 3), counter.Count([3], 2), 1e-9); // + C(3,2)·C(3,2)
    }

    [Theory]
    [InlineData(144, 12)]
    [InlineData(7, 6)]
    [InlineData(10, 3)]
    public void RackSizesMatchTheCounter(int disks, int racks)
    {
        var inputs = new DurabilityInputs { DataShards = 1, ParityShards = 0, Disks = disks, Racks = racks };
        var counter = new PlacementCounter(disks, racks, 1, 1);
        for (var r = 0; r < racks; r++)
        {
            Assert.Equal(counter.RackSize(r), inputs.RackSize(r));
        }
    }

    [Fact]
    public void ImpossiblePlacementIsRejected()
    {
        new DurabilityInputs { Disks = 7, Racks = 6, MaxPerRack = 1 }.Validate();
        Assert.Throws<ArgumentException>(() => new DurabilityInputs { Disks = 6, Racks = 3, MaxPerRack = 1 }.Validate());
    }
}
