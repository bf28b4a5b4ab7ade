using System.Buffers.Binary;
using System.IO.Hashing;
using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>Fragment trailers (format version 2), completion records, and format version 1 files.</summary>
public sealed class FragmentTrailerTests : IDisposable
{
    private const int K = 4;
    private const int M = 2;
    private const int ShardSize = 1000;

    private readonly TempDirectory _root = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(1L, 100)]
    [InlineData(4000L, 5000)]
    [InlineData(12_345L, 37)]
    public async Task TrailerRoundTripsAndBlocksStayReadable(long segmentSize, int trailerLength)
    {
        var disk = NewDisk();
        var header = Header(segmentSize, index: 3);
        var trailer = new byte[trailerLength];
        new Random(trailerLength).NextBytes(trailer);
        var blocks = await WriteAsync(disk, header, trailer);

        using var reader = disk.OpenFragment(header.Id)!;
        Assert.Equal(trailer, reader.ReadTrailer());
        await AssertBlocksAsync(reader, blocks);
        var headerLength = FragmentFormat.Encode(header).Length;
        Assert.Equal(FragmentFormat.FileLength(header, headerLength) + trailerLength + FragmentFormat.TrailerFooterLength, new FileInfo(disk.FragmentPath(header.Id)).Length);
    }

    [Fact]
    public async Task NoTrailerReadsAsNull()
    {
        var disk = NewDisk();
        var header = Header(5000, index: 0);
        await WriteAsync(disk, header, trailer: []);
        using var reader = disk.OpenFragment(header.Id)!;
        Assert.Null(reader.ReadTrailer());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(60)]
    public async Task TruncatedTrailerIsNoTrailerAndBlocksStillRead(int cut)
    {
        var disk = NewDisk();
        var header = Header(9000, index: 1);
        var blocks = await WriteAsync(disk, header, new byte[50]);
        var path = disk.FragmentPath(header.Id);
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(file.Length - cut);
        }

        using var reader = disk.OpenFragment(header.Id)!;
        Assert.Null(reader.ReadTrailer());
        await AssertBlocksAsync(reader, blocks);
    }

    [Theory]
    [InlineData(0)] // first trailer byte
    [InlineData(49)] // last trailer byte
    [InlineData(50)] // length
    [InlineData(54)] // checksum
    [InlineData(58)] // magic
    public async Task CorruptTrailerIsNoTrailer(int offsetInTrailer)
    {
        var disk = NewDisk();
        var header = Header(9000, index: 2);
        var trailer = Enumerable.Range(0, 50).Select(i => (byte)i).ToArray();
        var blocks = await WriteAsync(disk, header, trailer);
        var path = disk.FragmentPath(header.Id);
        var start = FragmentFormat.FileLength(header, FragmentFormat.Encode(header).Length);
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.Position = start + offsetInTrailer;
            var b = file.ReadByte();
            file.Position = start + offsetInTrailer;
            file.WriteByte((byte)(b ^ 0x5A));
        }

        using var reader = disk.OpenFragment(header.Id)!;
        Assert.Null(reader.ReadTrailer());
        await AssertBlocksAsync(reader, blocks);
    }

    [Fact]
    public async Task ExtraBytesAfterTheTrailerMakeItInvalid()
    {
        var disk = NewDisk();
        var header = Header(100, index: 0);
        await WriteAsync(disk, header, [1, 2, 3]);
        await File.AppendAllTextAsync(disk.FragmentPath(header.Id), "x", Token);
        using var reader = disk.OpenFragment(header.Id)!;
        Assert.Null(reader.ReadTrailer());
    }

    [Fact]
    public async Task Version1FilesStillReadWithoutATrailer()
    {
        var disk = NewDisk();
        var header = Header(6000, index: 4);
        var region = FragmentFormat.Encode(header, FragmentFormat.VersionWithoutTrailer);
        var blockStart = FragmentFormat.BlockStart(region.Length);
        var random = new Random(1);
        var blocks = new byte[header.StripeCount][];
        var path = disk.FragmentPath(header.Id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write(region);
            for (var s = 0; s < blocks.Length; s++)
            {
                blocks[s] = new byte[header.BlockLength(s)];
                random.NextBytes(blocks[s]);
                file.Position = FragmentFormat.BlockOffset(blockStart, header.ShardSize, s);
                file.Write(blocks[s]);
                var checksum = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(checksum, XxHash3.HashToUInt64(blocks[s]));
                file.Write(checksum);
            }
        }

        using var reader = disk.OpenFragment(header.Id);
        Assert.NotNull(reader);
        Assert.Equal(header, reader.Header);
        Assert.Null(reader.ReadTrailer());
        await AssertBlocksAsync(reader, blocks);
    }

    [Fact]
    public void UnknownVersionsAreRefused()
    {
        var header = Header(10, index: 0);
        Assert.True(FragmentFormat.TryDecode(FragmentFormat.Encode(header, 1), out _, out var v1));
        Assert.Equal(1, v1);
        Assert.True(FragmentFormat.TryDecode(FragmentFormat.Encode(header), out _, out var v2));
        Assert.Equal(2, v2);
        Assert.False(FragmentFormat.TryDecode(FragmentFormat.Encode(header, 3), out _));
    }

    [Fact]
    public async Task CompletionRecordsRoundTripAndRejectCorruption()
    {
        var disk = NewDisk();
        var id = Guid.NewGuid();
        var content = new byte[300];
        new Random(3).NextBytes(content);
        Assert.Null(disk.ReadRecord(id));
        await disk.WriteRecordAsync(id, content, Token);
        Assert.Equal(content, disk.ReadRecord(id));
        Assert.Equal([id], disk.ListRecords());
        Assert.NotNull(disk.RecordWriteTime(id));

        var path = Directory.EnumerateFiles(Path.Join(disk.Root, "records"), "*", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(path, Token);
        bytes[10] ^= 1;
        await File.WriteAllBytesAsync(path, bytes, Token);
        Assert.Null(disk.ReadRecord(id));
        await File.WriteAllBytesAsync(path, bytes[..^3], Token);
        Assert.Null(disk.ReadRecord(id));

        Assert.True(disk.DeleteRecord(id));
        Assert.False(disk.DeleteRecord(id));
        Assert.Empty(disk.ListRecords());
    }

    private LocalDisk NewDisk() => new("d1", Path.Join(_root.Path, "d1"), new DiskLabels("z1", "r1", "n1"));

    private static FragmentHeader Header(long segmentSize, int index) =>
        new(new FragmentId(Guid.NewGuid(), index), K, M, ShardSize, segmentSize, "bucket", "key", "v1", 0);

    private static async Task<byte[][]> WriteAsync(LocalDisk disk, FragmentHeader header, byte[] trailer)
    {
        var random = new Random((int)header.SegmentSize);
        var blocks = new byte[header.StripeCount][];
        await using var writer = await disk.CreateFragmentAsync(header, Token);
        for (var s = 0; s < blocks.Length; s++)
        {
            blocks[s] = new byte[header.BlockLength(s)];
            random.NextBytes(blocks[s]);
            await writer.WriteBlockAsync(blocks[s], Token);
        }

        await writer.CommitAsync(trailer, Token);
        return blocks;
    }

    private static async Task AssertBlocksAsync(IFragmentReader reader, byte[][] blocks)
    {
        for (var s = 0; s < blocks.Length; s++)
        {
            var buffer = new byte[blocks[s].Length];
            Assert.True(await reader.TryReadBlockAsync(s, buffer, Token), $"block {s}");
            Assert.Equal(blocks[s], buffer);
        }
    }
}
