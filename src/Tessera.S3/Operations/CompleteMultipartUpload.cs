using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Tessera.Core.Errors;
using Tessera.Core.Hashing;
using Tessera.Index;
using Tessera.S3.DataPath;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;
using Tessera.Store;
using StoredPart = Tessera.Index.UploadPart;

namespace Tessera.S3.Operations;

/// <summary>
/// CompleteMultipartUpload: <c>POST /bucket/key?uploadId=X</c> with the part list. Checks it as S3 does (ascending
/// order, every ETag and checksum matching a stored part, every part but the last at least the minimum size),
/// then commits one manifest that refers to the parts' segments in order: no byte is copied. The ETag is the hex MD5
/// of the concatenated binary part MD5s followed by <c>-N</c>; a requested checksum is the checksum of the part
/// checksums, also with <c>-N</c> (S3's composite checksums).
/// </summary>
internal static class CompleteMultipartUpload
{
    public static async Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var uploadId = r.UploadIdQuery();
        var condition = PutObject.Conditions(r);
        var upload = r.Store.Index.GetUpload(r.Bucket, r.Key, uploadId);
        var requested = await ParsePartsAsync(r).ConfigureAwait(false);
        if (upload is null)
        {
            // A retry of a completion whose answer was lost: the same part list gets the same answer, as S3 gives.
            var completed = r.Store.Index.GetCompletedUpload(r.Bucket, r.Key, uploadId);
            if (completed is null || completed.Parts != CompletedUpload.PartList(requested.Select(p => (p.PartNumber, p.ETag.Trim().Trim('"')))))
            {
                throw MultipartRequest.NoSuchUpload(uploadId);
            }

            r.SetVersionHeader(bucket, completed.VersionId);
            await WriteResultAsync(r, bucket, completed.ETag, checksum: null).ConfigureAwait(false);
            return;
        }

        var stored = new Dictionary<int, StoredPart>();
        for (var marker = 0; ;)
        {
            var page = r.Store.Index.ListParts(r.Bucket, r.Key, uploadId, marker, 1000) ?? throw MultipartRequest.NoSuchUpload(uploadId);
            foreach (var part in page.Parts)
            {
                stored[part.PartNumber] = part;
            }

            if (!page.IsTruncated)
            {
                break;
            }

            marker = page.NextPartNumberMarker;
        }

        var algorithm = MultipartRequest.Algorithm(upload);
        var parts = new List<StoredPart>(requested.Count);
        for (var i = 0; i < requested.Count; i++)
        {
            var (number, etag, checksums) = requested[i];
            if (i > 0 && number <= requested[i - 1].PartNumber)
            {
                throw new S3Exception(S3Errors.InvalidPartOrder);
            }

            if (!stored.TryGetValue(number, out var part) || part.Segment.ETag != etag.Trim().Trim('"')
                || checksums.Any(c => !string.Equals(c.Key, part.ChecksumAlgorithm, StringComparison.OrdinalIgnoreCase) || c.Value != part.Checksum))
            {
                throw new S3Exception(S3Errors.InvalidPart) { Details = [new("UploadId", uploadId), new("PartNumber", number.ToString(CultureInfo.InvariantCulture)), new("ETag", etag)] };
            }

            parts.Add(part);
        }

        for (var i = 0; i < parts.Count - 1; i++)
        {
            if (parts[i].Segment.Size < r.Services.Options.MinPartSize)
            {
                throw new S3Exception(S3Errors.EntityTooSmall)
                {
                    Details =
                    [
                        new("ProposedSize", parts[i].Segment.Size.ToString(CultureInfo.InvariantCulture)),
                        new("MinSizeAllowed", r.Services.Options.MinPartSize.ToString(CultureInfo.InvariantCulture)),
                        new("PartNumber", parts[i].PartNumber.ToString(CultureInfo.InvariantCulture)),
                        new("ETag", parts[i].Segment.ETag),
                    ],
                };
            }
        }

        var checksum = MultipartRequest.ChecksumType(upload) == ChecksumTypes.FullObject ? FullObject(algorithm, parts) : Composite(algorithm, parts);
        var manifest = upload.Template with
        {
            VersionId = r.NewVersionId(bucket),
            Size = parts.Sum(p => p.Segment.Size),
            ETag = MultipartETag(parts),
            LastModified = r.Store.Time.GetUtcNow(),
            Owner = r.User.AccessKey,
            Checksums = checksum is { } c ? [c] : [],
            Segments = parts.Select(p => p.Segment).ToList(),
        };

        // The completion writes no segment: its manifest goes to the disks first, so the index can be rebuilt from them.
        var recordId = manifest.Segments[0].Segment;
        await CompletionRecords.WriteAsync(
            r.Store.Storage, r.Store.Storage.PolicyFor(manifest.StorageClass), recordId, RecoveryRecord.ForCompletion(bucket.Name, uploadId, manifest).ToBytes(), r.Aborted).ConfigureAwait(false);
        var result = r.Store.Index.CompleteUpload(r.Bucket, r.Key, uploadId, parts.Select(p => p.PartNumber).ToList(), manifest, condition);
        if (result.Status != CompleteStatus.Completed)
        {
            CompletionRecords.Delete(r.Store.Storage, recordId);
        }

