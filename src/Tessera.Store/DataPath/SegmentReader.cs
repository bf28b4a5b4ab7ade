using System.Buffers;
using Tessera.Erasure;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>
/// Streams a byte range of one segment: for each stripe it covers, reads the k data blocks in parallel, falls back
/// to parity blocks for any that are missing or fail their checksum, reconstructs the lost data shards, and writes
/// the requested bytes to the destination while the next stripe is being read. Healthy reads decode nothing.
/// </summary>
public sealed class SegmentReader : IDisposable
{
    private readonly ErasureSet _set;
    private readonly SegmentManifest _segment;
    private readonly FragmentHeader _layout;
    private readonly IFragmentReader?[] _readers;
    private readonly bool[] _opened;
    private readonly ReedSolomon _codec;
    private readonly HashSet<int> _failed = [];
    private readonly ArrayPool<byte> _buffers;

    /// <summary>Prepares to read <paramref name="segment"/>; fragments are opened lazily, data shards first.</summary>
    /// <param name="set">The disks.</param>
    /// <param name="segment">The segment.</param>
    /// <param name="buffers">Where the two stripe buffers come from; default the shared pool.</param>
    public SegmentReader(ErasureSet set, SegmentManifest segment, ArrayPool<byte>? buffers = null)
    {
        _set = set;
        _buffers = buffers ?? ArrayPool<byte>.Shared;
        _segment = segment;
        _layout = new FragmentHeader(new FragmentId(segment.Segment, 0), segment.DataShards, segment.ParityShards, segment.ShardSize, segment.Size, "", "", "", segment.PartNumber);
        var n = segment.DataShards + segment.ParityShards;
        _readers = new IFragmentReader?[n];
        _opened = new bool[n];
        _codec = set.Codec(segment.DataShards, segment.ParityShards);
    }

    /// <summary>Blocks found missing or corrupt while reading (for logging and the repair queue).</summary>
    public int DegradedBlocks { get; private set; }

    /// <summary>
    /// Reports what this read met: a read that reconstructed blocks is logged (event 1002) and counted in
    /// <see cref="StoreServices.ReadDamage"/>, and a segment with missing or corrupt fragments is queued for repair.
    /// Fragments whose file opened but had a bad block are named as corrupt, so repair rewrites them in place.
    /// Nothing happens after a clean read.
    /// </summary>
    /// <param name="services">The store.</param>
    /// <param name="bucket">The bucket read (for the log).</param>
    /// <param name="key">The key read (for the log).</param>
    public void ReportDamage(StoreServices services, string bucket, string key)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Queued before the damage is counted, so whoever sees the count sees the repair queued too.
        lock (_readers)
        {
            // A fragment on a node that is absent from the cluster (or only slow to answer this gateway) is not damage:
            // declaring it lost is the down-out interval's call, so only fragments of present disks set off repair.
            var absent = _set.Absent;
            if (_failed.Any(i => !absent.Contains(_segment.Disks[i])))
            {
                var corrupt = _failed.Where(i => _readers[i] is not null).ToList();
                services.Repairs.Enqueue(_segment.Segment, _segment.ParityShards - _failed.Count, corrupt);
            }
        }

