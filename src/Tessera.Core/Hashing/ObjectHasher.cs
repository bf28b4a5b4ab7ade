using System.IO.Hashing;
using System.Security.Cryptography;

namespace Tessera.Core.Hashing;

/// <summary>
/// Hashes an object's bytes once as they stream through a PUT: always MD5 (the ETag), plus at most one additional
/// S3 checksum, plus SHA-256 of the payload when the signature covers it. One instance per request.
/// </summary>
public sealed class ObjectHasher : IDisposable
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash? _sha256;
    private readonly IncrementalHash? _sha1;
    private readonly NonCryptographicHashAlgorithm? _crc;
    private byte[]? _md5Value;
    private byte[]? _sha256Value;
    private byte[]? _checksumValue;

    /// <summary>Creates a hasher.</summary>
    /// <param name="checksum">The additional checksum to compute, if any.</param>
    /// <param name="payloadSha256">Also compute SHA-256 (for x-amz-content-sha256 verification).</param>
    public ObjectHasher(ChecksumAlgorithm checksum, bool payloadSha256)
    {
        Checksum = checksum;
        if (checksum == ChecksumAlgorithm.Sha256 || payloadSha256)
        {
            _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        if (checksum == ChecksumAlgorithm.Sha1)
        {
            _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        }

        _crc = checksum switch
        {
            ChecksumAlgorithm.Crc32 => new Crc32(),
            ChecksumAlgorithm.Crc32C => new Crc32C(),
            ChecksumAlgorithm.Crc64Nvme => new Crc64Nvme(),
            _ => null,
        };
    }

    /// <summary>The additional checksum computed.</summary>
    public ChecksumAlgorithm Checksum { get; }

    /// <summary>Bytes hashed so far.</summary>
    public long Length { get; private set; }

    /// <summary>Feeds the next bytes of the object.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        _md5.AppendData(data);
        _sha256?.AppendData(data);
        _sha1?.AppendData(data);
        _crc?.Append(data);
        Length += data.Length;
    }

    /// <summary>
    /// The MD5 digest (16 bytes), after the last <see cref="Append"/>. The first call finishes the hash; later calls
    /// return the same digest (the segment writer takes it for the fragment trailer, the caller again to check it).
    /// </summary>
    public byte[] GetMd5() => _md5Value ??= _md5.GetHashAndReset();

    /// <summary>The payload SHA-256 (32 bytes), when requested. Idempotent like <see cref="GetMd5"/>.</summary>
    public byte[]? GetSha256() => _sha256 is null ? null : _sha256Value ??= _sha256.GetHashAndReset();

    /// <summary>The additional checksum's digest (big-endian for CRCs), or null. Idempotent like <see cref="GetMd5"/>.</summary>
    /// <param name="sha256">The SHA-256 already taken with <see cref="GetSha256"/>, reused when the checksum is SHA-256.</param>
    public byte[]? GetChecksum(byte[]? sha256 = null) => Checksum switch
    {
        ChecksumAlgorithm.None => null,
        ChecksumAlgorithm.Sha256 => sha256 ?? GetSha256(),
        ChecksumAlgorithm.Sha1 => _checksumValue ??= _sha1!.GetHashAndReset(),

        // System.IO.Hashing's Crc32 emits little-endian bytes; S3 wants the CRC big-endian.
        ChecksumAlgorithm.Crc32 => _checksumValue ??= BigEndian(((Crc32)_crc!).GetCurrentHashAsUInt32()),
        _ => _checksumValue ??= _crc!.GetHashAndReset(),
    };

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _md5.Dispose();
        _sha256?.Dispose();
        _sha1?.Dispose();
    }
}
