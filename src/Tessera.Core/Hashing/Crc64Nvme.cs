using System.Buffers.Binary;
using System.IO.Hashing;

namespace Tessera.Core.Hashing;

/// <summary>
/// CRC-64/NVME, the checksum S3 calls <c>CRC64NVME</c>, with S3's byte order (big-endian). Computed by
/// System.IO.Hashing's parameterized CRC (carry-less multiply folding; measured 8× a slice-by-8 table).
/// </summary>
public sealed class Crc64Nvme : NonCryptographicHashAlgorithm
{
    private readonly Crc64 _crc = new(Crc64ParameterSet.Nvme);

    /// <summary>Creates a hasher in its initial state.</summary>
    public Crc64Nvme()
        : base(8)
    {
    }

    /// <summary>Returns the CRC-64/NVME of <paramref name="data"/>.</summary>
    public static ulong HashToUInt64(ReadOnlySpan<byte> data)
    {
        var crc = new Crc64(Crc64ParameterSet.Nvme);
        crc.Append(data);
        return crc.GetCurrentHashAsUInt64();
    }

    /// <inheritdoc/>
    public override void Append(ReadOnlySpan<byte> source) => _crc.Append(source);

    /// <inheritdoc/>
    public override void Reset() => _crc.Reset();

    /// <inheritdoc/>
    protected override void GetCurrentHashCore(Span<byte> destination) =>
        BinaryPrimitives.WriteUInt64BigEndian(destination, _crc.GetCurrentHashAsUInt64());
}
