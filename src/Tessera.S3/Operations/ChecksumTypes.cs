using Tessera.Core.Errors;
using Tessera.Core.Hashing;

namespace Tessera.S3.Operations;

/// <summary>
/// S3's checksum types of a multipart upload (<c>x-amz-checksum-type</c>): COMPOSITE, a checksum of the parts'
/// checksums with <c>-N</c>, or FULL_OBJECT, the checksum of the whole object (for CRCs only, combined from the parts'
/// CRCs). CRC64NVME is FULL_OBJECT only, SHA-1 and SHA-256 COMPOSITE only, CRC32 and CRC32C either.
/// </summary>
internal static class ChecksumTypes
{
    /// <summary>The COMPOSITE type.</summary>
    public const string Composite = "COMPOSITE";

    /// <summary>The FULL_OBJECT type.</summary>
    public const string FullObject = "FULL_OBJECT";

    /// <summary>The type an upload gets when it names only the algorithm.</summary>
    public static string Default(ChecksumAlgorithm algorithm) => algorithm == ChecksumAlgorithm.Crc64Nvme ? FullObject : Composite;

    /// <summary>
    /// The type of a new upload from its headers: InvalidRequest for an unknown type, a type without an algorithm, or a
    /// pair S3 does not allow.
    /// </summary>
    public static string? Resolve(ChecksumAlgorithm algorithm, string? header)
    {
        if (header is null)
        {
            return algorithm == ChecksumAlgorithm.None ? null : Default(algorithm);
        }

        if (header is not (Composite or FullObject))
        {
            throw new S3Exception(S3Errors.InvalidRequest, "Value for x-amz-checksum-type header is invalid.");
        }

        if (algorithm == ChecksumAlgorithm.None)
        {
            throw new S3Exception(S3Errors.InvalidRequest, "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
        }

        var allowed = header == FullObject
            ? algorithm is ChecksumAlgorithm.Crc32 or ChecksumAlgorithm.Crc32C or ChecksumAlgorithm.Crc64Nvme
            : algorithm is not ChecksumAlgorithm.Crc64Nvme;
        return allowed
            ? header
            : throw new S3Exception(S3Errors.InvalidRequest, $"The {header} checksum type cannot be used with the {Checksums.Name(algorithm).ToLowerInvariant()} checksum algorithm.");
    }

    /// <summary>The type of a stored checksum value: a composite one ends in <c>-N</c>.</summary>
    public static string Of(string value) => value.Contains('-', StringComparison.Ordinal) ? Composite : FullObject;
}
