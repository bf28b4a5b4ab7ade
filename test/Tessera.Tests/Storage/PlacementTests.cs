using CsCheck;
using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>Placement: distinct disks, failure-domain limits, determinism, balance and movement.</summary>
public sealed class PlacementTests
{
    private static readonly string[] Levels = ["zone", "rack", "node", "disk"];

    [Fact]
    public void EveryShardGetsADistinctDiskOfTheTopology()
    {
        var disks = Flat(12);
        var placement = new Placement(disks);
        var ids = disks.Select(d => d.Id).ToHashSet();
        var random = new Random(1);
        for (var i = 0; i < 1000; i++)
        {
            var placed = placement.Place(NewGuid(random), 8, 4, "disk");
            Assert.Equal(12, placed.Length);
            Assert.Equal(12, placed.Distinct().Count());
            Assert.All(placed, id => Assert.Contains(id, ids));
        }
    }

    [Fact]
    public void PlacementIsDeterministicAndIgnoresDiskOrder()
    {
        var disks = Racks(3, 3, 4, 2);
        var placement = new Placement(disks);
        var shuffled = new Placement(disks.AsEnumerable().Reverse().ToArray());
        var random = new Random(2);
        for (var i = 0; i < 500; i++)
        {
            var segment = NewGuid(random);
            var placed = placement.Place(segment, 4, 2, "rack");
            Assert.Equal(placed, placement.Place(segment, 4, 2, "rack"));
            Assert.Equal(placed, new Placement(disks).Place(segment, 4, 2, "rack"));
            Assert.Equal(placed, shuffled.Place(segment, 4, 2, "rack"));
        }
    }

    [Fact]
    public void NoDomainEverHoldsMoreThanTheLimit()
    {
        var cases = Gen.Select(
            Gen.Int[1, 8].SelectMany(racks => Gen.Int[1, 5].Array[racks]),
            Gen.Int[1, 8],
            Gen.Int[0, 4],
            Gen.OneOf(Levels),
            Gen.Int);
        cases.Sample(
            c =>
            {
                var (rackSizes, k, m, level, seed) = c;
                var random = new Random(seed);
                var disks = Racks(random, rackSizes);
                var total = k + m;
                var domainSizes = disks.GroupBy(d => d.Labels.Domain(level, d.Id)).Select(g => g.Count()).ToArray();
                var domains = domainSizes.Length;
                var placement = new Placement(disks);

                // Independent statement of the rule: the smallest limit from ⌈n / domains⌉ up to m that fits.
                var least = domains >= total ? 1 : (total + domains - 1) / domains;
                int? expected = disks.Length < total
                    ? null
                    : domains >= total
                        ? 1
                        : Enumerable.Range(least, Math.Max(0, m - least + 1))
                            .Select(l => (int?)l)
                            .FirstOrDefault(l => domainSizes.Sum(s => Math.Min(l!.Value, s)) >= total);
                int limit;
                try
                {
                    limit = placement.MaxFragmentsPerDomain(k, m, level);
                }
                catch (PlacementException)
                {
                    Assert.Throws<PlacementException>(() => Placement.Validate(disks, k, m, level));
                    Assert.Throws<PlacementException>(() => placement.Place(Guid.NewGuid(), k, m, level));
                    return expected is null;
                }

                Assert.Equal(expected, limit);
                Assert.True(domains >= total || limit <= m, "a domain loss would lose more than m fragments");
                Placement.Validate(disks, k, m, level);
                var domainOf = disks.ToDictionary(d => d.Id, d => d.Labels.Domain(level, d.Id));
                for (var i = 0; i < 20; i++)
                {
                    var placed = placement.Place(NewGuid(random), k, m, level);
                    if (placed.Length != total || placed.Distinct().Count() != total)
                    {
                        return false;
                    }

                    if (placed.GroupBy(id => domainOf[id]).Any(g => g.Count() > limit))
                    {
                        return false;
                    }
                }

                return true;
            },
            iter: 400);
    }

