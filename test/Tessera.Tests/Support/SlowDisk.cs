using Tessera.Storage;

namespace Tessera.Tests;

/// <summary>
/// A real disk that counts its commits and whose block reads and writes take <see cref="Delay"/> and cannot be cancelled once started, as a
/// pread or pwrite in the kernel cannot: the I/O goes on after the caller gave up. Reads fill the caller's buffer
/// only at the end; writes look at the caller's buffer only at the end, and count how often it held the poison of
/// <see cref="Tessera.Core.Buffers.DiagnosticArrayPool"/> (that is, the buffer was back in the pool while the write used it).
/// </summary>
internal sealed class SlowDisk(IDisk inner) : IDisk
{
    private int _poisonedWrites;
    private int _commits;

    /// <summary>How long each block read or write takes.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Block writes that found their buffer already returned to the pool.</summary>
    public int PoisonedWrites => Volatile.Read(ref _poisonedWrites);

    /// <summary>Fragments committed on this disk.</summary>
    public int Commits => Volatile.Read(ref _commits);

    public string Id => inner.Id;

    public DiskLabels Labels => inner.Labels;

    public double Weight => inner.Weight;

    public async ValueTask<IFragmentWriter> CreateFragmentAsync(FragmentHeader header, CancellationToken cancellationToken) =>
        new SlowWriter(this, await inner.CreateFragmentAsync(header, cancellationToken));

    public IFragmentReader? OpenFragment(FragmentId id) => inner.OpenFragment(id) is { } reader ? new SlowReader(this, reader) : null;

    public DateTimeOffset? LastWriteTime(FragmentId id) => inner.LastWriteTime(id);

    public bool DeleteFragment(FragmentId id) => inner.DeleteFragment(id);

    public IEnumerable<FragmentId> ListFragments() => inner.ListFragments();

    public DiskProbe Probe() => inner.Probe();

    public void Format() => inner.Format();

    public ValueTask WriteRecordAsync(Guid id, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.WriteRecordAsync(id, content, cancellationToken);

    public byte[]? ReadRecord(Guid id) => inner.ReadRecord(id);

    public DateTimeOffset? RecordWriteTime(Guid id) => inner.RecordWriteTime(id);

    public bool DeleteRecord(Guid id) => inner.DeleteRecord(id);

    public IEnumerable<Guid> ListRecords() => inner.ListRecords();

    private sealed class SlowReader(SlowDisk disk, IFragmentReader inner) : IFragmentReader
    {
        public FragmentHeader Header => inner.Header;

        public async ValueTask<bool> TryReadBlockAsync(int stripe, Memory<byte> destination, CancellationToken cancellationToken)
        {
            var block = new byte[destination.Length];
            var ok = await inner.TryReadBlockAsync(stripe, block, CancellationToken.None);
            await Task.Delay(disk.Delay, CancellationToken.None);
            block.CopyTo(destination);
            return ok;
        }

        public byte[]? ReadTrailer() => inner.ReadTrailer();

        public void Dispose() => inner.Dispose();
    }

    private sealed class SlowWriter(SlowDisk disk, IFragmentWriter inner) : IFragmentWriter
    {
        public FragmentHeader Header => inner.Header;

        public async ValueTask WriteBlockAsync(ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
        {
            await Task.Delay(disk.Delay, CancellationToken.None);
            if (block.Length > 0 && !block.Span.ContainsAnyExcept((byte)0xDB))
            {
                Interlocked.Increment(ref disk._poisonedWrites);
            }

            await inner.WriteBlockAsync(block, CancellationToken.None);
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref disk._commits);
            return inner.CommitAsync(cancellationToken);
        }

        public ValueTask CommitAsync(ReadOnlyMemory<byte> trailer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref disk._commits);
            return inner.CommitAsync(trailer, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
