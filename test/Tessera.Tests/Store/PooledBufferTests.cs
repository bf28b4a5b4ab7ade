using Tessera.Core.Buffers;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.Storage;
using Tessera.Store;

namespace Tessera.Tests.Store;

/// <summary>
/// No pooled buffer goes back while I/O may still use it: the segment reader, writer and their callers fail mid-way
/// (a client gone, a body broken off) while block reads and writes on slow disks are still running. The diagnostic
/// pool sees a buffer written after its return; the slow disk sees a write whose buffer was already returned.
/// </summary>
public sealed class PooledBufferTests : IDisposable
{
    private const int ShardSize = 64 * 1024;

    private readonly TempDirectory _directory = new();
    private readonly List<SlowDisk> _disks;
    private readonly ErasureSet _set;

    public PooledBufferTests()
    {
        _disks = Enumerable.Range(1, 6)
            .Select(i => new SlowDisk(new LocalDisk($"disk{i}", Path.Combine(_directory.Path, $"disk{i}"), new DiskLabels($"disk{i}", $"disk{i}", "node"))))
            .ToList();
        _set = new ErasureSet(_disks, new ErasurePolicy(4, 2, ShardSize, "disk"));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    private void SetDelay(TimeSpan delay) => _disks.ForEach(d => d.Delay = delay);

    private async Task<SegmentManifest> WriteSegmentAsync(byte[] data, ArrayPool pool)
    {
        using var hasher = new ObjectHasher(ChecksumAlgorithm.None, payloadSha256: false);
        return await SegmentWriter.WriteAsync(_set, pool.Value, _set.PolicyFor("STANDARD", data.Length), new MemoryStream(data), data.Length, hasher, new SegmentOwner("b", "k", "v", 0), null, Ct);
    }

    /// <summary>A pool and its diagnosis, for the tests' assertions.</summary>
    private sealed record ArrayPool(DiagnosticArrayPool Value)
    {
        public void AssertClean()
        {
            var problems = Value.Check(expectAllReturned: true);
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }
    }

    [Fact]
    public async Task AClientGoneMidGetReturnsNoBufferAPrefetchIsStillFilling()
    {
        var pool = new ArrayPool(new DiagnosticArrayPool());
        var segment = await WriteSegmentAsync(Enumerable.Range(0, 8 * 4 * ShardSize).Select(i => (byte)i).ToArray(), pool);
        SetDelay(TimeSpan.FromMilliseconds(150));
        using var reader = new SegmentReader(_set, segment, pool.Value);

        // The destination fails on its second write (the client went away) while stripe 2 is being read ahead.
        await Assert.ThrowsAsync<IOException>(() => reader.CopyToAsync(new FailingStream(failAfterWrites: 1), 0, segment.Size, Ct));
        await Task.Delay(400, Ct);
        pool.AssertClean();
    }

    [Fact]
    public async Task AReadCancelledMidStripeWaitsForTheOtherReadsOfTheStripe()
    {
        var pool = new ArrayPool(new DiagnosticArrayPool());
        var segment = await WriteSegmentAsync(new byte[4 * 4 * ShardSize], pool);
        SetDelay(TimeSpan.FromMilliseconds(150));
        using var reader = new SegmentReader(_set, segment, pool.Value);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.CopyToAsync(new CancelOnWriteStream(cancel), 0, segment.Size, cancel.Token));
        await Task.Delay(400, Ct);
        pool.AssertClean();
    }

    [Fact]
    public async Task ABodyBrokenOffMidPutReturnsNoBufferABlockWriteIsStillReading()
    {
        var pool = new ArrayPool(new DiagnosticArrayPool());
        SetDelay(TimeSpan.FromMilliseconds(150));
        var data = new byte[6 * 4 * ShardSize];
        Array.Fill(data, (byte)7);
        using var hasher = new ObjectHasher(ChecksumAlgorithm.None, payloadSha256: false);

        // The body ends after two stripes: the first stripe's block writes are still running when the read fails.
        var body = new MemoryStream(data, 0, (2 * 4 * ShardSize) + 100);
        await Assert.ThrowsAsync<EndOfStreamException>(() => SegmentWriter.WriteAsync(_set, pool.Value, _set.PolicyFor("STANDARD", data.Length), body, data.Length, hasher, new SegmentOwner("b", "k", "v", 0), null, Ct));
        await Task.Delay(400, Ct);
        Assert.Equal(0, _disks.Sum(d => d.PoisonedWrites));
        pool.AssertClean();
    }

    /// <summary>A destination that throws <see cref="IOException"/> once it has taken some writes.</summary>
    private sealed class FailingStream(int failAfterWrites) : MemoryStream
    {
        private int _writes;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ++_writes > failAfterWrites ? throw new IOException("The client went away.") : base.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>A destination that cancels the request at its first write and then fails as Kestrel does.</summary>
    private sealed class CancelOnWriteStream(CancellationTokenSource cancel) : MemoryStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await cancel.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