        var committed = result.Status switch
        {
            CompleteStatus.Completed => result.Stored!,
            CompleteStatus.NoSuchUpload => throw MultipartRequest.NoSuchUpload(uploadId),
            CompleteStatus.InvalidPart => throw new S3Exception(S3Errors.InvalidPart),
            CompleteStatus.PreconditionFailed => throw ObjectUpload.ConditionFailed(r, condition),
            _ => throw r.Error(S3Errors.NoSuchBucket),
        };

        r.SetVersionHeader(bucket, committed.VersionId);
        BucketLifecycle.ExpirationHeader(r, bucket, committed);
        await WriteResultAsync(r, bucket, committed.ETag, checksum).ConfigureAwait(false);
    }

    private static Task WriteResultAsync(S3Request r, BucketInfo bucket, string etag, KeyValuePair<string, string>? checksum) =>
        S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("CompleteMultipartUploadResult", S3Xml.Namespace);
            w.WriteElementString("Location", $"{r.Request.Scheme}://{r.Request.Host}/{bucket.Name}/{Uri.EscapeDataString(r.Key).Replace("%2F", "/", StringComparison.Ordinal)}");
            w.WriteElementString("Bucket", bucket.Name);
            w.WriteElementString("Key", r.Key);
            w.WriteElementString("ETag", "\"" + etag + "\"");
            if (checksum is { } cs)
            {
                w.WriteElementString("Checksum" + cs.Key, cs.Value);
                w.WriteElementString("ChecksumType", ChecksumTypes.Of(cs.Value));
            }

            w.WriteEndElement();
        });

    /// <summary>hex(MD5(md5(part 1) ‖ … ‖ md5(part N))) + "-N".</summary>
    internal static string MultipartETag(List<StoredPart> parts)
    {
        var concatenated = new byte[16 * parts.Count];
        for (var i = 0; i < parts.Count; i++)
        {
            Convert.FromHexString(parts[i].Segment.ETag).CopyTo(concatenated, 16 * i);
        }

        return Convert.ToHexStringLower(MD5.HashData(concatenated)) + "-" + parts.Count.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The checksum of the concatenated binary part checksums, base64, with "-N" (S3's COMPOSITE type).</summary>
    private static KeyValuePair<string, string>? Composite(ChecksumAlgorithm algorithm, List<StoredPart> parts)
    {
        if (algorithm == ChecksumAlgorithm.None || parts.Any(p => p.Checksum is null))
        {
            return null;
        }

        using var hasher = new ObjectHasher(algorithm, payloadSha256: false);
        foreach (var part in parts)
        {
            hasher.Append(Convert.FromBase64String(part.Checksum!));
        }

        return new(Checksums.Name(algorithm), Convert.ToBase64String(hasher.GetChecksum()!) + "-" + parts.Count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The CRC of the whole object, combined from the parts' CRCs and sizes (S3's FULL_OBJECT type), base64.</summary>
    private static KeyValuePair<string, string>? FullObject(ChecksumAlgorithm algorithm, List<StoredPart> parts)
    {
        if (algorithm is not (ChecksumAlgorithm.Crc32 or ChecksumAlgorithm.Crc32C or ChecksumAlgorithm.Crc64Nvme) || parts.Any(p => p.Checksum is null))
        {
            return null;
        }

        var width = Checksums.DigestLength(algorithm);
        ulong crc = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var bytes = Convert.FromBase64String(parts[i].Checksum!);
            var value = width == 8 ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
            crc = i == 0 ? value : CrcCombine.Combine(algorithm, crc, value, parts[i].Segment.Size);
        }

        var result = new byte[width];
        if (width == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(result, crc);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(result, (uint)crc);
        }

        return new(Checksums.Name(algorithm), Convert.ToBase64String(result));
    }

    private static async Task<List<(int PartNumber, string ETag, List<KeyValuePair<string, string>> Checksums)>> ParsePartsAsync(S3Request r)
    {
        // An empty body is MalformedXML here, as S3 answers (not MissingRequestBodyError).
        var root = await RequestBody.ReadXmlAsync(r, 4 * 1024 * 1024, required: false).ConfigureAwait(false);
        if (root is null || root.Name.LocalName != "CompleteMultipartUpload")
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        var parts = new List<(int, string, List<KeyValuePair<string, string>>)>();
        foreach (var part in S3Xml.Children(root, "Part"))
        {
            var number = S3Xml.ChildValue(part, "PartNumber");
            var etag = S3Xml.ChildValue(part, "ETag");
            if (etag is null || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10000)
            {
                throw new S3Exception(S3Errors.MalformedXML);
            }

            var checksums = part.Elements()
                .Where(e => e.Name.LocalName.StartsWith("Checksum", StringComparison.Ordinal) && e.Name.LocalName.Length > 8 && e.Name.LocalName != "ChecksumType")
                .Select(e => new KeyValuePair<string, string>(e.Name.LocalName[8..], e.Value))
                .ToList();
            parts.Add((n, etag, checksums));
        }

        if (parts.Count == 0)
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        return parts;
    }
}
