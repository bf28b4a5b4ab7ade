using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;
using Tessera.Erasure;

namespace Tessera.Benchmarks.Erasure;

/// <summary>
/// Encode and reconstruct (m shards lost, data shards first, so reconstruction rebuilds data) for the codes of the
/// codec issue, single thread, on every codec path this CPU runs and on Intel ISA-L in the same process as the
/// baseline. Shards are separate 64-byte-aligned native buffers, as ISA-L's own perf tests use them. The
/// <c>MB/s</c> column counts data bytes (k × shard size) per operation; <c>vs ISA-L</c> divides by ISA-L's
/// figure for the same code, size and operation.
/// </summary>
[Config(typeof(ErasureConfig))]
public unsafe class ErasureBenchmarks
{
    private ReedSolomon _codec = null!;
    private nint[] _shards = [];
    private nint[] _reconstructShards = [];
    private bool[] _present = [];
    private delegate*<int, int, int, byte*, byte**, byte**, void> _isaEncode;
    private byte* _isaEncodeTables;
    private byte* _isaDecodeTables;
    private nint[] _isaSurvivors = [];
    private nint[] _isaLost = [];
    private bool _ownsShards;

    /// <summary>The code as "k+m".</summary>
    [ParamsSource(nameof(Codes))]
    public string Code { get; set; } = "4+2";

    /// <summary>Bytes per shard.</summary>
    [Params(64 * 1024, 1024 * 1024)]
    public int ShardSize { get; set; }

    /// <summary>An ISA-L variant (<see cref="IsaL.Variants"/>) or a <see cref="CodecPath"/> name.</summary>
    [ParamsSource(nameof(Implementations))]
    public string Impl { get; set; } = "IsaL";

    public static IEnumerable<string> Codes => ["4+2", "6+3", "8+4", "10+4", "12+4", "17+3"];

    /// <summary>
    /// The k + m shard buffers, after <see cref="Setup"/>. Set before <see cref="Setup"/> to run on another instance's
    /// buffers (the paired run gives both sides the same pages, so page placement cannot favour one of them); such
    /// buffers are not freed by <see cref="Cleanup"/>.
    /// </summary>
    internal nint[] Shards
    {
        get => _shards;
        set => _shards = value;
    }

    /// <summary>
    /// ISA-L (when installed) and every supported path; TESSERA_BENCH_IMPLS=IsaL,Gfni512 narrows a quick run, and may
    /// name ISA-L's fixed-width kernels too (IsaL-Avx2, IsaL-Avx, IsaL-Sse, IsaL-Base).
    /// </summary>
    public static IEnumerable<string> Implementations
    {
        get
        {
            var only = Environment.GetEnvironmentVariable("TESSERA_BENCH_IMPLS")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var paths = CodecPaths.Supported.Reverse().Select(p => p.ToString());
            if (only is { Length: > 0 })
            {
                return (IsaL.IsAvailable() ? IsaL.Variants : []).Concat(paths).Where(only.Contains);
            }

            return (IsaL.IsAvailable() ? new[] { "IsaL" } : []).Concat(paths);
        }
    }

    private bool IsIsaL => Impl.StartsWith("IsaL", StringComparison.Ordinal);

    private int K => int.Parse(Code.Split('+')[0], System.Globalization.CultureInfo.InvariantCulture);

