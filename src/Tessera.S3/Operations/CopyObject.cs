using System.IO.Pipelines;
using System.Text;
using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.DataPath;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;
using Tessera.Storage;
using Tessera.Store;

namespace Tessera.S3.Operations;

/// <summary>
/// CopyObject: <c>PUT /bucket/key</c> with <c>x-amz-copy-source</c>. The source streams through a pipe into a new
/// segment (bounded memory), metadata is copied or replaced per <c>x-amz-metadata-directive</c>, tags per
/// <c>x-amz-tagging-directive</c>, and the copy commits like a PUT.
/// </summary>
internal static class CopyObject
{
    private const long MaxCopySize = 5L * 1024 * 1024 * 1024;

    public static async Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var (sourceBucket, sourceKey, sourceVersion) = ParseSource(r.Header("x-amz-copy-source")!);
        var source = r.Store.Index.GetBucket(sourceBucket) ?? throw new S3Exception(S3Errors.NoSuchBucket) { Details = [new("BucketName", sourceBucket)] };
        if (source.Owner != r.User.AccessKey)
        {
            throw new S3Exception(S3Errors.AccessDenied);
        }

        var original = r.Store.Index.GetObject(sourceBucket, sourceKey, sourceVersion)
            ?? throw new S3Exception(sourceVersion is null ? S3Errors.NoSuchKey : S3Errors.NoSuchVersion) { Details = [new("Key", sourceKey)] };
        ArchiveAccess.ForRead(r, sourceBucket, original);
        CheckCopyConditions(r, original);
        if (original.Size > MaxCopySize)
        {
            throw new S3Exception(S3Errors.InvalidRequest, $"The specified copy source is larger than the maximum allowable size for a copy source: {MaxCopySize}");
        }

