
namespace Tessera.Index;

/// <content>ListObjectVersions: one iterator over the bucket's version records, seeking past rolled-up prefixes.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
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
    /// construction the one its latest pointer copies (every write moves the pointer in the same batch).</para>
    /// <para>Validation: empty markers, prefix and delimiter count as absent. A version-id marker without a key
    /// marker, or naming no version of the key marker (for instance one deleted since the previous page), throws
    /// <see cref="ArgumentException"/> (S3: 400 InvalidArgument), as does a key marker containing U+0000. A prefix
    /// containing U+0000 matches nothing. <c>MaxKeys</c> 0 returns an empty, untruncated page (after validating
    /// the markers). A missing bucket lists as empty: callers check the bucket first.</para>
    /// <para>Cost: one iterator (a consistent snapshot); a generated version-id marker costs one seek (others scan
    /// the key's versions newest first); after a common prefix the iterator seeks past the whole prefix.</para>
    /// </remarks>
    public VersionListing ListObjectVersions(string bucket, ListVersionsQuery query)
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

        ThrowIfDisposed();
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

        using var iterator = _db.NewIterator();
        var marker = keyMarker is null ? null : RecordWriter.StrictUtf8.GetBytes(keyMarker);
        ulong? markerSequence = null;
        if (versionIdMarker is not null)
        {
            // A marker version that is gone (deleted between two pages) or never was: go on after the marker key, as
            // S3 does rather than failing a paginator half-way.
            markerSequence = SeekVersion(iterator, bucket, keyMarker!, versionIdMarker)
                ? IndexKeys.SequenceOfVersionKey(iterator.GetKeySpan())
                : null;
        }

        if (query.MaxKeys == 0 || prefix.AsSpan().Contains(IndexKeys.Separator))
        {
            return new VersionListing(versions, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextVersionIdMarker: null);
        }

        var seek = VersionStartKey(scan, headLength, prefix, delimiter, marker, markerSequence);
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
        iterator.Seek(seek);
        while (iterator.Valid())
        {
            var key = iterator.GetKeySpan();
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

                var manifest = ManifestSerializer.ReadObjectManifest(iterator.GetValueSpan());
                versions.Add(new VersionEntry(manifest, isLatest));
                (nextKey, nextVersionId) = (manifest.Key, manifest.VersionId);
                iterator.Next();
                continue;
            }

            var commonLength = prefix.Length + rolled + delimiter!.Length;
            nextKey = RecordWriter.StrictUtf8.GetString(objectKey[..commonLength]);
            nextVersionId = null;
            commonPrefixes.Add(nextKey);

            // Skip every version of every key under the common prefix.
            if (!SeekPastFolder(iterator, key, headLength, commonLength))
            {
                break;
            }
        }

        return truncated
            ? new VersionListing(versions, commonPrefixes, IsTruncated: true, nextKey, nextVersionId)
            : new VersionListing(versions, commonPrefixes, IsTruncated: false, NextKeyMarker: null, NextVersionIdMarker: null);
    }

    /// <summary>
    /// The first key to seek to: right after the version marker's record (<c>marker 00 ~sequence 00</c>), or after
    /// every record of the marker key; see <see cref="MarkerStartKey"/>.
    /// </summary>
    private static byte[]? VersionStartKey(byte[] scan, int headLength, byte[] prefix, byte[]? delimiter, byte[]? marker, ulong? markerSequence) =>
        MarkerStartKey(scan, headLength, prefix, delimiter, marker, markerSequence is { } s ? ~s : null, includeMarkerKey: false);
}
