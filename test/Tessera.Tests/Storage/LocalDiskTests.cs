using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>Fragment files on a <see cref="LocalDisk"/>: round trips, crash leftovers, bitrot and corruption.</summary>
public sealed class LocalDiskTests : IDisposable
{
    private const int K = 4;
    private const int M = 2;
    private const int ShardSize = 1000;
    private const int Stripe = K * ShardSize;

    private static readonly DiskLabels Labels = new("z1", "r1", "n1");

    private readonly TempDirectory _root = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _root.Dispose();

    public static TheoryData<long, int> Sizes => new()
    {
        { 0, 0 },
        { 1, 0 },
        { 1, K + M - 1 },
        { 3, 1 },
        { Stripe - 1, 2 },
        { Stripe, 3 },
        { Stripe + 1, 4 },
        { 3 * Stripe, 5 },
        { (3 * Stripe) + 1234, 0 },
        { (7 * Stripe) + 4001, 5 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task WriteCommitReadRoundTrips(long segmentSize, int index)
    {
        var disk = NewDisk();
        var header = Header(segmentSize, index, key: "photos/2024/cat.jpg");
        var blocks = await WriteAsync(disk, header, new Random((int)segmentSize));

        Assert.Equal(header.StripeCount, blocks.Length);
        using var reader = disk.OpenFragment(header.Id);
        Assert.NotNull(reader);
        Assert.Equal(header, reader.Header);
        for (var s = 0; s < blocks.Length; s++)
        {
            var buffer = new byte[header.BlockLength(s)];
            Assert.True(await reader.TryReadBlockAsync(s, buffer, Token), $"block {s}");
            Assert.Equal(blocks[s], buffer);
        }

        var file = new FileInfo(disk.FragmentPath(header.Id));
        var headerLength = FragmentFormat.Encode(header).Length;
        Assert.Equal(FragmentFormat.FileLength(header, headerLength), file.Length);
        Assert.Empty(Directory.EnumerateFiles(Path.Join(disk.Root, "tmp")));
    }

    [Fact]
    public async Task BlocksStartOnAPageAndFollowEachOtherWithTheirChecksums()
    {
        var disk = NewDisk();
        var header = Header((2 * Stripe) + 10, 0);
        var blocks = await WriteAsync(disk, header, new Random(1));
        var bytes = await File.ReadAllBytesAsync(disk.FragmentPath(header.Id), Token);

        Assert.Equal("TSRFRAG1"u8.ToArray(), bytes[..8]);
        Assert.Equal(blocks[0], bytes[4096..(4096 + ShardSize)]);
        Assert.Equal(blocks[1], bytes[(4096 + ShardSize + 8)..(4096 + (2 * ShardSize) + 8)]);
        Assert.Equal(blocks[2], bytes[(4096 + (2 * (ShardSize + 8)))..^8]);
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(blocks[2]), BitConverter.ToUInt64(bytes.AsSpan(bytes.Length - 8)));
    }

    [Fact]
    public async Task ConcurrentReadsOfDifferentBlocksAllSucceed()
    {
        var disk = NewDisk();
        var header = Header((40 * Stripe) - 7, 1);
        var blocks = await WriteAsync(disk, header, new Random(2));
        using var reader = disk.OpenFragment(header.Id)!;

        var reads = Enumerable.Range(0, blocks.Length * 3).Select(async i =>
        {
            var stripe = i % blocks.Length;
            var buffer = new byte[header.BlockLength(stripe)];
            return await reader.TryReadBlockAsync(stripe, buffer, Token) && buffer.AsSpan().SequenceEqual(blocks[stripe]);
        });

        Assert.All(await Task.WhenAll(reads), Assert.True);
    }

    [Fact]
    public async Task UncommittedWriterLeavesNothingBehind()
    {
        var disk = NewDisk();
        var header = Header(2 * Stripe, 0);
        await using (var writer = await disk.CreateFragmentAsync(header, Token))
        {
            await writer.WriteBlockAsync(new byte[ShardSize], Token);
            Assert.Single(Directory.EnumerateFiles(Path.Join(disk.Root, "tmp")));
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Join(disk.Root, "tmp")));
        Assert.Empty(Directory.EnumerateFiles(Path.Join(disk.Root, "fragments"), "*", SearchOption.AllDirectories));
        Assert.Null(disk.OpenFragment(header.Id));
        Assert.Empty(disk.ListFragments());
    }

