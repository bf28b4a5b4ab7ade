using Tessera.Core.Errors;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// UploadPartCopy: <c>PUT /bucket/key?partNumber=N&amp;uploadId=X</c> with <c>x-amz-copy-source</c> and an optional
/// <c>x-amz-copy-source-range: bytes=first-last</c>. The bytes stream from the source object into the part's segment.
/// </summary>
internal static class UploadPartCopy
{
    public static async Task HandleAsync(S3Request r)
    {
        var upload = MultipartRequest.RequireUpload(r);
        var partNumber = MultipartRequest.PartNumber(r);
        var (sourceBucket, sourceKey, sourceVersion) = CopyObject.ParseSource(r.Header("x-amz-copy-source")!);
        var source = r.Store.Index.GetBucket(sourceBucket) ?? throw new S3Exception(S3Errors.NoSuchBucket) { Details = [new("BucketName", sourceBucket)] };
        if (source.Owner != r.User.AccessKey)
        {
            throw new S3Exception(S3Errors.AccessDenied);
        }

        var original = r.Store.Index.GetObject(sourceBucket, sourceKey, sourceVersion)
            ?? throw new S3Exception(sourceVersion is null ? S3Errors.NoSuchKey : S3Errors.NoSuchVersion) { Details = [new("Key", sourceKey)] };
        ArchiveAccess.ForRead(r, sourceBucket, original);
        CopyObject.CheckCopyConditions(r, original);
        var (offset, length) = Range(r.Header("x-amz-copy-source-range"), original.Size);
        if (length > r.Services.Options.MaxObjectSize)
        {
            throw new S3Exception(S3Errors.EntityTooLarge);
        }

        var written = await CopyObject.CopyAsync(
            r, sourceBucket, original, offset, length, MultipartRequest.Algorithm(upload), upload.Template.StorageClass,
            new PartTarget(upload.Bucket, upload.Key, upload.UploadId, partNumber)).ConfigureAwait(false);
        var now = written.Part!.LastModified;
        var segment = written.Segment;
        var checksum = written.Checksum;
        if (source.Versioning != Tessera.Index.VersioningState.Unversioned)
        {
            r.Response.Headers["x-amz-copy-source-version-id"] = original.VersionId;
        }

        await S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("CopyPartResult", S3Xml.Namespace);
            w.WriteElementString("LastModified", S3Xml.Timestamp(now));
            w.WriteElementString("ETag", "\"" + segment.ETag + "\"");
            if (checksum is { } c)
            {
                w.WriteElementString("Checksum" + c.Key, c.Value);
            }

            w.WriteEndElement();
        }).ConfigureAwait(false);
    }

    /// <summary>Parses <c>bytes=first-last</c> (both required, inside the source), or the whole source.</summary>
    private static (long Offset, long Length) Range(string? header, long size)
    {
        if (header is null)
        {
            return (0, size);
        }

        var spec = header.StartsWith("bytes=", StringComparison.Ordinal) ? header[6..] : null;
        var dash = spec?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (spec is null || dash <= 0
            || !long.TryParse(spec.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(spec.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var last)
            || last < first)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
        }

        if (last >= size)
        {
            throw new S3Exception(S3Errors.InvalidRange, $"The specified copy range is invalid for the source object size: {size}");
        }

        return (first, last - first + 1);
    }
}
