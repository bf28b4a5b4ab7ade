using System.Buffers;
using Tessera.Erasure.Kernels;

namespace Tessera.Erasure;

public sealed partial class ReedSolomon
{
    /// <summary>Parity is recomputed this many bytes at a time into a pooled scratch buffer.</summary>
    private const int VerifyChunk = 16 * 1024;

    /// <summary>
    /// Returns true when the parity shards match the data shards. Reads every shard; writes nothing.
    /// </summary>
    /// <param name="shards">k data shards followed by m parity shards, all the same length.</param>
    public bool Verify(ReadOnlySpan<Memory<byte>> shards)
    {
        var length = CheckShards(shards, TotalShards);
        if (length == 0)
        {
            return true;
        }

        var chunk = Math.Min(VerifyChunk, length);
        var scratch = ArrayPool<byte>.Shared.Rent(ParityShards * chunk);
        var pins = default(ShardPins);
        try
        {
            foreach (var shard in shards)
            {
                pins.Add(shard);
            }

            unsafe
            {
                fixed (byte* s = scratch)
                {
                    var inputs = stackalloc byte*[DataShards];
                    var outputs = stackalloc byte*[ParityShards];
                    for (var r = 0; r < ParityShards; r++)
                    {
                        outputs[r] = s + (r * chunk);
                    }

                    for (var offset = 0; offset < length; offset += chunk)
                    {
                        // The last chunk slides back so every chunk is full length (recomputing a few bytes).
                        var at = Math.Min(offset, length - chunk);
                        for (var c = 0; c < DataShards; c++)
                        {
                            inputs[c] = pins.Pointers[c] + at;
                        }

                        KernelDispatch.Run(Path, EmulatesGfni, _parityTables, inputs, outputs, chunk);
                        for (var r = 0; r < ParityShards; r++)
                        {
                            var expected = new ReadOnlySpan<byte>(outputs[r], chunk);
                            var actual = new ReadOnlySpan<byte>(pins.Pointers[DataShards + r] + at, chunk);
                            if (!expected.SequenceEqual(actual))
                            {
                                return false;
                            }
                        }
                    }
                }
            }

            return true;
        }
        finally
        {
            pins.Dispose();
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
