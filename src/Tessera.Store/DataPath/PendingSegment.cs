using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>
/// A segment whose fragments are written but not committed (<see cref="SegmentWriter.WriteFragmentsAsync"/>): no
/// reader sees them yet. <see cref="CommitAsync"/> makes them durable and visible; disposing an uncommitted segment
/// deletes them.
/// </summary>
public sealed class PendingSegment : IAsyncDisposable
{
    private readonly IFragmentWriter?[] _writers;
    private readonly string[] _placed;
    private bool _committed;

    internal PendingSegment(IFragmentWriter?[] writers, string[] placed, SegmentManifest manifest)
    {
        _writers = writers;
        _placed = placed;
        Manifest = manifest;
    }

    /// <summary>
    /// Whether the fragments were placed degraded (<see cref="ErasureSet.WritesDegraded"/>: some domain holds more than
    /// m of them while domains are missing). Such a segment is queued for repair once committed, as is one committed with
    /// fewer than k + m fragments.
    /// </summary>
    public bool PlacedDegraded { get; init; }

    /// <summary>The segment as written: size, ETag (hex MD5), code and shard size; no disks until committed.</summary>
    public SegmentManifest Manifest { get; }

    /// <summary>
    /// Commits every fragment (the trailer, fsync, rename, directory fsync) and returns the segment with the disk of
    /// each fragment ("" where a disk failed). Throws <see cref="StorageUnavailableException"/> when fewer than k + 1
    /// commit; fragments already committed then are the garbage collector's.
    /// </summary>
    /// <param name="trailer">The fragments' trailer (a <see cref="RecoveryRecord"/>), the same bytes in each; empty for none.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public async Task<SegmentManifest> CommitAsync(ReadOnlyMemory<byte> trailer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        var pending = new Task[_writers.Length];
        for (var i = 0; i < _writers.Length; i++)
        {
            pending[i] = _writers[i] is { } w ? w.CommitAsync(trailer, cancellationToken).AsTask() : Task.CompletedTask;
        }

        try
        {
            await SegmentWriter.DrainAsync(pending, _writers, Manifest.DataShards).ConfigureAwait(false);
        }
        finally
        {
            await InFlight.EndAsync(pending).ConfigureAwait(false);
        }

        _committed = true;
        var disks = new string[_writers.Length];
        for (var i = 0; i < _writers.Length; i++)
        {
            disks[i] = _writers[i] is null ? "" : _placed[i];
        }

        return Manifest with { Disks = disks };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Disposing a committed writer is a no-op; an uncommitted one deletes its temporary file.
        foreach (var w in _writers)
        {
            if (w is not null)
            {
                await w.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
