namespace Tessera.Index;

/// <content>ListMultipartUploads and ListParts.</content>
internal static partial class IndexListings
{
    /// <summary>The highest part number S3 allows.</summary>
    public const int MaxPartNumber = 10000;

    /// <summary>
    /// One page of a bucket's open uploads (<see cref="IIndexStore.ListUploads"/>), read through a cursor over its upload
    /// records (<c>08 'U' bucket 00 key 00 sequence</c>).
    /// </summary>
    /// <remarks>
    /// <para>Semantics (Amazon S3's ListMultipartUploads): take the open uploads of the keys that start with the
    /// prefix, keys in UTF-8 byte order and each key's uploads in initiation order; with a delimiter, a key whose rest
    /// after the prefix contains it is replaced by the common prefix up to and including its first occurrence, listed
    /// once. A key marker alone skips every entry whose key or common prefix is not after it (so a marker that is, or
    /// lies in, a common prefix skips that whole prefix). With an upload-id marker naming an open upload of the key
    /// marker, the key marker's uploads initiated after that one are kept too; when it names none (completed or
    /// aborted since the previous page), the key marker's uploads whose id sorts after it (UTF-8 byte order) are kept,
    /// which is S3's documented rule. An upload-id marker without a key marker is ignored, as in S3. The first
    /// <c>MaxUploads</c> entries (uploads and common prefixes together) are returned; <c>IsTruncated</c> says whether
    /// another exists, and only then are the next markers set: the last upload's key and id, or the last common
    /// prefix and no upload id.</para>
    /// <para>Validation: empty markers, prefix and delimiter count as absent; a key marker containing U+0000 throws
    /// <see cref="ArgumentException"/>; a prefix containing U+0000 matches nothing. <c>MaxUploads</c> 0 returns an
    /// empty, untruncated page. A missing bucket lists as empty: callers check the bucket first.</para>
    /// </remarks>
    /// <param name="bucket">The bucket (validated here).</param>
    /// <param name="query">The query (validated here).</param>
    /// <param name="findUpload">The sequence of the open upload (key, upload id) of the bucket, or null.</param>
    /// <param name="open">Opens the cursor, after validation; disposed here.</param>
    public static UploadListing ListUploads(string bucket, ListUploadsQuery query, Func<string, string, ulong?> findUpload, Func<IIndexCursor> open)
    {
        IndexKeys.ValidateBucket(bucket);
        ArgumentOutOfRangeException.ThrowIfNegative(query.MaxUploads);
        var keyMarker = string.IsNullOrEmpty(query.KeyMarker) ? null : query.KeyMarker;
        var uploadIdMarker = keyMarker is null || string.IsNullOrEmpty(query.UploadIdMarker) ? null : query.UploadIdMarker;
        if (keyMarker is not null && keyMarker.Contains('\0'))
        {
            throw new ArgumentException("A key marker may not contain U+0000.", nameof(query));
        }

        var uploads = new List<MultipartUpload>();
        var commonPrefixes = new List<string>();
        var prefix = RecordWriter.StrictUtf8.GetBytes(query.Prefix ?? "");
        var delimiter = string.IsNullOrEmpty(query.Delimiter) ? null : RecordWriter.StrictUtf8.GetBytes(query.Delimiter);
        if (query.MaxUploads == 0 || prefix.AsSpan().Contains(IndexKeys.Separator))
        {
            return new UploadListing(uploads, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextUploadIdMarker: null);
        }

        // scan = 08 'U' bucket 00 prefix: every record of the listing starts with it; object keys start at headLength
        // and end before the 00 sequence suffix.
        using var head = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], IndexKeys.UploadSpace, bucket);
        var headLength = head.Span.Length;
        var scan = new byte[headLength + prefix.Length];
        head.Span.CopyTo(scan);
        prefix.CopyTo(scan, headLength);

        var marker = keyMarker is null ? null : RecordWriter.StrictUtf8.GetBytes(keyMarker);
        ulong? markerSequence = null;
        byte[]? afterUploadId = null;
        if (uploadIdMarker is not null)
        {
            if (findUpload(keyMarker!, uploadIdMarker) is { } found)
            {
                markerSequence = found;
            }
            else
            {
                afterUploadId = RecordWriter.StrictUtf8.GetBytes(uploadIdMarker);
            }
        }

        // The first key to seek to: right after an open upload-id marker's record (marker 00 sequence 00); with a gone
        // one, the marker key's uploads (filtered by id below); otherwise after every upload of the marker key.
        var seek = MarkerStartKey(scan, headLength, prefix, delimiter, marker, markerSequence, includeMarkerKey: afterUploadId is not null);
        if (seek is null)
        {
            return new UploadListing(uploads, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextUploadIdMarker: null);
        }

        string? nextKey = null;
        string? nextUploadId = null;
        var truncated = false;
        using var cursor = open();
        cursor.Seek(seek);
        while (cursor.Valid)
        {
            var key = cursor.Key;
            if (!key.StartsWith(scan))
            {
                break;
            }

            if (key.Length < headLength + 1 + IndexKeys.SequenceSuffixLength)
            {
                throw new InvalidDataException("An upload key is too short.");
            }

            var objectKey = key[headLength..^(1 + IndexKeys.SequenceSuffixLength)];
            if (afterUploadId is not null && objectKey.SequenceEqual(marker!)
                && ManifestSerializer.UploadIdOf(cursor.Value).SequenceCompareTo(afterUploadId) <= 0)
            {
                // The key marker's uploads up to the (gone) upload-id marker, by id.
                cursor.Next();
                continue;
            }

            var rolled = delimiter is null ? -1 : objectKey[prefix.Length..].IndexOf(delimiter);
            if (uploads.Count + commonPrefixes.Count == query.MaxUploads)
            {
                truncated = true;
                break;
            }

            if (rolled < 0)
            {
                var upload = ManifestSerializer.ReadMultipartUpload(cursor.Value);
                uploads.Add(upload);
                (nextKey, nextUploadId) = (upload.Key, upload.UploadId);
                cursor.Next();
                continue;
            }

            var commonLength = prefix.Length + rolled + delimiter!.Length;
            nextKey = RecordWriter.StrictUtf8.GetString(objectKey[..commonLength]);
            nextUploadId = null;
            commonPrefixes.Add(nextKey);

            // Skip every upload of every key under the common prefix.
            if (!SeekPastFolder(cursor, key, headLength, commonLength))
            {
                break;
            }
        }

        return truncated
            ? new UploadListing(uploads, commonPrefixes, IsTruncated: true, nextKey, nextUploadId)
            : new UploadListing(uploads, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextUploadIdMarker: null);
    }

    /// <summary>
    /// The page of <paramref name="upload"/>'s parts after <paramref name="partNumberMarker"/> (ListParts), read through
    /// <paramref name="cursor"/> (<c>09 'P' bucket 00 key 00 uploadId 00 partNumber</c>): seeks straight to the part
    /// after the marker. <see cref="PartListing.NextPartNumberMarker"/> is the last part listed, or
    /// <paramref name="partNumberMarker"/> when none was. <paramref name="maxParts"/> 0 returns an empty, untruncated page.
    /// </summary>
    public static PartListing ListParts(IIndexCursor cursor, MultipartUpload upload, int partNumberMarker, int maxParts)
    {
        var parts = new List<UploadPart>();
        if (maxParts == 0 || partNumberMarker >= MaxPartNumber)
        {
            return new PartListing(upload, parts, IsTruncated: false, partNumberMarker);
        }

        using var prefix = IndexKeys.PartPrefix(stackalloc byte[KeyBuffer.StackSize], upload.Bucket, upload.Key, upload.UploadId);
        using (var start = IndexKeys.Part(stackalloc byte[KeyBuffer.StackSize], upload.Bucket, upload.Key, upload.UploadId, partNumberMarker + 1))
        {
            cursor.Seek(start.Span);
        }

        var truncated = false;
        for (; cursor.Valid && cursor.Key.StartsWith(prefix.Span); cursor.Next())
        {
            if (parts.Count == maxParts)
            {
                truncated = true;
                break;
            }

            parts.Add(ManifestSerializer.ReadUploadPart(cursor.Value));
        }

        return new PartListing(upload, parts, truncated, parts.Count == 0 ? partNumberMarker : parts[^1].PartNumber);
    }
}
