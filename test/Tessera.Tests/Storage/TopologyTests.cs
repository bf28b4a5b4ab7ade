using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>Topology changes while running: disk states, replacement placement, and disk probes.</summary>
public sealed class TopologyTests : IDisposable
{
    private static readonly ErasurePolicy RackPolicy = new(4, 2, 4096, "rack");

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ReplacementKeepsTheDomainRuleAndPrefersTheIdealDisk()
    {
        // 4 racks of 3: at most 2 of the 6 fragments per rack.
        var disks = Racks(4, 3);
        var placement = new Placement(disks);
        var byId = disks.ToDictionary(d => d.Id);
        var random = new Random(3);
        for (var round = 0; round < 500; round++)
        {
            var segment = NewGuid(random);
            var placed = placement.Place(segment, 4, 2, "rack");
            var lost = Enumerable.Range(0, 6).OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToHashSet();
            var kept = placed.Select((id, i) => lost.Contains(i) ? null : (IDisk)byId[id]).ToArray();

            // The same topology: the moving indices go back where placement puts them.
            Assert.Equal(placed, placement.Replace(segment, 4, 2, "rack", kept));

            // Rack r0 fails: everything on it moves, to other racks, never more than 2 per rack.
            var survivors = new Placement(disks.Where(d => d.Labels.Rack != "r0").ToArray());
            var keptOffRack = placed.Select(id => byId[id].Labels.Rack == "r0" ? null : (IDisk)byId[id]).ToArray();
            var moved = survivors.Replace(segment, 4, 2, "rack", keptOffRack);
            Assert.All(moved, id => Assert.NotNull(id));
            Assert.Equal(6, moved.Distinct().Count());
            Assert.All(moved.GroupBy(id => byId[id!].Labels.Rack), g => Assert.True(g.Count() <= 2));
            Assert.DoesNotContain(moved, id => byId[id!].Labels.Rack == "r0");
            for (var i = 0; i < 6; i++)
            {
                if (keptOffRack[i] is not null)
                {
                    Assert.Equal(placed[i], moved[i]);
                }
            }
        }
    }

    [Fact]
    public void ReplacementGivesNullWhenNoDiskKeepsTheRule()
    {
        // Six disks, RS(4,2) over disks: with one gone there is nowhere to rebuild.
        var disks = Racks(6, 1);
        var survivors = new Placement(disks.Skip(1).ToArray());
        var kept = disks.Select((d, i) => i == 0 ? null : (IDisk)d).ToArray();
        var result = survivors.Replace(Guid.NewGuid(), 4, 2, "disk", kept);
        Assert.Null(result[0]);
        Assert.Equal(disks.Skip(1).Select(d => d.Id), result.Skip(1));
    }

    [Fact]
    public void StatesChangePlacementAndDrainIsRefusedWhenItCouldNeverFinish()
    {
        var disks = Racks(4, 3);
        var set = new ErasureSet(disks, RackPolicy);
        Assert.Equal(12, set.Placement.Disks.Count);
        var generation = set.Generation;

        Assert.True(set.SetState("r1-d0", DiskState.Draining));
        Assert.False(set.SetState("r1-d0", DiskState.Draining));
        Assert.True(set.Generation > generation);
        Assert.NotNull(set.Disk("r1-d0")); // Draining disks are still read.
        Assert.DoesNotContain(set.Placement.Disks, d => d.Id == "r1-d0");

        Assert.True(set.SetState("r2-d0", DiskState.Failed));
        Assert.Null(set.Disk("r2-d0")); // Failed disks are not.
        Assert.NotNull(set.KnownDisk("r2-d0"));
        Assert.Equal(DiskState.Failed, set.StateOf("r2-d0"));
        Assert.Equal(10, set.ActivePlacement!.Disks.Count);

        // Draining a whole rack leaves 3 racks: 2 per rack still holds 6 fragments.
        set.SetState("r0-d0", DiskState.Draining);
        set.SetState("r0-d1", DiskState.Draining);
        set.SetState("r0-d2", DiskState.Draining);

        // Racks r1 and r2 have two active disks left each: draining one more would leave 1 + 2 + 2 = 5 places for
        // 6 fragments. Refused, and nothing changed.
        var before = set.Generation;
        var error = Assert.Throws<PlacementException>(() => set.SetState("r1-d1", DiskState.Draining));
        Assert.Contains("rack", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, set.Generation);
        Assert.Equal(DiskState.Active, set.StateOf("r1-d1"));

        set.SetState("r2-d0", DiskState.Active);
        Assert.NotNull(set.Disk("r2-d0"));
    }

    [Fact]
    public void TooFewActiveDisksFallBackToWritingOverFailedOnes()
    {
        // Six disks for RS(4,2): one failed leaves five active, so writes keep placing over six (the failed
        // disk's fragment is skipped by the writer, within the write quorum) instead of refusing every PUT.
        var disks = Racks(6, 1);
        var set = new ErasureSet(disks, new ErasurePolicy(4, 2, 4096, "disk"));
        set.SetState(disks[0].Id, DiskState.Failed);
        Assert.Equal(6, set.Placement.Disks.Count);
        Assert.Equal(5, set.ActivePlacement!.Disks.Count);
        Assert.Throws<PlacementException>(() => set.SetState(disks[1].Id, DiskState.Draining));
    }