        var metadataDirective = Directive(r, "x-amz-metadata-directive");
        var taggingDirective = Directive(r, "x-amz-tagging-directive");
        var versionId = r.NewVersionId(bucket);
        var manifest = metadataDirective == "REPLACE"
            ? ObjectHeaders.WithRequestAttributes(new ObjectManifest { Key = r.Key, VersionId = versionId }, r)
            : original with { Key = r.Key, VersionId = versionId, StorageClass = r.Header("x-amz-storage-class") ?? original.StorageClass };
        if (sourceBucket == bucket.Name && sourceKey == r.Key && sourceVersion is null
            && metadataDirective == "COPY" && r.Header("x-amz-storage-class") is null)
        {
            throw new S3Exception(S3Errors.InvalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
        }

        var algorithm = ChecksumAlgorithm.None;
        if (r.Header("x-amz-checksum-algorithm") is { } requested)
        {
            if (!Checksums.TryParse(requested, out algorithm))
            {
                throw new S3Exception(S3Errors.InvalidRequest, "Value for x-amz-checksum-algorithm header is invalid.");
            }
        }
        else if (original.Checksums.Count > 0)
        {
            Checksums.TryParse(original.Checksums[0].Key, out algorithm);
        }

        var tags = taggingDirective == "REPLACE" ? ObjectHeaders.ParseTaggingHeader(r.Header("x-amz-tagging")) : original.Tags;
        var template = manifest with { Owner = r.User.AccessKey, Tags = tags };
        var written = await CopyAsync(r, sourceBucket, original, 0, original.Size, algorithm, template.StorageClass, new VersionTarget(bucket.Name, template)).ConfigureAwait(false);
        var stored = written.Version!;
        var checksum = written.Checksum;
        if (source.Versioning != VersioningState.Unversioned)
        {
            r.Response.Headers["x-amz-copy-source-version-id"] = original.VersionId;
        }

        r.SetVersionHeader(bucket, stored.VersionId);
        BucketLifecycle.ExpirationHeader(r, bucket, stored);

        await S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("CopyObjectResult", S3Xml.Namespace);
            w.WriteElementString("LastModified", S3Xml.Timestamp(stored.LastModified));
            w.WriteElementString("ETag", "\"" + stored.ETag + "\"");
            if (checksum is { } cs)
            {
                w.WriteElementString("Checksum" + cs.Key, cs.Value);
            }

            w.WriteEndElement();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams bytes [offset, offset + length) of the source object through a bounded pipe into the store's write path
    /// (<see cref="ObjectUpload.CommitAsync"/>); the write commits only once the whole range was read from the source.
    /// </summary>
    internal static async Task<WriteResult> CopyAsync(
        S3Request r, string sourceBucket, ObjectManifest original, long offset, long length, ChecksumAlgorithm algorithm, string storageClass, WriteTarget target)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * 1024 * 1024, resumeWriterThreshold: 2 * 1024 * 1024));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(r.Aborted);
        var produce = ProduceAsync(r, sourceBucket, ArchiveAccess.ForRead(r, sourceBucket, original), offset, length, pipe.Writer, cancel.Token);
        try
        {
            return await ObjectUpload.CommitAsync(r, pipe.Reader.AsStream(), length, storageClass, new ComputedChecksum(algorithm, produce), target).ConfigureAwait(false);
        }
        catch
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await produce.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or StorageUnavailableException)
            {
                // The write failed first; its exception is the one to report.
            }

            throw;
        }
        finally
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static async Task ProduceAsync(S3Request r, string sourceBucket, ObjectManifest original, long offset, long length, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await ObjectReader.CopyToAsync(r.Store, sourceBucket, original, offset, length, writer.AsStream(leaveOpen: true), cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Parses <c>/bucket/key</c> or <c>bucket/key</c>, URL-encoded, with an optional <c>?versionId=</c>.</summary>
    internal static (string Bucket, string Key, string? VersionId) ParseSource(string header)
    {
        string? versionId = null;
        var q = header.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? header : header[..q];
        if (q >= 0)
        {
            var query = System.Web.HttpUtility.ParseQueryString(header[(q + 1)..]);
            versionId = query["versionId"];
        }

        if (!UriPath.TryDecode(path, out var decoded))
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid copy source encoding.") { Details = [new("ArgumentName", "x-amz-copy-source")] };
        }

        decoded = decoded.TrimStart('/');
        var slash = decoded.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == decoded.Length - 1)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
        }

        var bucket = decoded[..slash];
        var key = decoded[(slash + 1)..];
        if (!BucketNames.IsAddressable(bucket))
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid copy source bucket name") { Details = [new("ArgumentName", "x-amz-copy-source")] };
        }

        if (key.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(key) > 1024)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid copy source object key") { Details = [new("ArgumentName", "x-amz-copy-source")] };
        }

        if (versionId is not null && (versionId.Length == 0 || versionId.AsSpan().ContainsAnyInRange('\0', '\x1f')))
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid version id specified") { Details = [new("ArgumentName", "x-amz-copy-source")] };
        }

        return (bucket, key, versionId);
    }

    private static string Directive(S3Request r, string header)
    {
        var value = r.Header(header) ?? "COPY";
        return value is "COPY" or "REPLACE"
            ? value
            : throw new S3Exception(S3Errors.InvalidArgument, $"Unknown {(header.Contains("tagging", StringComparison.Ordinal) ? "tagging" : "metadata")} directive.");
    }

    internal static void CheckCopyConditions(S3Request r, ObjectManifest m)
    {
        var modified = m.LastModified.ToUnixTimeSeconds();
        var ifMatch = r.Header("x-amz-copy-source-if-match");
        var ifNoneMatch = r.Header("x-amz-copy-source-if-none-match");
        var failed = (ifMatch is not null && !GetObject.ETagMatches(ifMatch, m.ETag))
            || (ifMatch is null && GetObject.ParseDate(r.Header("x-amz-copy-source-if-unmodified-since")) is { } u && modified > u)
            || (ifNoneMatch is not null && GetObject.ETagMatches(ifNoneMatch, m.ETag))
            || (ifNoneMatch is null && GetObject.ParseDate(r.Header("x-amz-copy-source-if-modified-since")) is { } s && modified <= s);
        if (failed)
        {
            throw new S3Exception(S3Errors.PreconditionFailed);
        }
    }
}
