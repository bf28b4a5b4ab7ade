using System.IO.Hashing;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Tessera.Benchmarks.Common;
using Tessera.Core.Hashing;

namespace Tessera.Benchmarks.Hashing;

/// <summary>
/// The digests a PUT may compute over every byte, on 1 MiB, single thread: Tessera's CRC32C and CRC64NVME
/// (x-amz-checksum-*), the same two through System.IO.Hashing 11's parameterized <see cref="Crc32"/> and
/// <see cref="Crc64"/> as a baseline (<c>*Bcl</c>, checked equal in setup), System.IO.Hashing's CRC32 and XxHash3 (XxHash3 is the fragment block checksum), and MD5
/// (the ETag) and SHA-256 (signed payloads) through <see cref="IncrementalHash"/> as the server uses them.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class ChecksumBenchmarks
{
    private const int Size = 1 << 20;

    private readonly byte[] _data = new byte[Size];
    private readonly byte[] _digest = new byte[64];
    private readonly Crc32C _crc32C = new();
    private readonly Crc64Nvme _crc64Nvme = new();
    private readonly Crc32 _crc32 = new();
    private readonly Crc64 _bclCrc64Nvme = new(Crc64ParameterSet.Nvme);
    private readonly Crc32 _bclCrc32C = new(Crc32ParameterSet.Crc32C);
    private IncrementalHash _md5 = null!;
    private IncrementalHash _sha256 = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(3).NextBytes(_data);
        _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (Crc32CBcl() != Crc32C() || Crc64NvmeBcl() != Tessera.Core.Hashing.Crc64Nvme.HashToUInt64(_data))
        {
            throw new InvalidOperationException("System.IO.Hashing's parameterized CRCs differ from Tessera's");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _md5.Dispose();
        _sha256.Dispose();
    }

    [Benchmark]
    public uint Crc32C()
    {
        _crc32C.Append(_data);
        var value = _crc32C.GetCurrentHashAsUInt32();
        _crc32C.Reset();
        return value;
    }

    [Benchmark]
    public int Crc64Nvme()
    {
        _crc64Nvme.Append(_data);
        return _crc64Nvme.GetHashAndReset(_digest);
    }

    [Benchmark]
    public uint Crc32CBcl()
    {
        _bclCrc32C.Append(_data);
        var value = _bclCrc32C.GetCurrentHashAsUInt32();
        _bclCrc32C.Reset();
        return value;
    }

    [Benchmark]
    public ulong Crc64NvmeBcl()
    {
        _bclCrc64Nvme.Append(_data);
        var value = _bclCrc64Nvme.GetCurrentHashAsUInt64();
        _bclCrc64Nvme.Reset();
        return value;
    }

    [Benchmark]
    public uint Crc32()
    {
        _crc32.Append(_data);
        var value = _crc32.GetCurrentHashAsUInt32();
        _crc32.Reset();
        return value;
    }

    [Benchmark]
    public ulong XxHash3() => System.IO.Hashing.XxHash3.HashToUInt64(_data);

    [Benchmark]
    public int Md5()
    {
        _md5.AppendData(_data);
        return _md5.GetHashAndReset(_digest);
    }

    [Benchmark]
    public int Sha256()
    {
        _sha256.AppendData(_data);
        return _sha256.GetHashAndReset(_digest);
    }

    private sealed class Config : ShortRunConfig
    {
        public Config()
            : base(Size)
        {
        }
    }
}