    [Fact]
    public void AddedDisksTakeNewWritesAndMoveFewFragments()
    {
        var disks = Racks(12, 1);
        var set = new ErasureSet(disks, new ErasurePolicy(4, 2, 4096, "disk"));
        var random = new Random(5);
        var segments = Enumerable.Range(0, 4000).Select(_ => NewGuid(random)).ToList();
        var before = segments.Select(s => set.Placement.Place(s, 4, 2, "disk")).ToList();
        set.AddDisk(new TestDisk("r12-d0", new DiskLabels("z", "r12", "n12")));
        var after = segments.Select(s => set.Placement.Place(s, 4, 2, "disk")).ToList();
        var moved = before.Zip(after).Sum(p => p.First.Zip(p.Second).Count(x => x.First != x.Second));
        var fraction = moved / (double)(segments.Count * 6);

        // The ideal share of a 13th disk is 1/13 (7.7 %) of the fragments.
        Assert.InRange(fraction, 0.05, 0.12);
        Assert.Contains(after, placed => placed.Contains("r12-d0"));
        Assert.Throws<ArgumentException>(() => set.AddDisk(new TestDisk("r12-d0", new DiskLabels("z", "r", "n"))));
    }

    [Fact]
    public async Task ProbeTellsHealthyMissingBlankAndForeignDisks()
    {
        var path = Path.Join(_root.Path, "disk1");
        var disk = new LocalDisk("disk1", path, new DiskLabels("z", "r", "n"));
        Assert.True(disk.FormattedAtOpen);
        Assert.Equal(DiskProbe.Healthy, disk.Probe());
        Assert.Equal("disk1", File.ReadAllText(Path.Join(path, "tessera-disk.id")).Trim());

        Directory.Delete(path, recursive: true);
        Assert.Equal(DiskProbe.Missing, disk.Probe());

        // A vanished disk is never silently recreated by a write.
        var header = new FragmentHeader(new FragmentId(Guid.NewGuid(), 0), 4, 2, 4096, 10, "b", "k", "v", 0);
        await Assert.ThrowsAnyAsync<IOException>(async () => await disk.CreateFragmentAsync(header, TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(path));

        Directory.CreateDirectory(path);
        Assert.Equal(DiskProbe.Blank, disk.Probe());
        disk.Format();
        Assert.Equal(DiskProbe.Healthy, disk.Probe());

        File.WriteAllText(Path.Join(path, "tessera-disk.id"), "disk9\n");
        Assert.Equal(DiskProbe.Foreign, disk.Probe());
        var error = Assert.Throws<IOException>(() => new LocalDisk("disk1", path, new DiskLabels("z", "r", "n")));
        Assert.Contains("disk9", error.Message, StringComparison.Ordinal);

        // Reopening a formatted disk is not a replacement.
        File.WriteAllText(Path.Join(path, "tessera-disk.id"), "disk1\n");
        Assert.False(new LocalDisk("disk1", path, new DiskLabels("z", "r", "n")).FormattedAtOpen);
    }

    [Theory]
    [InlineData(4, 2, "rack", new[] { 3, 3, 3, 3 })]
    [InlineData(4, 2, "rack", new[] { 2, 2, 2 })]
    [InlineData(8, 4, "rack", new[] { 3, 3, 3, 3, 3, 3 })]
    [InlineData(8, 4, "rack", new[] { 4, 4, 4, 4 })]
    [InlineData(6, 3, "rack", new[] { 5, 2, 2, 2, 2 })]
    [InlineData(10, 4, "node", new[] { 2, 2, 2, 2, 2, 2, 2, 2 })]
    public void EveryStripeSurvivesTheLossOfAnyDomainsHoldingAtMostMOfItsFragments(int k, int m, string level, int[] rackSizes)
    {
        var disks = new List<TestDisk>();
        for (var r = 0; r < rackSizes.Length; r++)
        {
            for (var i = 0; i < rackSizes[r]; i++)
            {
                disks.Add(new TestDisk($"r{r}-d{i}", new DiskLabels("z", $"r{r}", $"n{r}-{i / 2}")));
            }
        }

        var placement = new Placement(disks);
        var domainOf = disks.ToDictionary(d => d.Id, d => d.Labels.Domain(level, d.Id));
        var domains = domainOf.Values.Distinct().Order(StringComparer.Ordinal).ToArray();
        var codec = new Tessera.Erasure.ReedSolomon(k, m);
        var random = new Random(k * 100 + m);
        const int Length = 64;
        for (var round = 0; round < 50; round++)
        {
            var placed = placement.Place(NewGuid(random), k, m, level);
            var shards = new Memory<byte>[k + m];
            for (var i = 0; i < k + m; i++)
            {
                shards[i] = new byte[Length];
                if (i < k)
                {
                    random.NextBytes(shards[i].Span);
                }
            }

            codec.Encode(shards);
            var original = shards.Select(x => x.ToArray()).ToArray();

            // Every single domain holds at most m fragments, and every set of domains holding at most m in total
            // can be lost: the stripe still decodes to the same bytes.
            Assert.All(domains, d => Assert.True(placed.Count(id => domainOf[id] == d) <= m));
            for (var mask = 1; mask < 1 << domains.Length; mask++)
            {
                var lost = Enumerable.Range(0, k + m).Where(i => (mask & (1 << Array.IndexOf(domains, domainOf[placed[i]]))) != 0).ToList();
                if (lost.Count > m)
                {
                    continue;
                }

                var present = new bool[k + m];
                for (var i = 0; i < k + m; i++)
                {
                    present[i] = !lost.Contains(i);
                    if (!present[i])
                    {
                        shards[i].Span.Clear();
                    }
                }

                codec.Reconstruct(shards, present);
                for (var i = 0; i < k + m; i++)
                {
                    Assert.True(original[i].AsSpan().SequenceEqual(shards[i].Span));
                }
            }
        }
    }

    private static TestDisk[] Racks(int racks, int perRack) =>
        [.. Enumerable.Range(0, racks).SelectMany(r => Enumerable.Range(0, perRack)
            .Select(i => new TestDisk($"r{r}-d{i}", new DiskLabels("z", $"r{r}", $"n{r}-{i}"))))];

    private static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}
