using System.Diagnostics.CodeAnalysis;

namespace Tessera.Core.Hashing;

/// <summary>Names of the checksum algorithms as S3 spells them in headers, XML and the manifest.</summary>
public static class Checksums
{
    /// <summary>Every algorithm that has a value, in S3's documentation order.</summary>
    public static IReadOnlyList<ChecksumAlgorithm> All { get; } =
        [ChecksumAlgorithm.Crc32, ChecksumAlgorithm.Crc32C, ChecksumAlgorithm.Crc64Nvme, ChecksumAlgorithm.Sha1, ChecksumAlgorithm.Sha256];

    /// <summary>The algorithm's S3 name: <c>CRC32</c>, <c>CRC32C</c>, <c>CRC64NVME</c>, <c>SHA1</c>, <c>SHA256</c>.</summary>
    public static string Name(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 => "CRC32",
        ChecksumAlgorithm.Crc32C => "CRC32C",
        ChecksumAlgorithm.Crc64Nvme => "CRC64NVME",
        ChecksumAlgorithm.Sha1 => "SHA1",
        ChecksumAlgorithm.Sha256 => "SHA256",
        _ => "",
    };

    /// <summary>The header carrying the value: <c>x-amz-checksum-crc32</c> and so on.</summary>
    public static string HeaderName(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 => "x-amz-checksum-crc32",
        ChecksumAlgorithm.Crc32C => "x-amz-checksum-crc32c",
        ChecksumAlgorithm.Crc64Nvme => "x-amz-checksum-crc64nvme",
        ChecksumAlgorithm.Sha1 => "x-amz-checksum-sha1",
        ChecksumAlgorithm.Sha256 => "x-amz-checksum-sha256",
        _ => "",
    };

    /// <summary>Parses an S3 algorithm name (case-insensitive), as in <c>x-amz-checksum-algorithm</c> or <c>x-amz-sdk-checksum-algorithm</c>.</summary>
    public static bool TryParse(string? name, out ChecksumAlgorithm algorithm)
    {
        algorithm = name?.ToUpperInvariant() switch
        {
            "CRC32" => ChecksumAlgorithm.Crc32,
            "CRC32C" => ChecksumAlgorithm.Crc32C,
            "CRC64NVME" => ChecksumAlgorithm.Crc64Nvme,
            "SHA1" => ChecksumAlgorithm.Sha1,
            "SHA256" => ChecksumAlgorithm.Sha256,
            _ => ChecksumAlgorithm.None,
        };
        return algorithm != ChecksumAlgorithm.None;
    }

    /// <summary>Finds the algorithm of a header name such as <c>x-amz-checksum-crc32c</c> (case-insensitive).</summary>
    public static bool TryParseHeader([NotNullWhen(true)] string? header, out ChecksumAlgorithm algorithm)
    {
        const string Prefix = "x-amz-checksum-";
        algorithm = ChecksumAlgorithm.None;
        return header is not null
            && header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            && TryParse(header[Prefix.Length..], out algorithm);
    }

    /// <summary>Length in bytes of the algorithm's digest.</summary>
    public static int DigestLength(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Crc32 or ChecksumAlgorithm.Crc32C => 4,
        ChecksumAlgorithm.Crc64Nvme => 8,
        ChecksumAlgorithm.Sha1 => 20,
        ChecksumAlgorithm.Sha256 => 32,
        _ => 0,
    };
}