        if (DegradedBlocks > 0)
        {
            LogMessages.DegradedRead(services.Logger, bucket, key, DegradedBlocks);
            services.ReadDamage.Record(DegradedBlocks);
        }
    }

    /// <summary>Writes bytes [<paramref name="offset"/>, offset + <paramref name="count"/>) of the segment to <paramref name="destination"/>.</summary>
    public async Task CopyToAsync(Stream destination, long offset, long count, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            return;
        }

        var stripeSize = _layout.StripeSize;
        var first = (int)(offset / stripeSize);
        var last = (int)((offset + count - 1) / stripeSize);
        var n = _readers.Length;
        var bufferLength = n * _layout.BlockLength(first);
        var current = _buffers.Rent(bufferLength);
        var next = _buffers.Rent(bufferLength);
        var reading = Task.CompletedTask;
        try
        {
            reading = ReadStripeAsync(first, current, cancellationToken);
            for (var s = first; s <= last; s++)
            {
                await reading.ConfigureAwait(false);
                if (s < last)
                {
                    reading = ReadStripeAsync(s + 1, next, cancellationToken);
                }

                var stripeStart = s * stripeSize;
                var from = (int)Math.Max(0, offset - stripeStart);
                var to = (int)Math.Min(_layout.StripeDataLength(s), offset + count - stripeStart);
                await destination.WriteAsync(current.AsMemory(from, to - from), cancellationToken).ConfigureAwait(false);
                (current, next) = (next, current);
            }
        }
        finally
        {
            // The next stripe may still be arriving in a buffer (the client went away mid-write): it goes back to
            // the pool only once no read can fill it any more.
            await InFlight.EndAsync(reading).ConfigureAwait(false);
            _buffers.Return(current);
            _buffers.Return(next);
        }
    }

    /// <summary>Reads stripe <paramref name="stripe"/> into <paramref name="buffer"/> (shard i at i × block) and rebuilds lost data shards.</summary>
    private async Task ReadStripeAsync(int stripe, byte[] buffer, CancellationToken cancellationToken)
    {
        int k = _segment.DataShards, n = _readers.Length;
        var block = _layout.BlockLength(stripe);
        var present = new bool[n];
        var reads = new Task<bool>[n];
        var good = 0;

        // Data shards first: a healthy stripe is served without parity and without decoding.
        for (var i = 0; i < k; i++)
        {
            reads[i] = ReadBlockAsync(i, stripe, buffer.AsMemory(i * block, block), cancellationToken);
        }

        // Every read of a batch ends before this returns or throws: each writes into the caller's pooled buffer.
        await Task.WhenAll(reads.AsSpan(0, k)).ConfigureAwait(false);
        for (var i = 0; i < k; i++)
        {
            present[i] = reads[i].Result;
            good += present[i] ? 1 : 0;
        }

        // Then as many parity shards as there are holes, more if those fail too.
        var nextParity = k;
        while (good < k && nextParity < n)
        {
            var want = Math.Min(k - good, n - nextParity);
            var batchStart = nextParity;
            for (var j = 0; j < want; j++, nextParity++)
            {
                reads[nextParity] = ReadBlockAsync(nextParity, stripe, buffer.AsMemory(nextParity * block, block), cancellationToken);
            }

            await Task.WhenAll(reads.AsSpan(batchStart, nextParity - batchStart)).ConfigureAwait(false);
            for (var i = batchStart; i < nextParity; i++)
            {
                present[i] = reads[i].Result;
                good += present[i] ? 1 : 0;
            }
        }

        if (good < k)
        {
            throw new StorageUnavailableException($"Stripe {stripe} of segment {_segment.Segment:N} has only {good} readable fragments; {k} are needed.");
        }

        var lost = 0;
        for (var i = 0; i < k; i++)
        {
            lost += present[i] ? 0 : 1;
        }

        if (lost > 0)
        {
            DegradedBlocks += lost;
            Reconstruct(buffer, block, present);
        }
    }

    private void Reconstruct(byte[] buffer, int block, bool[] present) => _codec.TryReconstructStripe(buffer, block, present, dataOnly: true);

    private async Task<bool> ReadBlockAsync(int index, int stripe, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var reader = Open(index);
        if (reader is null)
        {
            Failed(index);
            return false;
        }

        bool read;
        try
        {
            read = await reader.TryReadBlockAsync(stripe, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            read = false;
        }

        if (!read)
        {
            Failed(index);
        }

        return read;
    }

    private void Failed(int index)
    {
        lock (_readers)
        {
            _failed.Add(index);
        }
    }

    private IFragmentReader? Open(int index)
    {
        lock (_readers)
        {
            if (!_opened[index])
            {
                _opened[index] = true;
                try
                {
                    _readers[index] = _set.Disk(_segment.Disks[index])?.OpenFragment(new FragmentId(_segment.Segment, index));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _readers[index] = null;
                }
            }

            return _readers[index];
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_readers)
        {
            foreach (var r in _readers)
            {
                r?.Dispose();
            }
        }
    }
}
