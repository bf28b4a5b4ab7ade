using System.Globalization;
using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>What the part-level multipart operations share: the upload they address and the part number.</summary>
internal static class MultipartRequest
{
    /// <summary>The upload named by <c>uploadId</c>, in the caller's bucket (NoSuchUpload otherwise).</summary>
    public static MultipartUpload RequireUpload(S3Request r)
    {
        r.RequireOwnedBucket();
        var uploadId = r.UploadIdQuery();
        return r.Store.Index.GetUpload(r.Bucket, r.Key, uploadId) ?? throw NoSuchUpload(uploadId);
    }

    /// <summary>The <c>partNumber</c> query parameter, 1 to 10,000.</summary>
    public static int PartNumber(S3Request r)
    {
        if (!int.TryParse(r.Query("partNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10000)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive") { Details = [new("ArgumentName", "partNumber")] };
        }

        return n;
    }

    /// <summary>The checksum algorithm the upload asked for at creation, if any.</summary>
    public static ChecksumAlgorithm Algorithm(MultipartUpload upload) =>
        upload.Template.Checksums.Count > 0 && Checksums.TryParse(upload.Template.Checksums[0].Key, out var algorithm) ? algorithm : ChecksumAlgorithm.None;

    /// <summary>The checksum type of the upload (COMPOSITE or FULL_OBJECT; uploads from before types were kept get the algorithm's default).</summary>
    public static string ChecksumType(MultipartUpload upload) =>
        upload.Template.Checksums.Count > 0 && upload.Template.Checksums[0].Value is ChecksumTypes.Composite or ChecksumTypes.FullObject
            ? upload.Template.Checksums[0].Value
            : ChecksumTypes.Default(Algorithm(upload));

    /// <summary>
    /// Refuses a part whose checksum is not the upload's: a part of an upload with a checksum must carry one of that
    /// algorithm when the type is COMPOSITE (the parts' checksums are the object's), or none, which the store computes.
    /// </summary>
    public static void RequirePartChecksum(S3Request r, MultipartUpload upload)
    {
        var expected = Algorithm(upload);
        var declared = RequestDigests.FromRequest(r).Algorithm;
        if (expected == ChecksumAlgorithm.None || declared == expected || (declared == ChecksumAlgorithm.None && ChecksumType(upload) == ChecksumTypes.FullObject))
        {
            return;
        }

        var name = declared == ChecksumAlgorithm.None ? "null" : Checksums.Name(declared).ToLowerInvariant();
        throw new S3Exception(S3Errors.InvalidRequest, $"Checksum Type mismatch occurred, expected checksum Type: {Checksums.Name(expected).ToLowerInvariant()}, actual checksum Type: {name}");
    }

    /// <summary>NoSuchUpload with the upload id in the body, as S3 sends it.</summary>
    public static S3Exception NoSuchUpload(string uploadId) =>
        new(S3Errors.NoSuchUpload) { Details = [new("UploadId", uploadId)] };
}