    private int M => int.Parse(Code.Split('+')[1], System.Globalization.CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        int k = K, m = M, n = k + m;
        _ownsShards = _shards.Length != n;
        if (_ownsShards)
        {
            _shards = new nint[n];
            var random = new Random(42);
            for (var i = 0; i < n; i++)
            {
                _shards[i] = (nint)NativeMemory.AlignedAlloc((nuint)ShardSize, 64);
                random.NextBytes(new Span<byte>((void*)_shards[i], ShardSize));
            }
        }

        // Lose the first m shards (data shards while m ≤ k): the costly case, every lost shard is data.
        var lost = Enumerable.Range(0, m).ToArray();
        _present = Enumerable.Range(0, n).Select(i => !lost.Contains(i)).ToArray();
        _reconstructShards = (nint[])_shards.Clone();

        var matrix = new byte[n * k];
        fixed (byte* mtx = matrix)
        {
            if (IsaL.IsAvailable())
            {
                IsaL.GenerateCauchyMatrix(mtx, n, k);
            }
        }

        if (IsIsaL)
        {
            _isaEncode = IsaL.Encoder(Impl);
            _isaEncodeTables = (byte*)NativeMemory.AlignedAlloc((nuint)(32 * k * m), 64);
            fixed (byte* mtx = matrix)
            {
                IsaL.InitTables(k, m, mtx + (k * k), _isaEncodeTables);
            }

            _isaDecodeTables = (byte*)NativeMemory.AlignedAlloc((nuint)(32 * k * m), 64);
            var survivors = IsaL.PrepareDecode(matrix, k, m, lost, _isaDecodeTables);
            _isaSurvivors = survivors.Select(i => _shards[i]).ToArray();
            _isaLost = lost.Select(i => _shards[i]).ToArray();
            return;
        }

        _codec = new ReedSolomon(k, m, Enum.Parse<CodecPath>(Impl));
        Encode();
        if (IsaL.IsAvailable())
        {
            CheckAgainstIsaL(matrix, k, m);
        }
    }

    /// <summary>Refuses to measure a codec whose parity differs from ISA-L's for the same Cauchy matrix.</summary>
    private void CheckAgainstIsaL(byte[] matrix, int k, int m)
    {
        var tables = (byte*)NativeMemory.AlignedAlloc((nuint)(32 * k * m), 64);
        var expected = new nint[m];
        try
        {
            fixed (byte* mtx = matrix)
            {
                IsaL.InitTables(k, m, mtx + (k * k), tables);
            }

            for (var r = 0; r < m; r++)
            {
                expected[r] = (nint)NativeMemory.AlignedAlloc((nuint)ShardSize, 64);
            }

            fixed (nint* data = _shards, coding = expected)
            {
                IsaL.EncodeData(ShardSize, k, m, tables, (byte**)data, (byte**)coding);
            }

            for (var r = 0; r < m; r++)
            {
                if (!new Span<byte>((void*)expected[r], ShardSize).SequenceEqual(new Span<byte>((void*)_shards[k + r], ShardSize)))
                {
                    throw new InvalidOperationException($"{Impl} parity {r} of RS({k},{m}) differs from ISA-L's");
                }
            }
        }
        finally
        {
            foreach (var p in expected)
            {
                NativeMemory.AlignedFree((void*)p);
            }

            NativeMemory.AlignedFree(tables);
        }
    }

    [Benchmark]
    public void Encode()
    {
        if (IsIsaL)
        {
            fixed (nint* s = _shards)
            {
                _isaEncode(ShardSize, K, M, _isaEncodeTables, (byte**)s, (byte**)(s + K));
            }

            return;
        }

        _codec.Encode(_shards, ShardSize);
    }

    [Benchmark]
    public void Reconstruct()
    {
        if (IsIsaL)
        {
            fixed (nint* s = _isaSurvivors, l = _isaLost)
            {
                _isaEncode(ShardSize, K, _isaLost.Length, _isaDecodeTables, (byte**)s, (byte**)l);
            }

            return;
        }

        _codec.TryReconstruct(_reconstructShards, _present, ShardSize, dataOnly: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_ownsShards)
        {
            foreach (var p in _shards)
            {
                NativeMemory.AlignedFree((void*)p);
            }
        }

        _shards = [];
        NativeMemory.AlignedFree(_isaEncodeTables);
        NativeMemory.AlignedFree(_isaDecodeTables);
        _isaEncodeTables = null;
        _isaDecodeTables = null;
    }

    private sealed class ErasureConfig : ManualConfig
    {
        public ErasureConfig()
        {
            AddJob(Job.Default
                .WithWarmupCount(3)
                .WithIterationCount(8)
                .WithIterationTime(TimeInterval.FromMilliseconds(200))
                .WithLaunchCount(1));
            AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
            AddColumn(new ThroughputColumn(), new BaselineRatioColumn());
            WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        }
    }
}
