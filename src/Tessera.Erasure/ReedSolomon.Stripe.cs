namespace Tessera.Erasure;

/// <summary>Safe entry points for a stripe held in one buffer: shard i at <c>i × block</c>, k data shards then m parity.</summary>
public sealed partial class ReedSolomon
{
    /// <summary>
    /// Computes the parity of one stripe laid out contiguously in <paramref name="stripe"/>: k data shards of
    /// <paramref name="block"/> bytes, then room for m parity shards. The buffer is pinned for the call only.
    /// </summary>
    public unsafe void EncodeStripe(Span<byte> stripe, int block)
    {
        CheckStripe(stripe, block);
        fixed (byte* p = stripe)
        {
            Span<nint> shards = stackalloc nint[TotalShards];
            Addresses(p, block, shards);
            Encode(shards, block);
        }
    }

    /// <summary>
    /// Rebuilds the absent shards of a contiguous stripe (see <see cref="EncodeStripe"/>): only the data shards when
    /// <paramref name="dataOnly"/>. Returns false, touching nothing, when fewer than k shards are present.
    /// </summary>
    public unsafe bool TryReconstructStripe(Span<byte> stripe, int block, ReadOnlySpan<bool> present, bool dataOnly)
    {
        CheckStripe(stripe, block);
        fixed (byte* p = stripe)
        {
            Span<nint> shards = stackalloc nint[TotalShards];
            Addresses(p, block, shards);
            return TryReconstruct(shards, present, block, dataOnly);
        }
    }

    private static unsafe void Addresses(byte* p, int block, Span<nint> shards)
    {
        for (var i = 0; i < shards.Length; i++)
        {
            shards[i] = (nint)(p + ((long)i * block));
        }
    }

    private void CheckStripe(Span<byte> stripe, int block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        if ((long)block * TotalShards > stripe.Length)
        {
            throw new ArgumentException($"A stripe of {TotalShards} shards of {block} bytes needs {(long)block * TotalShards} bytes; the buffer has {stripe.Length}.", nameof(stripe));
        }
    }
}
