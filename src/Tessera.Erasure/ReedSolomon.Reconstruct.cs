using System.Collections.Concurrent;
using Tessera.Erasure.Kernels;

namespace Tessera.Erasure;

public sealed partial class ReedSolomon
{
    /// <summary>Decode tables beyond this many erasure patterns are dropped and rebuilt on demand.</summary>
    private const int MaxCachedPatterns = 4096;

    private readonly ConcurrentDictionary<(ShardSet Survivors, ShardSet Targets), CodingTables> _decodeCache = new();

    /// <summary>
    /// Rebuilds every shard marked absent in <paramref name="present"/> from any k present ones, in place.
    /// </summary>
    /// <param name="shards">k + m shards of one length; the absent ones are buffers to fill.</param>
    /// <param name="present">Which shards hold valid bytes.</param>
    /// <exception cref="TooFewShardsException">Fewer than k shards are present.</exception>
    public void Reconstruct(ReadOnlySpan<Memory<byte>> shards, ReadOnlySpan<bool> present)
    {
        if (!TryReconstruct(shards, present, dataOnly: false))
        {
            throw new TooFewShardsException(CountPresent(present), DataShards);
        }
    }

    /// <summary>Rebuilds only the absent data shards (what a read needs); absent parity shards are left alone.</summary>
    /// <exception cref="TooFewShardsException">Fewer than k shards are present.</exception>
    public void ReconstructData(ReadOnlySpan<Memory<byte>> shards, ReadOnlySpan<bool> present)
    {
        if (!TryReconstruct(shards, present, dataOnly: true))
        {
            throw new TooFewShardsException(CountPresent(present), DataShards);
        }
    }

    /// <summary>
    /// Rebuilds absent shards (all of them, or only data shards when <paramref name="dataOnly"/>); returns false,
    /// touching nothing, when fewer than k shards are present.
    /// </summary>
    public bool TryReconstruct(ReadOnlySpan<Memory<byte>> shards, ReadOnlySpan<bool> present, bool dataOnly)
    {
        var length = CheckShards(shards, TotalShards);
        CheckPresent(present);
        var pins = default(ShardPins);
        try
        {
            foreach (var shard in shards)
            {
                pins.Add(shard);
            }

            unsafe
            {
                return TryReconstruct(new ReadOnlySpan<nint>(pins.Pointers, TotalShards), present, length, dataOnly);
            }
        }
        finally
        {
            pins.Dispose();
        }
    }

    /// <summary>
    /// Rebuilds absent shards from pinned or native memory: k + m addresses of <paramref name="length"/> bytes.
    /// Returns false, touching nothing, when fewer than k shards are present.
    /// </summary>
    public unsafe bool TryReconstruct(ReadOnlySpan<nint> shards, ReadOnlySpan<bool> present, int length, bool dataOnly)
    {
        if (shards.Length != TotalShards)
        {
            throw new ArgumentException($"Expected {TotalShards} shard addresses, got {shards.Length}.", nameof(shards));
        }

        CheckPresent(present);
        ArgumentOutOfRangeException.ThrowIfNegative(length);

        // Survivors: the first k present shards. Data shards come first in index order, so a stripe that lost
        // only parity reads no parity at all, and the pattern key stays small.
        var inputs = stackalloc nint[DataShards];
        var outputs = stackalloc nint[TotalShards];
        var survivors = default(ShardSet);
        var targets = default(ShardSet);
        var found = 0;
        var missing = 0;
        for (var i = 0; i < TotalShards; i++)
        {
            if (present[i])
            {
                if (found < DataShards)
                {
                    survivors.Add(i);
                    inputs[found++] = shards[i];
                }
            }
            else if (!dataOnly || i < DataShards)
            {
                targets.Add(i);
                outputs[missing++] = shards[i];
            }
        }

        if (found < DataShards)
        {
            return false;
        }

        if (missing == 0)
        {
            return true;
        }

        var tables = DecodeTables(survivors, targets, missing);
        KernelDispatch.Run(Path, EmulatesGfni, tables, (byte**)inputs, (byte**)outputs, length);
        return true;
    }

    private CodingTables DecodeTables(ShardSet survivors, ShardSet targets, int targetCount)
    {
        if (_decodeCache.TryGetValue((survivors, targets), out var cached))
        {
            return cached;
        }

        var k = DataShards;
        var sub = new byte[k * k];
        var inverse = new byte[k * k];
        var row = 0;
        for (var i = 0; i < TotalShards && row < k; i++)
        {
            if (survivors.Contains(i))
            {
                _generator.AsSpan(i * k, k).CopyTo(sub.AsSpan(row * k));
                row++;
            }
        }

        if (!GfMatrix.TryInvert(sub, inverse, k))
        {
            // Every k×k sub-matrix of a Cauchy generator is invertible; reaching this is a bug.
            throw new InvalidOperationException("Decode matrix is singular.");
        }

        // Data shard d = inverse row d applied to the survivors; parity shard p = generator row p applied to the
        // data, i.e. (G[p] × inverse) applied to the survivors.
        var matrix = new byte[targetCount * k];
        var t = 0;
        for (var i = 0; i < TotalShards; i++)
        {
            if (!targets.Contains(i))
            {
                continue;
            }

            var dest = matrix.AsSpan(t * k, k);
            if (i < k)
            {
                inverse.AsSpan(i * k, k).CopyTo(dest);
            }
            else
            {
                for (var j = 0; j < k; j++)
                {
                    byte sum = 0;
                    for (var l = 0; l < k; l++)
                    {
                        sum ^= GaloisField.Multiply(_generator[(i * k) + l], inverse[(l * k) + j]);
                    }

                    dest[j] = sum;
                }
            }

            t++;
        }

        var tables = new CodingTables(matrix, targetCount, k);
        if (_decodeCache.Count >= MaxCachedPatterns)
        {
            _decodeCache.Clear();
        }

        return _decodeCache.GetOrAdd((survivors, targets), tables);
    }

    private void CheckPresent(ReadOnlySpan<bool> present)
    {
        if (present.Length != TotalShards)
        {
            throw new ArgumentException($"Expected {TotalShards} presence flags, got {present.Length}.", nameof(present));
        }
    }

    private static int CountPresent(ReadOnlySpan<bool> present)
    {
        var count = 0;
        foreach (var p in present)
        {
            count += p ? 1 : 0;
        }

        return count;
    }
}
