namespace Tessera.Index;

/// <content>ListObjectVersions and the lookup of one version by id.</content>
internal static partial class IndexListings
{
    /// <summary>
    /// Version id the store generates (delete markers in versioned buckets; puts that bring none):
    /// <c>v</c> + the sequence as 16 lower-case hex digits, ordered like the sequence.
    /// </summary>
    public static string GeneratedVersionId(ulong sequence) => "v" + sequence.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// One page of every version and delete marker (<see cref="IIndexStore.ListObjectVersions"/>), read through a
    /// cursor over the bucket's version records (<c>03 'V' bucket 00 key 00 ~sequence</c>).
    /// </summary>
    /// <remarks>
    /// <para>Semantics (Amazon S3's): take the versions and delete markers of the keys that start with the prefix,
    /// keys in UTF-8 byte order and each key's versions newest first; with a delimiter, a key whose rest after the
    /// prefix contains it is replaced by the common prefix up to and including its first occurrence, listed once.
    /// A key marker alone skips every entry whose key or common prefix is not after it (so a marker that is, or lies
    /// in, a common prefix skips that whole prefix); with a version-id marker, the versions of the key marker older
    /// than that version are kept too. The first <c>MaxKeys</c> entries (versions, delete markers and common prefixes
    /// together) are returned; <c>IsTruncated</c> says whether another exists, and only then are the next markers
    /// set: the last version's key and id, or the last common prefix and no version id, so passing them back
    /// continues exactly. <see cref="VersionEntry.IsLatest"/> marks the newest record of each key, which is by
    /// construction the one its latest pointer copies (every write moves the pointer in the same write).</para>
    /// <para>Validation: empty markers, prefix and delimiter count as absent. A version-id marker without a key
    /// marker, or naming no version of the key marker (for instance one deleted since the previous page), throws
    /// <see cref="ArgumentException"/> (S3: 400 InvalidArgument), as does a key marker containing U+0000. A prefix
    /// containing U+0000 matches nothing. <c>MaxKeys</c> 0 returns an empty, untruncated page (after validating
    /// the markers). A missing bucket lists as empty: callers check the bucket first.</para>
    /// <para>Cost: a generated version-id marker costs one seek (others scan the key's versions newest first); after a
    /// common prefix the cursor seeks past the whole prefix.</para>
    /// </remarks>
    /// <param name="bucket">The bucket (validated here).</param>
    /// <param name="query">The query (validated here).</param>
    /// <param name="open">Opens the cursor, after validation; disposed here.</param>
    public static VersionListing ListObjectVersions(string bucket, ListVersionsQuery query, Func<IIndexCursor> open)
    {
        IndexKeys.ValidateBucket(bucket);
        ArgumentOutOfRangeException.ThrowIfNegative(query.MaxKeys);
        var keyMarker = string.IsNullOrEmpty(query.KeyMarker) ? null : query.KeyMarker;
        var versionIdMarker = string.IsNullOrEmpty(query.VersionIdMarker) ? null : query.VersionIdMarker;
        if (versionIdMarker is not null && keyMarker is null)
        {
            throw new ArgumentException("A version-id marker requires a key marker.", nameof(query));
        }

        if (keyMarker is not null && keyMarker.Contains('\0'))
        {
            throw new ArgumentException("A key marker may not contain U+0000.", nameof(query));
        }

        var versions = new List<VersionEntry>();
        var commonPrefixes = new List<string>();
        var prefix = RecordWriter.StrictUtf8.GetBytes(query.Prefix ?? "");
        var delimiter = string.IsNullOrEmpty(query.Delimiter) ? null : RecordWriter.StrictUtf8.GetBytes(query.Delimiter);

        // scan = 03 'V' bucket 00 prefix: every record of the listing starts with it; object keys start at headLength
        // and end before the 00 ~sequence suffix.
        using var head = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], IndexKeys.VersionSpace, bucket);
        var headLength = head.Span.Length;
        var scan = new byte[headLength + prefix.Length];
        head.Span.CopyTo(scan);
        prefix.CopyTo(scan, headLength);

        using var cursor = open();
        var marker = keyMarker is null ? null : RecordWriter.StrictUtf8.GetBytes(keyMarker);
        ulong? markerSequence = null;
        if (versionIdMarker is not null)
        {
            // A marker version that is gone (deleted between two pages) or never was: go on after the marker key, as
            // S3 does rather than failing a paginator half-way.
            markerSequence = SeekVersion(cursor, bucket, keyMarker!, versionIdMarker)
                ? IndexKeys.SequenceOfVersionKey(cursor.Key)
                : null;
        }

        if (query.MaxKeys == 0 || prefix.AsSpan().Contains(IndexKeys.Separator))
        {
            return new VersionListing(versions, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextVersionIdMarker: null);
        }

        // The first key to seek to: right after the version marker's record (marker 00 ~sequence 00), or after every
        // record of the marker key.
        var seek = MarkerStartKey(scan, headLength, prefix, delimiter, marker, markerSequence is { } s ? ~s : null, includeMarkerKey: false);
        if (seek is null)
        {
            return new VersionListing(versions, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextVersionIdMarker: null);
        }

        // The key of the previous record listed: a record is the latest of its key when its key differs. Resuming
        // inside the marker key's versions, the marker version (newer) precedes, so none of them is the latest.
        var previousKey = markerSequence is null ? null : marker;
        string? nextKey = null;
        string? nextVersionId = null;
        var truncated = false;
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
                throw new InvalidDataException("A version key is too short.");
            }

            var objectKey = key[headLength..^(1 + IndexKeys.SequenceSuffixLength)];
            var rolled = delimiter is null ? -1 : objectKey[prefix.Length..].IndexOf(delimiter);
            if (versions.Count + commonPrefixes.Count == query.MaxKeys)
            {
                truncated = true;
                break;
            }

            if (rolled < 0)
            {
                var isLatest = previousKey is null || !objectKey.SequenceEqual(previousKey);
                if (isLatest)
                {
                    previousKey = objectKey.ToArray();
                }

                var manifest = ManifestSerializer.ReadObjectManifest(cursor.Value);
                versions.Add(new VersionEntry(manifest, isLatest));
                (nextKey, nextVersionId) = (manifest.Key, manifest.VersionId);
                cursor.Next();
                continue;
            }

            var commonLength = prefix.Length + rolled + delimiter!.Length;
            nextKey = RecordWriter.StrictUtf8.GetString(objectKey[..commonLength]);
            nextVersionId = null;
            commonPrefixes.Add(nextKey);

            // Skip every version of every key under the common prefix.
            if (!SeekPastFolder(cursor, key, headLength, commonLength))
            {
                break;
            }
        }

        return truncated
            ? new VersionListing(versions, commonPrefixes, IsTruncated: true, nextKey, nextVersionId)
            : new VersionListing(versions, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextVersionIdMarker: null);
    }

    /// <summary>
    /// Positions <paramref name="cursor"/> on the version record of <paramref name="objectKey"/> whose id is
    /// <paramref name="versionId"/>; false when there is none. A generated id (<see cref="GeneratedVersionId"/>)
    /// names its sequence, so it costs one seek; any other id (the caller's, <c>null</c>) scans the key's versions
    /// newest first.
    /// </summary>
    public static bool SeekVersion(IIndexCursor cursor, string bucket, string objectKey, string versionId)
    {
        var idLength = IndexKeys.Utf8Length(versionId);
        using var id = new KeyBuffer(stackalloc byte[KeyBuffer.StackSize], idLength);
        RecordWriter.StrictUtf8.GetBytes(versionId, id.Span);
        if (TryParseGeneratedVersionId(versionId, out var sequence))
        {
            using var exact = IndexKeys.Version(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey, sequence);
            cursor.Seek(exact.Span);
            if (cursor.Valid && cursor.Key.SequenceEqual(exact.Span) && ManifestSerializer.VersionIdEquals(cursor.Value, id.Span))
            {
                return true;
            }
        }

        using var prefix = IndexKeys.VersionPrefix(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey);
        for (cursor.Seek(prefix.Span); cursor.Valid && cursor.Key.StartsWith(prefix.Span); cursor.Next())
        {
            if (ManifestSerializer.VersionIdEquals(cursor.Value, id.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the sequence out of an id shaped like a generated one (the caller still checks the record's id).</summary>
    private static bool TryParseGeneratedVersionId(string versionId, out ulong sequence)
    {
        sequence = 0;
        return versionId.Length == 17 && versionId[0] == 'v'
            && ulong.TryParse(versionId.AsSpan(1), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out sequence);
    }
}
