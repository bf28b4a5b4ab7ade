using Tessera.S3.DataPath;
using Tessera.S3.Gateway;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// UploadPart: <c>PUT /bucket/key?partNumber=N&amp;uploadId=X</c>. The part becomes its own erasure-coded segment,
/// verified like a PUT (Content-MD5, x-amz-checksum-*, payload signature); uploading a part number again replaces
/// it and queues the old segment as garbage.
/// </summary>
internal static class UploadPart
{
    public static async Task HandleAsync(S3Request r)
    {
        var upload = MultipartRequest.RequireUpload(r);
        var partNumber = MultipartRequest.PartNumber(r);
        MultipartRequest.RequirePartChecksum(r, upload);
        var written = await ObjectUpload.WriteAsync(
            r, upload.Template.StorageClass, new PartTarget(upload.Bucket, upload.Key, upload.UploadId, partNumber), MultipartRequest.Algorithm(upload)).ConfigureAwait(false);
        r.Response.StatusCode = 200;
        r.Response.Headers.ETag = "\"" + written.Segment.ETag + "\"";
        if (written.Checksum is { } checksum)
        {
            r.Response.Headers["x-amz-checksum-" + checksum.Key.ToLowerInvariant()] = checksum.Value;
        }

        r.Response.ContentLength = 0;
    }
}
