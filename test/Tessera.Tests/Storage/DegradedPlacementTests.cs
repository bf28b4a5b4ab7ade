using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>
/// Placement while a node is absent from the cluster: new segments go to the present nodes, spread as evenly as they
/// allow, and back to the policy's spread when it returns.
/// </summary>
public sealed class DegradedPlacementTests
{
    private static TestDisk[] Nodes(int nodes, int disks) =>
        [.. Enumerable.Range(1, nodes).SelectMany(n => Enumerable.Range(1, disks).Select(d => new TestDisk($"n{n}-disk{d}", new DiskLabels($"n{n}-disk{d}", $"n{n}-disk{d}", $"n{n}"))))];

    private static Dictionary<string, int> PerNode(string[] placed) =>
        placed.GroupBy(id => id[..id.IndexOf('-', StringComparison.Ordinal)]).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void WithANodeAbsentSegmentsGoToThePresentNodesThreeAndThreeAndBackToTwoEachWhenItReturns()
    {
        var disks = Nodes(3, 4);
        var set = new ErasureSet(disks, new ErasurePolicy(4, 2, 4096, "node"));
        Assert.False(set.WritesDegraded);

        Assert.True(set.SetAbsent(disks.Where(d => d.Labels.Node == "n3").Select(d => d.Id)));
        Assert.True(set.WritesDegraded);
        Assert.False(set.SetAbsent(disks.Where(d => d.Labels.Node == "n3").Select(d => d.Id)));
        for (var i = 0; i < 200; i++)
        {
            var placed = set.PlaceNew(Guid.NewGuid(), 4, 2, "node");
            Assert.Equal(6, placed.Distinct().Count());
            Assert.Equal(new Dictionary<string, int> { ["n1"] = 3, ["n2"] = 3 }, PerNode(placed));
        }

        Assert.True(set.SetAbsent([]));
        Assert.False(set.WritesDegraded);
        for (var i = 0; i < 200; i++)
        {
            Assert.All(PerNode(set.PlaceNew(Guid.NewGuid(), 4, 2, "node")), p => Assert.Equal(2, p.Value));
        }
    }

    [Fact]
    public void WithANodesDisksDeclaredFailedSegmentsGoToTheOtherNodesThreeAndThreeNotToTheFailedDisks()
    {
        // The down-out interval ran out for a node (absent or only unreachable): its disks are failed, and the other
        // two nodes cannot hold RS(4,2) at two per node. Placing on the failed disks would leave k fragments and refuse
        // every coded write (StoragePortCutTests found it); they spread over the others as while the node was absent.
        var disks = Nodes(3, 4);
        var set = new ErasureSet(disks, new ErasurePolicy(4, 2, 4096, "node"));
        set.SetAbsent(disks.Where(d => d.Labels.Node == "n3").Select(d => d.Id));
        foreach (var disk in disks.Where(d => d.Labels.Node == "n3"))
        {
            set.SetState(disk.Id, DiskState.Failed);
        }

        Assert.True(set.WritesDegraded);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(new Dictionary<string, int> { ["n1"] = 3, ["n2"] = 3 }, PerNode(set.PlaceNew(Guid.NewGuid(), 4, 2, "node")));
        }

        // The same once it is back in the membership but still failed (not yet active again).
        set.SetAbsent([]);
        Assert.True(set.WritesDegraded);
        Assert.Equal(new Dictionary<string, int> { ["n1"] = 3, ["n2"] = 3 }, PerNode(set.PlaceNew(Guid.NewGuid(), 4, 2, "node")));
    }

    [Fact]
    public void TooFewPresentDisksKeepTheNormalPlacementAndWritesFallToTheQuorum()
    {
        // Two nodes of two disks present: four disks cannot take six fragments, so nothing is degraded; placement
        // still names the absent node's disks and writes to them fail (down to the k + 1 quorum, or refused).
        var disks = Nodes(3, 2);
        var set = new ErasureSet(disks, new ErasurePolicy(4, 2, 4096, "node"));
        set.SetAbsent(disks.Where(d => d.Labels.Node == "n3").Select(d => d.Id));
        Assert.False(set.WritesDegraded);
        Assert.All(PerNode(set.PlaceNew(Guid.NewGuid(), 4, 2, "node")), p => Assert.Equal(2, p.Value));
    }

    [Fact]
    public void PlaceSpreadUsesTheLeastLimitTheDomainsAllow()
    {
        var placement = new Placement(Nodes(2, 4));
        Assert.Throws<PlacementException>(() => placement.Place(Guid.NewGuid(), 4, 2, "node"));
        Assert.Equal(new Dictionary<string, int> { ["n1"] = 3, ["n2"] = 3 }, PerNode(placement.PlaceSpread(Guid.NewGuid(), 4, 2, "node")));

        // Uneven domains: 5 + 1 disks hold 5 + 1 fragments, the least crowding possible.
        var uneven = new Placement([.. Nodes(1, 5), .. Nodes(2, 1).Where(d => d.Labels.Node == "n2")]);
        Assert.Equal(new Dictionary<string, int> { ["n1"] = 5, ["n2"] = 1 }, PerNode(uneven.PlaceSpread(Guid.NewGuid(), 4, 2, "node")));
        Assert.Throws<PlacementException>(() => new Placement(Nodes(1, 5)).PlaceSpread(Guid.NewGuid(), 4, 2, "node"));
    }
}