    [Fact]
    public void ValidateExplainsImpossiblePolicies()
    {
        var twoRacks = Racks(3, 3);
        var e = Assert.Throws<PlacementException>(() => Placement.Validate(twoRacks, 4, 2, "rack"));
        Assert.Equal("RS(4,2) over 'rack' needs at least 3 racks; the topology has 2.", e.Message);

        e = Assert.Throws<PlacementException>(() => Placement.Validate(Flat(5), 4, 2, "disk"));
        Assert.Equal("RS(4,2) needs at least 6 disks; the topology has 5.", e.Message);

        // Three racks, but one has a single disk: at most 2 per rack fits only 5 fragments.
        e = Assert.Throws<PlacementException>(() => Placement.Validate(Racks(1, 4, 4), 4, 2, "rack"));
        Assert.StartsWith("RS(4,2) over 'rack' cannot place 6 fragments with at most 2 per rack", e.Message);

        Assert.Throws<ArgumentException>(() => Placement.Validate(Flat(6), 4, 2, "row"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Placement.Validate(Flat(6), 0, 2, "disk"));
        Assert.Throws<ArgumentException>(() => new Placement([.. Flat(3), .. Flat(1)]));
    }

    [Fact]
    public void TheLimitRisesTowardsMOnlyWhenSmallDomainsRequireIt()
    {
        Assert.Equal(2, new Placement(Racks(2, 2, 2)).MaxFragmentsPerDomain(4, 2, "rack"));
        Assert.Equal(1, new Placement(Racks(2, 2, 2, 2, 2, 2)).MaxFragmentsPerDomain(4, 2, "rack"));
        Assert.Equal(3, new Placement(Racks(5, 5, 5)).MaxFragmentsPerDomain(4, 4, "rack"));

        // ⌈8 / 3⌉ = 3 per rack would fit only 1 + 3 + 3 = 7 fragments; 4 (= m) still survives a rack loss.
        var uneven = new Placement(Racks(1, 10, 10));
        Assert.Equal(4, uneven.MaxFragmentsPerDomain(4, 4, "rack"));
        var placed = uneven.Place(Guid.NewGuid(), 4, 4, "rack");
        Assert.All(placed.GroupBy(id => id[..2]), g => Assert.True(g.Count() <= 4));
    }

    [Fact]
    public void FragmentsAndDataShardsSpreadEvenly()
    {
        const int Segments = 12_000;
        var disks = Flat(12);
        var placement = new Placement(disks);
        var load = new Dictionary<string, int>();
        var firstShard = new Dictionary<string, int>();
        var random = new Random(3);
        for (var i = 0; i < Segments; i++)
        {
            var placed = placement.Place(NewGuid(random), 4, 2, "disk");
            foreach (var id in placed)
            {
                load[id] = load.GetValueOrDefault(id) + 1;
            }

            firstShard[placed[0]] = firstShard.GetValueOrDefault(placed[0]) + 1;
        }

        // Expected 6,000 fragments and 1,000 index-0 shards per disk.
        Assert.All(disks, d => Assert.InRange(load[d.Id], 5_700, 6_300));
        Assert.All(disks, d => Assert.InRange(firstShard[d.Id], 850, 1_150));
    }

    [Fact]
    public void HeavierDisksGetMoreFragments()
    {
        var disks = Flat(11).Append(new TestDisk("heavy", new DiskLabels("z", "r", "n"), weight: 2)).ToArray();
        var placement = new Placement(disks);
        var load = new Dictionary<string, int>();
        var random = new Random(4);
        for (var i = 0; i < 10_000; i++)
        {
            foreach (var id in placement.Place(NewGuid(random), 2, 1, "disk"))
            {
                load[id] = load.GetValueOrDefault(id) + 1;
            }
        }

        var light = disks.Take(11).Average(d => load[d.Id]);
        Assert.InRange(load["heavy"] / light, 1.7, 2.1);
    }

    [Theory]
    [InlineData("disk", 4, 2)]
    [InlineData("disk", 8, 4)]
    [InlineData("rack", 4, 2)]
    public void AddingADiskMovesLittleMoreThanItsShare(string level, int k, int m)
    {
        const int Segments = 10_000;

        // Twelve disks: one per rack for the disk level, else four racks of three; the new disk joins rack r0.
        var before = level == "disk" ? Flat(12) : Racks(3, 3, 3, 3);
        var added = TestDisk.InRack("new", level == "disk" ? "r-new" : "r0");
        var after = before.Append(added).ToArray();
        var old = new Placement(before);
        var grown = new Placement(after);
        var random = new Random(5);
        var moved = 0;
        var movedElsewhere = 0;
        var segmentsChanged = 0;
        for (var i = 0; i < Segments; i++)
        {
            var segment = NewGuid(random);
            var a = old.Place(segment, k, m, level);
            var b = grown.Place(segment, k, m, level);
            var changed = 0;
            for (var j = 0; j < a.Length; j++)
            {
                if (a[j] != b[j])
                {
                    changed++;
                    movedElsewhere += b[j] == added.Id ? 0 : 1;
                }
            }

            moved += changed;
            segmentsChanged += changed > 0 ? 1 : 0;
        }

        var fraction = moved / (double)(Segments * (k + m));
        var ideal = 1.0 / 13;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{level} RS({k},{m}) 12→13 disks: {fraction:P2} of fragments moved (ideal {ideal:P2}, ratio {fraction / ideal:F2}); "
            + $"{movedElsewhere} of {moved} moves to an old disk; {segmentsChanged / (double)Segments:P1} of segments touched.");
        Assert.True(fraction < 2 * ideal, $"{fraction:P2} of fragments moved; ideal is {ideal:P2}");
    }

    [Fact]
    public void PlaceAllocatesOnlyItsResult()
    {
        var placement = new Placement(Racks(4, 4, 4, 4));
        var segments = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var segment in segments)
        {
            placement.Place(segment, 8, 4, "rack");
        }

        // The least of three rounds: a one-off allocation of the runtime (tiered recompilation, a lazily
        // built table) can land inside any single round and is not the method's cost per call.
        var perCall = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var segment in segments)
            {
                placement.Place(segment, 8, 4, "rack");
            }

            perCall = Math.Min(perCall, (GC.GetAllocatedBytesForCurrentThread() - before) / segments.Length);
        }

        Assert.True(perCall <= 24 + (12 * 8), $"{perCall} bytes per Place");
    }

    /// <summary><paramref name="count"/> disks d00.., each in its own rack and node.</summary>
    private static TestDisk[] Flat(int count) =>
        Enumerable.Range(0, count).Select(i => TestDisk.InRack($"d{i:00}", $"r{i:00}")).ToArray();

    /// <summary>Racks r0.. with the given numbers of disks; disk ids start with the rack's index digit pair.</summary>
    private static TestDisk[] Racks(params int[] sizes) => Racks(null, sizes);

    private static TestDisk[] Racks(Random? random, int[] sizes)
    {
        var disks = new List<TestDisk>();
        for (var r = 0; r < sizes.Length; r++)
        {
            for (var i = 0; i < sizes[r]; i++)
            {
                var weight = random is null ? 1 : 0.5 + (random.NextDouble() * 2.5);
                var labels = new DiskLabels($"z{r % 3}", $"r{r}", $"n{r}-{i / 2}");
                disks.Add(new TestDisk($"{r:00}-disk{i}", labels, weight));
            }
        }

        return [.. disks];
    }

    private static Guid NewGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}
