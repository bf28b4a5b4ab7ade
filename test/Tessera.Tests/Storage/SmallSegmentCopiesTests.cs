using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>
/// Small segments as m + 1 copies (RS(1, m)): chosen only while they take no more disk space than k + m fragments,
/// as measured here on the real fragment layout (header encoding, block offsets, checksums), not on the policy's
/// own arithmetic.
/// </summary>
public sealed class SmallSegmentCopiesTests
{
    /// <summary>The trailer a short key's recovery record makes, with its footer, as the policy assumes.</summary>
    private const int Trailer = 1024 + FragmentFormat.TrailerFooterLength;

    public static TheoryData<int, int, int> Codes => new()
    {
        { 4, 2, 256 * 1024 },
        { 6, 3, 256 * 1024 },
        { 8, 4, 256 * 1024 },
        { 10, 4, 256 * 1024 },
        { 17, 3, 256 * 1024 },
        { 2, 1, 256 * 1024 },
        { 4, 2, 4096 },
    };

    /// <summary>4 KiB blocks all fragment files of a <paramref name="length"/>-byte segment take, from the real format.</summary>
    private static long Blocks(int k, int m, int shardSize, long length)
    {
        var header = new FragmentHeader(new FragmentId(Guid.NewGuid(), 0), k, m, shardSize, length, "bucket", "key", "", 0);
        var file = FragmentFormat.FileLength(header, FragmentFormat.Encode(header).Length) + Trailer;
        return (k + m) * ((file + FragmentFormat.BlockAlignment - 1) / FragmentFormat.BlockAlignment);
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void EverySegmentUpToTheLimitTakesNoMoreSpaceAsCopies(int k, int m, int shardSize)
    {
        var policy = new ErasurePolicy(k, m, shardSize, "disk");
        var limit = policy.CopiedSegmentLimit();
        Assert.InRange(limit, 4096, shardSize);
        for (var length = 0L; length <= limit; length += length < 64 ? 1 : 61)
        {
            Assert.True(Blocks(1, m, shardSize, length) <= Blocks(k, m, shardSize, length), $"RS({k},{m}) {length} bytes");
        }

        Assert.True(Blocks(1, m, shardSize, limit) <= Blocks(k, m, shardSize, limit));
        if (limit < shardSize)
        {
            Assert.True(Blocks(1, m, shardSize, limit + 1) > Blocks(k, m, shardSize, limit + 1), $"RS({k},{m}) stops one byte early");
        }
    }

    [Fact]
    public void NothingIsCopiedWhenTheFlagIsOffOrTheCodeIsAlreadyCopies()
    {
        Assert.Equal(-1, new ErasurePolicy(4, 2, 256 * 1024, "disk") { CopySmallSegments = false }.CopiedSegmentLimit());
        Assert.Equal(-1, new ErasurePolicy(1, 2, 256 * 1024, "disk").CopiedSegmentLimit());
    }

    [Fact]
    public void TheSetPicksCopiesForSmallSegmentsOfEachClass()
    {
        var disks = Enumerable.Range(0, 9).Select(i => (IDisk)TestDisk.InRack($"d{i}", $"r{i % 9}")).ToList();
        var standard = new ErasurePolicy(4, 2, 256 * 1024, "disk");
        var classes = new Dictionary<string, ErasurePolicy> { ["STANDARD_IA"] = new(6, 3, 256 * 1024, "rack") };
        var set = new ErasureSet(disks, standard, classes);

        var small = set.PolicyFor(null, 4096);
        Assert.Equal((1, 2, 256 * 1024, "disk"), (small.DataShards, small.ParityShards, small.ShardSize, small.DomainLevel));
        Assert.Same(small, set.PolicyFor("STANDARD", 0));
        Assert.Same(standard, set.PolicyFor(null, 64 * 1024));
        Assert.Same(standard, set.PolicyFor(null, standard.CopiedSegmentLimit() + 1));

        var ia = set.PolicyFor("STANDARD_IA", 100);
        Assert.Equal((1, 3, "rack"), (ia.DataShards, ia.ParityShards, ia.DomainLevel));
        Assert.Same(classes["STANDARD_IA"], set.PolicyFor("STANDARD_IA", 1_000_000));

        // Repair spreads a copied segment over its class's domains, like the class's coded segments.
        Assert.Equal("rack", set.DomainLevelOf(1, 3, "STANDARD_IA"));
        Assert.Equal("disk", set.DomainLevelOf(1, 2, null));
    }

    [Fact]
    public void WithTheFlagOffEverySegmentIsCoded()
    {
        var disks = Enumerable.Range(0, 6).Select(i => (IDisk)TestDisk.InRack($"d{i}", $"r{i}")).ToList();
        var policy = new ErasurePolicy(4, 2, 256 * 1024, "disk") { CopySmallSegments = false };
        var set = new ErasureSet(disks, policy);
        Assert.Same(policy, set.PolicyFor(null, 1));
        Assert.Same(policy, set.PolicyFor(null, 0));
    }
}
