using System.Buffers;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>
/// Streams one segment from a body to k + m fragment files in two steps. <see cref="WriteFragmentsAsync"/> reads a
/// stripe, hashes it, encodes it and writes its shards to their disks in parallel while the next stripe is read into
/// a second buffer, leaving every fragment written but uncommitted (under a temporary name no reader sees).
/// <see cref="PendingSegment.CommitAsync"/> then commits them (trailer, fsync, rename, directory fsync). Between the two
/// the caller checks the client's digests, so a body that fails them costs no fsync and leaves no file. Memory per
/// write is two stripe buffers, whatever the object size.
/// </summary>
/// <remarks>
/// Stripe buffer layout: shard i of a stripe whose blocks are <c>b</c> bytes sits at <c>i × b</c>, so the data
/// of a stripe read contiguously is already in shard order and the last, short stripe only needs zero padding up
/// to <c>k × b</c>. Parity follows the data at <c>k × b</c>.
/// </remarks>
public static class SegmentWriter
{
    /// <summary>
    /// Writes <paramref name="length"/> bytes from <paramref name="source"/> as the fragments of a new segment, not yet
    /// committed. Throws <see cref="EndOfStreamException"/> when the body ends early, and
    /// <see cref="StorageUnavailableException"/> when fewer than k + 1 fragments could be written; on any failure no
    /// fragment file stays. The caller owns the result: commit it, or dispose it to delete the fragments.
    /// </summary>
    /// <param name="set">The disks.</param>
    /// <param name="buffers">Where the two stripe buffers come from (returned before this returns).</param>
    /// <param name="policy">The erasure policy of the segment.</param>
    /// <param name="source">The bytes.</param>
    /// <param name="length">How many bytes to read from <paramref name="source"/>.</param>
    /// <param name="hasher">Hashes the bytes; every byte has been appended when this returns.</param>
    /// <param name="owner">The object version or part the segment belongs to (fragment headers).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <remarks>
    /// An empty segment still gets its k + m fragments (header and trailer only), so that an empty object can be
    /// recovered from the disks like any other.
    /// </remarks>
    public static async Task<PendingSegment> WriteFragmentsAsync(
        ErasureSet set,
        ArrayPool<byte> buffers,
        ErasurePolicy policy,
        Stream source,
        long length,
        ObjectHasher hasher,
        SegmentOwner owner,
        CancellationToken cancellationToken)
    {
        var segment = Guid.NewGuid();
        int k = policy.DataShards, m = policy.ParityShards, n = k + m;
        var header = new FragmentHeader(new FragmentId(segment, 0), k, m, policy.ShardSize, length, owner.Bucket, owner.Key, owner.VersionId, owner.PartNumber);
        var degraded = set.WritesDegraded;
        var placed = set.PlaceNew(segment, k, m, policy.DomainLevel);
        var writers = new IFragmentWriter?[n];
        var codec = set.Codec(k, m);
        var bufferLength = Math.Max(1, n * Math.Min(policy.ShardSize, header.BlockLength(0)));
        var current = buffers.Rent(bufferLength);
        var next = buffers.Rent(bufferLength);
        var pending = new Task[n];
        var handedOver = false;
        try
        {
            await OpenWritersAsync(set, placed, header, writers, cancellationToken).ConfigureAwait(false);
            var stripes = header.StripeCount;
            var inFlight = false;
            for (var s = 0; s < stripes; s++)
            {
                var dataLength = header.StripeDataLength(s);
                var block = header.BlockLength(s);
                await source.ReadExactlyAsync(current.AsMemory(0, dataLength), cancellationToken).ConfigureAwait(false);
                hasher.Append(current.AsSpan(0, dataLength));
                current.AsSpan(dataLength, (k * block) - dataLength).Clear();
                codec.EncodeStripe(current, block);

                if (inFlight)
                {
                    await DrainAsync(pending, writers, k).ConfigureAwait(false);
                }

                for (var i = 0; i < n; i++)
                {
                    pending[i] = writers[i] is { } w ? WriteBlockAsync(w, current.AsMemory(i * block, block), cancellationToken) : Task.CompletedTask;
                }

                inFlight = true;
                (current, next) = (next, current);
            }

            if (inFlight)
            {
                await DrainAsync(pending, writers, k).ConfigureAwait(false);
            }

            handedOver = true;
            return new PendingSegment(writers, placed, Manifest(segment, policy, length, hasher, owner, [])) { PlacedDegraded = degraded };
        }
        finally
        {
            // A failure (the body broke off, a disk failed) can leave block writes of the last stripe running: they
            // read from a pooled buffer, so they end before the writers close and the buffers go back.
            await InFlight.EndAsync(pending).ConfigureAwait(false);
            if (!handedOver)
            {
                foreach (var w in writers)
                {
                    if (w is not null)
                    {
                        await w.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }

            buffers.Return(current);
            buffers.Return(next);
        }
    }

    /// <summary>
    /// Writes and commits a segment in one go (no digest to check in between): <see cref="WriteFragmentsAsync"/>, then
    /// <see cref="PendingSegment.CommitAsync"/> with the trailer <paramref name="trailer"/> builds from the manifest.
    /// </summary>
    public static async Task<SegmentManifest> WriteAsync(
        ErasureSet set,
        ArrayPool<byte> buffers,
        ErasurePolicy policy,
        Stream source,
        long length,
        ObjectHasher hasher,
        SegmentOwner owner,
        Func<SegmentManifest, byte[]>? trailer,
        CancellationToken cancellationToken)
    {
        await using var pending = await WriteFragmentsAsync(set, buffers, policy, source, length, hasher, owner, cancellationToken).ConfigureAwait(false);
        return await pending.CommitAsync(trailer is null ? default : trailer(pending.Manifest), cancellationToken).ConfigureAwait(false);
    }

    private static SegmentManifest Manifest(Guid segment, ErasurePolicy policy, long length, ObjectHasher hasher, SegmentOwner owner, string[] disks) =>
        new()
        {
            PartNumber = owner.PartNumber,
            Segment = segment,
            Size = length,
            DataShards = policy.DataShards,
            ParityShards = policy.ParityShards,
            ShardSize = policy.ShardSize,
            Disks = disks,
            ETag = Convert.ToHexStringLower(hasher.GetMd5()),
        };

    private static async Task OpenWritersAsync(ErasureSet set, string[] placed, FragmentHeader header, IFragmentWriter?[] writers, CancellationToken cancellationToken)
    {
        var opens = new Task<IFragmentWriter?>[placed.Length];
        for (var i = 0; i < placed.Length; i++)
        {
            opens[i] = OpenOneAsync(set.Disk(placed[i]), header with { Id = header.Id with { Index = i } }, cancellationToken);
        }

        for (var i = 0; i < placed.Length; i++)
        {
            writers[i] = await opens[i].ConfigureAwait(false);
        }

        EnsureQuorum(writers, header.DataShards);
    }

    private static async Task<IFragmentWriter?> OpenOneAsync(IDisk? disk, FragmentHeader header, CancellationToken cancellationToken)
    {
        if (disk is null)
        {
            return null;
        }

        try
        {
            return await disk.CreateFragmentAsync(header, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task WriteBlockAsync(IFragmentWriter writer, ReadOnlyMemory<byte> block, CancellationToken cancellationToken) =>
        await writer.WriteBlockAsync(block, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Waits for one round of per-fragment tasks. A fragment whose disk failed is dropped (its writer disposed,
    /// which deletes the temp file); the write goes on while at least k + 1 fragments remain.
    /// </summary>
    internal static async Task DrainAsync(Task[] pending, IFragmentWriter?[] writers, int dataShards)
    {
        for (var i = 0; i < pending.Length; i++)
        {
            try
            {
                await pending[i].ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (writers[i] is { } w)
                {
                    writers[i] = null;
                    await w.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        EnsureQuorum(writers, dataShards);
    }

    private static void EnsureQuorum(IFragmentWriter?[] writers, int dataShards)
    {
        var alive = writers.Count(w => w is not null);
        var quorum = Math.Min(writers.Length, dataShards + 1);
        if (alive < quorum)
        {
            throw new StorageUnavailableException($"Only {alive} of {writers.Length} fragments could be written; at least {quorum} are needed.");
        }
    }
}
