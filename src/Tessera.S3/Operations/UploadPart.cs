using Tessera.Index;
using Tessera.S3.DataPath;
using Tessera.Store;
using Tessera.S3.Gateway;
using Tessera.Storage;
using StoredPart = Tessera.Index.UploadPart;

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
        StoredPart? recorded = null;
        var received = await ObjectUpload.ReceiveAsync(
            r,
            new SegmentOwner(upload.Bucket, upload.Key, upload.UploadId, partNumber),
            upload.Template.StorageClass,
            (segment, checksum) =>
            {
                recorded = new StoredPart(partNumber, segment, r.Store.Time.GetUtcNow(), checksum?.Key, checksum?.Value);
                return RecoveryRecord.ForPart(upload.Bucket, upload.Key, upload.UploadId, recorded).ToBytes();
            },
            MultipartRequest.Algorithm(upload)).ConfigureAwait(false);
        var part = recorded! with { Segment = received.Segment };
        Store(r, upload.UploadId, part);
        r.Response.StatusCode = 200;
        r.Response.Headers.ETag = "\"" + received.Segment.ETag + "\"";
        if (received.Checksum is { } checksum)
        {
            r.Response.Headers["x-amz-checksum-" + checksum.Key.ToLowerInvariant()] = checksum.Value;
        }

        r.Response.ContentLength = 0;
    }

    /// <summary>Records a written part, deleting its fragments again when the upload is gone meanwhile.</summary>
    public static void Store(S3Request r, string uploadId, StoredPart part)
    {
        var result = r.Store.Index.PutPart(r.Bucket!, r.Key!, uploadId, part);
        if (result.Status != Tessera.Index.PutPartStatus.Stored)
        {
            SegmentCleanup.Delete(r.Store.Storage, part.Segment);
            throw MultipartRequest.NoSuchUpload(uploadId);
        }
    }
}
