namespace Tessera.Index;

/// <summary>
/// What the index remembers of a completed multipart upload for a while (<see cref="IIndexStore.GetCompletedUpload"/>),
/// so that a client retrying CompleteMultipartUpload after a lost response gets the same answer, as S3 gives.
/// </summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key.</param>
/// <param name="UploadId">The upload.</param>
/// <param name="VersionId">The version the completion committed.</param>
/// <param name="ETag">Its ETag (md5-of-md5s-N, without quotes).</param>
/// <param name="Parts">The completed part list, <c>number:etag</c> joined by commas: a retry must name the same parts.</param>
/// <param name="Completed">When it was completed.</param>
public sealed record CompletedUpload(string Bucket, string Key, string UploadId, string VersionId, string ETag, string Parts, DateTimeOffset Completed)
{
    /// <summary>The canonical part list of a completion: <c>number:etag</c> for each part, in order.</summary>
    public static string PartList(IEnumerable<(int PartNumber, string ETag)> parts) =>
        string.Join(',', parts.Select(p => p.PartNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + p.ETag));
}