    [Fact]
    public async Task WriterRejectsWrongLengthsMissingAndExtraBlocks()
    {
        var disk = NewDisk();
        var header = Header(Stripe + 8, 0);
        await using var writer = await disk.CreateFragmentAsync(header, Token);

        await Assert.ThrowsAsync<ArgumentException>(async () => await writer.WriteBlockAsync(new byte[ShardSize - 1], Token));
        await writer.WriteBlockAsync(new byte[ShardSize], Token);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CommitAsync(Token));
        await writer.WriteBlockAsync(new byte[2], Token);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteBlockAsync(new byte[2], Token));
        await writer.CommitAsync(Token);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CommitAsync(Token));
        Assert.NotNull(disk.OpenFragment(header.Id));
    }

    [Fact]
    public async Task InvalidHeadersAreRejected()
    {
        var disk = NewDisk();
        var id = new FragmentId(Guid.NewGuid(), 6);
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await disk.CreateFragmentAsync(new FragmentHeader(id, 4, 2, 1000, 10, "b", "k", "v", 0), Token));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await disk.CreateFragmentAsync(new FragmentHeader(id with { Index = 0 }, 4, 2, 0, 10, "b", "k", "v", 0), Token));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await disk.CreateFragmentAsync(new FragmentHeader(id with { Index = 0 }, 4, 2, 10, 10, "b", new string('x', 70_000), "v", 0), Token));
        Assert.Empty(Directory.EnumerateFiles(Path.Join(disk.Root, "tmp")));
    }

    [Fact]
    public async Task AFlippedByteFailsOnlyItsOwnBlock()
    {
        var disk = NewDisk();
        var header = Header((3 * Stripe) + 1001, 2);
        var blocks = await WriteAsync(disk, header, new Random(3));
        var path = disk.FragmentPath(header.Id);
        var original = await File.ReadAllBytesAsync(path, Token);
        var blockStart = FragmentFormat.BlockStart(FragmentFormat.Encode(header).Length);

        for (var target = 0; target < blocks.Length; target++)
        {
            var offset = FragmentFormat.BlockOffset(blockStart, ShardSize, target);
            var length = header.BlockLength(target);

            // First and last byte of the block, a middle byte, and a byte of its checksum.
            foreach (var position in new[] { offset, offset + (length / 2), offset + length - 1, offset + length + 3 })
            {
                var corrupt = (byte[])original.Clone();
                corrupt[position] ^= 0x10;
                await File.WriteAllBytesAsync(path, corrupt, Token);

                using var reader = disk.OpenFragment(header.Id)!;
                for (var s = 0; s < blocks.Length; s++)
                {
                    var buffer = new byte[header.BlockLength(s)];
                    Assert.Equal(s != target, await reader.TryReadBlockAsync(s, buffer, Token));
                }
            }
        }
    }

    [Fact]
    public async Task TruncatedFileFailsTheMissingBlocks()
    {
        var disk = NewDisk();
        var header = Header(3 * Stripe, 0);
        await WriteAsync(disk, header, new Random(4));
        var path = disk.FragmentPath(header.Id);
        var blockStart = FragmentFormat.BlockStart(FragmentFormat.Encode(header).Length);

        // Lose the last checksum byte: only block 2 fails.
        await TruncateAsync(path, new FileInfo(path).Length - 1);
        Assert.Equal(new[] { true, true, false }, await ReadAllAsync(disk, header));

        // Cut inside block 1.
        await TruncateAsync(path, FragmentFormat.BlockOffset(blockStart, ShardSize, 1) + 10);
        Assert.Equal(new[] { true, false, false }, await ReadAllAsync(disk, header));

        // Only the header is left.
        await TruncateAsync(path, blockStart - 100);
        Assert.Equal(new[] { false, false, false }, await ReadAllAsync(disk, header));
    }

    [Fact]
    public async Task ACorruptOrTruncatedHeaderMakesTheFragmentMissing()
    {
        var disk = NewDisk();
        var header = Header(Stripe, 3, key: "k", versionId: "v1");
        await WriteAsync(disk, header, new Random(5));
        var path = disk.FragmentPath(header.Id);
        var original = await File.ReadAllBytesAsync(path, Token);
        var headerLength = FragmentFormat.Encode(header).Length;

        for (var position = 0; position < headerLength; position++)
        {
            var corrupt = (byte[])original.Clone();
            corrupt[position] ^= 0x01;
            await File.WriteAllBytesAsync(path, corrupt, Token);
            Assert.Null(disk.OpenFragment(header.Id));
        }

        foreach (var length in new[] { 0, 7, 16, headerLength - 1 })
        {
            await File.WriteAllBytesAsync(path, original[..length], Token);
            Assert.Null(disk.OpenFragment(header.Id));
        }

        await File.WriteAllBytesAsync(path, original, Token);
        Assert.NotNull(disk.OpenFragment(header.Id));
    }

    [Fact]
    public async Task AFileUnderAnotherFragmentsNameIsMissing()
    {
        var disk = NewDisk();
        var header = Header(Stripe, 0);
        await WriteAsync(disk, header, new Random(6));
        var other = header.Id with { Index = 1 };
        File.Copy(disk.FragmentPath(header.Id), disk.FragmentPath(other));

        Assert.Null(disk.OpenFragment(other));
        Assert.Null(disk.OpenFragment(new FragmentId(Guid.NewGuid(), 0)));
    }

    [Fact]
    public async Task OpeningADiskDeletesTempLeftovers()
    {
        var disk = NewDisk();
        var header = Header(2 * Stripe, 0);

        // A crash mid-write: the writer is never disposed.
        var writer = await disk.CreateFragmentAsync(header, Token);
        await writer.WriteBlockAsync(new byte[ShardSize], Token);
        await File.WriteAllTextAsync(Path.Join(disk.Root, "tmp", "junk.tmp"), "x", Token);
        Assert.Equal(2, Directory.EnumerateFiles(Path.Join(disk.Root, "tmp")).Count());

        var committed = Header(1, 0);
        await WriteAsync(disk, committed, new Random(7));
        var reopened = new LocalDisk("d1", disk.Root, Labels);

        Assert.Empty(Directory.EnumerateFiles(Path.Join(disk.Root, "tmp")));
        Assert.Equal(new[] { committed.Id }, reopened.ListFragments());
        Assert.NotNull(reopened.OpenFragment(committed.Id));
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task ListFragmentsReturnsExactlyTheCommittedOnes()
    {
        var disk = NewDisk();
        var committed = new List<FragmentId>();
        for (var i = 0; i < 40; i++)
        {
            var header = Header(i * 100, i % (K + M));
            await WriteAsync(disk, header, new Random(i));
            committed.Add(header.Id);
        }

        await using (var pending = await disk.CreateFragmentAsync(Header(1, 0), Token))
        {
            await pending.WriteBlockAsync(new byte[1], Token);

            // Files that are not canonical fragment names, or sit in the wrong subdirectory, are not fragments.
            var name = committed[0].ToString();
            var directory = Path.Join(disk.Root, "fragments", name[..2]);
            await File.WriteAllTextAsync(Path.Join(directory, name.ToUpperInvariant()), "x", Token);
            await File.WriteAllTextAsync(Path.Join(directory, name + ".bak"), "x", Token);
            await File.WriteAllTextAsync(Path.Join(directory, $"{committed[0].Segment:N}.01"), "x", Token);
            var wrong = Path.Join(disk.Root, "fragments", name[..2] == "00" ? "01" : "00");
            Directory.CreateDirectory(wrong);
            await File.WriteAllTextAsync(Path.Join(wrong, name), "x", Token);

            Assert.Equal(committed.ToHashSet(), disk.ListFragments().ToHashSet());
            Assert.Equal(committed.Count, disk.ListFragments().Count());
        }
    }

    [Fact]
    public async Task DeleteFragmentRemovesItOnce()
    {
        var disk = NewDisk();
        var keep = Header(10, 0);
        var drop = Header(10, 1);
        await WriteAsync(disk, keep, new Random(8));
        await WriteAsync(disk, drop, new Random(9));

        Assert.True(disk.DeleteFragment(drop.Id));
        Assert.False(disk.DeleteFragment(drop.Id));
        Assert.False(disk.DeleteFragment(new FragmentId(Guid.NewGuid(), 0)));
        Assert.Null(disk.OpenFragment(drop.Id));
        Assert.Equal(new[] { keep.Id }, disk.ListFragments());
    }

    [Fact]
    public async Task CommittingAgainReplacesTheFragment()
    {
        var disk = NewDisk();
        var header = Header(Stripe, 0);
        await WriteAsync(disk, header, new Random(10));
        var second = await WriteAsync(disk, header, new Random(11));

        using var reader = disk.OpenFragment(header.Id)!;
        var buffer = new byte[ShardSize];
        Assert.True(await reader.TryReadBlockAsync(0, buffer, Token));
        Assert.Equal(second[0], buffer);
        Assert.Single(disk.ListFragments());
    }

    [Fact]
    public async Task KeysNeverReachFileNamesAndRoundTrip()
    {
        var disk = NewDisk();
        var key = "../../escape/" + new string('é', 400) + "/\0/" + new string('k', 200);
        var header = Header(5, 0, key: key, versionId: "null");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(key) > 1000);
        await WriteAsync(disk, header, new Random(12));

        var files = Directory.EnumerateFiles(disk.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { disk.FragmentPath(header.Id), Path.Join(disk.Root, "tessera-disk.id") }, files);
        Assert.Equal(key, disk.OpenFragment(header.Id)!.Header.Key);
        Assert.False(Directory.Exists(Path.Join(_root.Path, "escape")));
    }

    [Fact]
    public async Task ReaderRejectsMisuse()
    {
        var disk = NewDisk();
        var header = Header(Stripe + 1, 0);
        await WriteAsync(disk, header, new Random(13));
        using var reader = disk.OpenFragment(header.Id)!;

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await reader.TryReadBlockAsync(2, new byte[1], Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await reader.TryReadBlockAsync(-1, new byte[1], Token));
        await Assert.ThrowsAsync<ArgumentException>(async () => await reader.TryReadBlockAsync(1, new byte[2], Token));
    }

    private LocalDisk NewDisk() => new("d1", Path.Join(_root.Path, "disk1"), Labels);

    private static FragmentHeader Header(long segmentSize, int index, string key = "key", string versionId = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY") =>
        new(new FragmentId(Guid.NewGuid(), index), K, M, ShardSize, segmentSize, "bucket", key, versionId, PartNumber: 0);

    /// <summary>Writes and commits random blocks; returns them.</summary>
    private static async ValueTask<byte[][]> WriteAsync(LocalDisk disk, FragmentHeader header, Random random)
    {
        var blocks = new byte[header.StripeCount][];
        await using var writer = await disk.CreateFragmentAsync(header, Token);
        for (var s = 0; s < blocks.Length; s++)
        {
            blocks[s] = new byte[header.BlockLength(s)];
            random.NextBytes(blocks[s]);
            await writer.WriteBlockAsync(blocks[s], Token);
        }

        await writer.CommitAsync(Token);
        return blocks;
    }

    private static async Task<bool[]> ReadAllAsync(LocalDisk disk, FragmentHeader header)
    {
        using var reader = disk.OpenFragment(header.Id);
        Assert.NotNull(reader);
        var results = new bool[header.StripeCount];
        for (var s = 0; s < results.Length; s++)
        {
            results[s] = await reader.TryReadBlockAsync(s, new byte[header.BlockLength(s)], Token);
        }

        return results;
    }

    private static async Task TruncateAsync(string path, long length)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
    }
}
