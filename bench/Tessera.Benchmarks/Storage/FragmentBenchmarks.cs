using BenchmarkDotNet.Attributes;
using Tessera.Benchmarks.Common;
using Tessera.Storage;

namespace Tessera.Benchmarks.Storage;

/// <summary>
/// One fragment of one 256 KiB block (a 4+2 stripe at the default shard size) on a <see cref="LocalDisk"/> in a temp
/// directory on the machine's disk. WriteAndCommit creates it under a temporary name, writes the block with its
/// checksum, then commits (fsync the file, rename, fsync the directory). Read opens a committed fragment, reads and
/// verifies the block (page cache hot) and closes it.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class FragmentBenchmarks
{
    private const int BlockSize = 256 * 1024;
    private const int DataShards = 4;

    private readonly byte[] _block = new byte[BlockSize];
    private readonly byte[] _readBuffer = new byte[BlockSize];
    private TempDirectory _directory = null!;
    private LocalDisk _disk = null!;
    private FragmentId _committed;

    [GlobalSetup]
    public void Setup()
    {
        new Random(11).NextBytes(_block);
        _directory = new TempDirectory("tessera-bench-fragments-");
        _disk = new LocalDisk("disk1", _directory.Path, new DiskLabels("z1", "r1", "n1"));
        _committed = WriteAndCommitAsync().AsTask().GetAwaiter().GetResult();
        if (!ReadAsync().AsTask().GetAwaiter().GetResult() || !_readBuffer.AsSpan().SequenceEqual(_block))
        {
            throw new InvalidOperationException("the fragment does not read back");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _directory.Dispose();

    [Benchmark]
    public async ValueTask<FragmentId> WriteAndCommitAsync()
    {
        var header = new FragmentHeader(new FragmentId(Guid.NewGuid(), 1), DataShards, 2, BlockSize, (long)DataShards * BlockSize, "bench", "photos/2024/cat.jpg", "null", 0);
        var writer = await _disk.CreateFragmentAsync(header, CancellationToken.None);
        await using (writer)
        {
            await writer.WriteBlockAsync(_block, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        return header.Id;
    }

    [Benchmark]
    public async ValueTask<bool> ReadAsync()
    {
        using var reader = _disk.OpenFragment(_committed) ?? throw new InvalidOperationException("fragment missing");
        return await reader.TryReadBlockAsync(0, _readBuffer, CancellationToken.None);
    }

    private sealed class Config : ShortRunConfig
    {
        public Config()
            : base(BlockSize)
        {
        }
    }
}
