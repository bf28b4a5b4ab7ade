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
}
