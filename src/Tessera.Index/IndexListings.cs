using System.Buffers.Binary;

namespace Tessera.Index;

/// <summary>
/// The listing logic of the index, over any <see cref="IIndexCursor"/> in the RocksDB key layout: ListObjects,
/// ListObjectVersions, ListMultipartUploads and ListParts with their markers and <c>delimiter</c> roll-up. Pure: every
/// record comes through the cursor, so the single-node store (a RocksDB iterator) and the sharded store (etcd pages)
/// answer alike.
/// </summary>
internal static partial class IndexListings
{
    /// <summary>
    /// One page of current objects (<see cref="IIndexStore.ListObjects"/>), read through a cursor over the bucket's
    /// latest pointers (<c>02 'L' bucket 00 key</c>).
    /// </summary>
    /// <remarks>
    /// <para>Semantics: take the current (non-delete-marker) keys that start with the prefix; map each to itself, or
    /// with a delimiter, when the rest after the prefix contains it, to the common prefix up to and including its first
    /// occurrence; keep the distinct entries greater than <c>StartAfter</c> in UTF-8 byte order; return the first
    /// <c>MaxKeys</c>. <c>IsTruncated</c> says whether another entry exists; <c>NextMarker</c> (set only then) is the
    /// last entry returned, so passing it back as <c>StartAfter</c> continues exactly. <c>MaxKeys</c> 0 returns an
    /// empty, untruncated page. A missing bucket lists as empty: callers check the bucket first.</para>
    /// <para>Cost: after a common prefix is emitted the cursor seeks to the prefix's successor, so a folder of a million
    /// keys costs one seek, and when <c>StartAfter</c> falls inside a common prefix (it is that prefix from the previous
    /// page) the first seek skips the whole folder.</para>
    /// </remarks>
    /// <param name="bucket">The bucket (validated here).</param>
    /// <param name="query">The query (validated here).</param>
    /// <param name="open">Opens the cursor, after validation; disposed here.</param>
    public static ObjectListing ListObjects(string bucket, ListObjectsQuery query, Func<IIndexCursor> open)
    {
        IndexKeys.ValidateBucket(bucket);
        ArgumentOutOfRangeException.ThrowIfNegative(query.MaxKeys);
        var objects = new List<ObjectManifest>();
        var commonPrefixes = new List<string>();
        if (query.MaxKeys == 0)
        {
            return new ObjectListing(objects, commonPrefixes, IsTruncated: false, NextMarker: null);
        }

        var prefix = RecordWriter.StrictUtf8.GetBytes(query.Prefix ?? "");
        var delimiter = string.IsNullOrEmpty(query.Delimiter) ? null : RecordWriter.StrictUtf8.GetBytes(query.Delimiter);

        // scan = 02 'L' bucket 00 prefix: every key of the listing starts with it; object keys start at headLength.
        using var head = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], IndexKeys.LatestSpace, bucket);
        var headLength = head.Span.Length;
        var scan = new byte[headLength + prefix.Length];
        head.Span.CopyTo(scan);
        prefix.CopyTo(scan, headLength);

        // Seek buffer: big enough for the longest key the cursor can return under this bucket plus one byte.
        var seek = new byte[Math.Max(scan.Length, headLength + IndexKeys.Utf8Length(query.StartAfter ?? "") + 1)];
        var seekLength = StartKey(scan, headLength, prefix, delimiter, query.StartAfter, ref seek);
        if (seekLength < 0)
        {
            return new ObjectListing(objects, commonPrefixes, IsTruncated: false, NextMarker: null);
        }

        string? last = null;
        var truncated = false;
        using var cursor = open();
        cursor.Seek(seek.AsSpan(0, seekLength));
        while (cursor.Valid)
        {
            var key = cursor.Key;
            if (!key.StartsWith(scan))
            {
                break;
            }

            var value = cursor.Value;
            if (ManifestSerializer.IsDeleteMarker(value))
            {
                // Not a current object, and it does not make its folder visible either.
                cursor.Next();
                continue;
            }

            var objectKey = key[headLength..];
            var rolled = delimiter is null ? -1 : objectKey[prefix.Length..].IndexOf(delimiter);
            if (objects.Count + commonPrefixes.Count == query.MaxKeys)
            {
                truncated = true;
                break;
            }

            if (rolled < 0)
            {
                var manifest = ManifestSerializer.ReadObjectManifest(value);
                objects.Add(manifest);
                last = manifest.Key;
                cursor.Next();
                continue;
            }

            var commonLength = prefix.Length + rolled + delimiter!.Length;
            last = RecordWriter.StrictUtf8.GetString(objectKey[..commonLength]);
            commonPrefixes.Add(last);

            // Skip every key under the common prefix.
            if (!SeekPastFolder(cursor, key, headLength, commonLength))
            {
                break;
            }
        }

        return new ObjectListing(objects, commonPrefixes, truncated, truncated ? last : null);
    }

    /// <summary>
    /// Writes the first key to seek to into <paramref name="seek"/> and returns its length (-1: nothing can follow).
    /// It is the scan prefix, or, when <c>StartAfter</c> is later, the smallest key after it: <c>StartAfter 00</c>
    /// (no key contains 00), or when <c>StartAfter</c> lies in a common prefix, that prefix's successor, since every
    /// key under it rolls up into an entry not after <c>StartAfter</c>.
    /// </summary>
    private static int StartKey(byte[] scan, int headLength, byte[] prefix, byte[]? delimiter, string? startAfter, ref byte[] seek)
    {
        scan.CopyTo(seek, 0);
        if (startAfter is null)
        {
            return scan.Length;
        }

        var after = RecordWriter.StrictUtf8.GetBytes(startAfter);
        var candidate = new byte[headLength + after.Length + 1];
        scan.AsSpan(0, headLength).CopyTo(candidate);
        after.CopyTo(candidate, headLength);
        var candidateLength = candidate.Length;
        var inFolder = delimiter is null || !after.AsSpan().StartsWith(prefix) ? -1 : after.AsSpan(prefix.Length).IndexOf(delimiter);
        if (inFolder >= 0)
        {
            candidateLength = IndexKeys.Successor(candidate.AsSpan(0, headLength + prefix.Length + inFolder + delimiter!.Length));
            if (candidateLength < 0)
            {
                return -1;
            }
        }
        else
        {
            candidate[^1] = IndexKeys.Separator;
        }

        if (candidate.AsSpan(0, candidateLength).SequenceCompareTo(scan) <= 0)
        {
            return scan.Length;
        }

        if (seek.Length < candidateLength)
        {
            seek = new byte[candidateLength];
        }

        candidate.AsSpan(0, candidateLength).CopyTo(seek);
        return candidateLength;
    }

    /// <summary>
    /// Seeks <paramref name="cursor"/> past every record whose key starts with the first
    /// <paramref name="headLength"/> + <paramref name="commonLength"/> bytes of <paramref name="key"/> (a common
    /// prefix just emitted). The key is copied first: the span dies on Seek. Returns false when no key can follow.
    /// </summary>
    private static bool SeekPastFolder(IIndexCursor cursor, ReadOnlySpan<byte> key, int headLength, int commonLength)
    {
        var folder = key[..(headLength + commonLength)].ToArray();
        var folderEnd = IndexKeys.Successor(folder);
        if (folderEnd < 0)
        {
            return false;
        }

        cursor.Seek(folder.AsSpan(0, folderEnd));
        return true;
    }

    /// <summary>
    /// The first key a marker-paginated listing (versions, uploads) seeks to, or null when nothing can follow. It is
    /// the scan prefix, or, when the marker is later, the smallest record after it: with a sequence
    /// <c>marker 00 encodedSequence 00</c> (right after that record); without one, <c>marker 00</c> when the marker
    /// key's own records must still be listed (<paramref name="includeMarkerKey"/>), else <c>marker 01</c> (after
    /// every record of the marker key, since keys contain no 00); and when the marker lies in a common prefix, that
    /// prefix's successor, since the prefix's entry is not after the marker.
    /// </summary>
    private static byte[]? MarkerStartKey(byte[] scan, int headLength, byte[] prefix, byte[]? delimiter, byte[]? marker, ulong? encodedSequence, bool includeMarkerKey)
    {
        if (marker is null)
        {
            return scan;
        }

        var candidate = new byte[headLength + marker.Length + 1 + IndexKeys.SequenceSuffixLength + 1];
        scan.AsSpan(0, headLength).CopyTo(candidate);
        marker.CopyTo(candidate, headLength);
        int length;
        var inFolder = delimiter is null || !marker.AsSpan().StartsWith(prefix) ? -1 : marker.AsSpan(prefix.Length).IndexOf(delimiter);
        if (inFolder >= 0)
        {
            length = IndexKeys.Successor(candidate.AsSpan(0, headLength + prefix.Length + inFolder + delimiter!.Length));
            if (length < 0)
            {
                return null;
            }
        }
        else if (encodedSequence is { } sequence)
        {
            candidate[headLength + marker.Length] = IndexKeys.Separator;
            BinaryPrimitives.WriteUInt64BigEndian(candidate.AsSpan(headLength + marker.Length + 1), sequence);
            candidate[^1] = IndexKeys.Separator;
            length = candidate.Length;
        }
        else
        {
            candidate[headLength + marker.Length] = includeMarkerKey ? IndexKeys.Separator : (byte)(IndexKeys.Separator + 1);
            length = headLength + marker.Length + 1;
        }

        return candidate.AsSpan(0, length).SequenceCompareTo(scan) <= 0 ? scan : candidate[..length];
    }
}
