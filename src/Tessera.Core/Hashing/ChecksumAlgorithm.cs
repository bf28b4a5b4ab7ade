namespace Tessera.Core.Hashing;

/// <summary>The additional checksums S3 clients may attach to an upload (x-amz-checksum-*).</summary>
public enum ChecksumAlgorithm
{
    /// <summary>No additional checksum.</summary>
    None,

    /// <summary>CRC-32 (IEEE, as in gzip).</summary>
    Crc32,

    /// <summary>CRC-32C (Castagnoli).</summary>
    Crc32C,

    /// <summary>CRC-64/NVME.</summary>
    Crc64Nvme,

    /// <summary>SHA-1.</summary>
    Sha1,

    /// <summary>SHA-256.</summary>
    Sha256,
}
