using Tessera.Erasure.Kernels;

namespace Tessera.Erasure;

/// <summary>
/// A systematic Reed-Solomon code over GF(2^8): <see cref="DataShards"/> data shards are stored as they are and
/// <see cref="ParityShards"/> parity shards are computed from them, so that any <see cref="DataShards"/> of the
/// <see cref="TotalShards"/> rebuild the rest. Shards are equal-length byte ranges of any length (no alignment or
/// padding contract): the caller cuts its data into k pieces and pads the last one if it needs to.
/// </summary>
/// <remarks>
/// Instances are immutable and thread-safe; create one per (k, m) and share it. Encoding and reconstruction
/// allocate nothing per call: decode matrices are built once per erasure pattern and cached.
/// Outputs (parity, or shards being rebuilt) must not overlap any input.
/// </remarks>
public sealed partial class ReedSolomon
{
    /// <summary>The largest k + m this field allows (255 non-zero elements plus one).</summary>
    public const int MaxTotalShards = 256;

    private readonly byte[] _generator;
    private readonly CodingTables _parityTables;

    /// <summary>Creates an RS(k, m) codec on the fastest kernel this CPU has.</summary>
    /// <param name="dataShards">k, at least 1.</param>
    /// <param name="parityShards">m, at least 1; k + m must be at most 256.</param>
    public ReedSolomon(int dataShards, int parityShards)
        : this(dataShards, parityShards, CodecPaths.Best)
    {
    }

    /// <summary>Creates an RS(k, m) codec on a given kernel (tests and benchmarks force each path).</summary>
    internal ReedSolomon(int dataShards, int parityShards, CodecPath path)
        : this(dataShards, parityShards, path, emulateGfni: false)
    {
    }

    /// <summary>
    /// Creates an RS(k, m) codec on a given kernel; with <paramref name="emulateGfni"/>, a GFNI path runs its loops on
    /// software GF2P8AFFINEQB (<see cref="EmulatedGfni"/>), so tests cover them on CPUs without GFNI.
    /// </summary>
    internal ReedSolomon(int dataShards, int parityShards, CodecPath path, bool emulateGfni)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parityShards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataShards + parityShards, MaxTotalShards, nameof(parityShards));
        EmulatesGfni = emulateGfni && path is CodecPath.Gfni256 or CodecPath.Gfni512;
        if (!EmulatesGfni && !CodecPaths.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"Codec path {path} is not supported on this CPU.");
        }

        DataShards = dataShards;
        ParityShards = parityShards;
        TotalShards = dataShards + parityShards;
        Path = path;
        _generator = GfMatrix.Cauchy(dataShards, TotalShards);
        _parityTables = new CodingTables(_generator.AsSpan(dataShards * dataShards), parityShards, dataShards);
    }

    /// <summary>k: the number of data shards, and the number of shards any reconstruction needs.</summary>
    public int DataShards { get; }

    /// <summary>m: the number of parity shards, and the number of lost shards the code survives.</summary>
    public int ParityShards { get; }

    /// <summary>k + m.</summary>
    public int TotalShards { get; }

    /// <summary>The kernel this codec runs on.</summary>
    public CodecPath Path { get; }

    /// <summary>Whether a GFNI <see cref="Path"/> runs on software GF2P8AFFINEQB (tests only).</summary>
    internal bool EmulatesGfni { get; }

    /// <summary>
    /// The coefficient of generator row <paramref name="row"/> (0 ≤ row &lt; k + m) and data column
    /// <paramref name="column"/>. Rows below k are the identity.
    /// </summary>
    public byte GeneratorCoefficient(int row, int column) => _generator[(row * DataShards) + column];

    /// <summary>Computes the parity shards of one stripe.</summary>
    /// <param name="shards">k data shards followed by m parity shards, all the same length; parity is overwritten.</param>
    public void Encode(ReadOnlySpan<Memory<byte>> shards)
    {
        var length = CheckShards(shards, TotalShards);
        var pins = default(ShardPins);
        try
        {
            foreach (var shard in shards)
            {
                pins.Add(shard);
            }

            unsafe
            {
                KernelDispatch.Run(Path, EmulatesGfni, _parityTables, pins.Pointers, pins.Pointers + DataShards, length);
            }
        }
        finally
        {
            pins.Dispose();
        }
    }

    /// <summary>
    /// Computes the parity shards of one stripe from pinned or native memory: the hot path of callers that own
    /// pinned buffers. <paramref name="shards"/> holds k data addresses then m parity addresses.
    /// </summary>
    /// <param name="shards">k + m addresses of <paramref name="length"/> bytes each.</param>
    /// <param name="length">The shard length in bytes.</param>
    public unsafe void Encode(ReadOnlySpan<nint> shards, int length)
    {
        if (shards.Length != TotalShards)
        {
            throw new ArgumentException($"Expected {TotalShards} shard addresses, got {shards.Length}.", nameof(shards));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        fixed (nint* p = shards)
        {
            KernelDispatch.Run(Path, EmulatesGfni, _parityTables, (byte**)p, (byte**)p + DataShards, length);
        }
    }

    /// <summary>Checks that shards are present in the expected number and all have one length; returns it.</summary>
    private static int CheckShards(ReadOnlySpan<Memory<byte>> shards, int expected)
    {
        if (shards.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} shards, got {shards.Length}.", nameof(shards));
        }

        var length = shards[0].Length;
        foreach (var shard in shards)
        {
            if (shard.Length != length)
            {
                throw new ArgumentException($"Shards must all have the same length ({length} and {shard.Length} given).", nameof(shards));
            }
        }

        return length;
    }
}
