namespace Tessera.Index;

/// <content>ListObjects: one iterator over the bucket's latest pointers, seeking past rolled-up prefixes.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// <para>Semantics: take the current (non-delete-marker) keys that start with the prefix; map each to itself, or
    /// with a delimiter, when the rest after the prefix contains it, to the common prefix up to and including its first
    /// occurrence; keep the distinct entries greater than <c>StartAfter</c> in UTF-8 byte order; return the first
    /// <c>MaxKeys</c>. <c>IsTruncated</c> says whether another entry exists; <c>NextMarker</c> (set only then) is the
    /// last entry returned, so passing it back as <c>StartAfter</c> continues exactly. <c>MaxKeys</c> 0 returns an
    /// empty, untruncated page. A missing bucket lists as empty: callers check the bucket first.</para>
    /// <para>Cost: one iterator (a consistent snapshot); after a common prefix is emitted the iterator seeks to the
    /// prefix's successor, so a folder of a million keys costs one seek, and when <c>StartAfter</c> falls inside a
    /// common prefix (it is that prefix from the previous page) the first seek skips the whole folder.</para>
    /// </remarks>
    public ObjectListing ListObjects(string bucket, ListObjectsQuery query)
    {
        IndexKeys.ValidateBucket(bucket);
        ArgumentOutOfRangeException.ThrowIfNegative(query.MaxKeys);
        ThrowIfDisposed();
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

        // Seek buffer: big enough for the longest key the iterator can return under this bucket plus one byte.
        var seek = new byte[Math.Max(scan.Length, headLength + IndexKeys.Utf8Length(query.StartAfter ?? "") + 1)];
        var seekLength = StartKey(scan, headLength, prefix, delimiter, query.StartAfter, ref seek);
        if (seekLength < 0)
        {
            return new ObjectListing(objects, commonPrefixes, IsTruncated: false, NextMarker: null);
        }

        string? last = null;
        var truncated = false;
        using var iterator = _db.NewIterator();
        iterator.Seek(seek.AsSpan(0, seekLength));
        while (iterator.Valid())
        {
            var key = iterator.GetKeySpan();
            if (!key.StartsWith(scan))
            {
                break;
            }

            var value = iterator.GetValueSpan();
            if (ManifestSerializer.IsDeleteMarker(value))
            {
                // Not a current object, and it does not make its folder visible either.
                iterator.Next();
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
                iterator.Next();
                continue;
            }

            var commonLength = prefix.Length + rolled + delimiter!.Length;
            last = RecordWriter.StrictUtf8.GetString(objectKey[..commonLength]);
            commonPrefixes.Add(last);

            // Skip every key under the common prefix: seek to its successor (copy first, the key span dies on Seek).
            var folderLength = headLength + commonLength;
            if (seek.Length < folderLength)
            {
                seek = new byte[folderLength * 2];
            }

            key[..folderLength].CopyTo(seek);
            seekLength = IndexKeys.Successor(seek.AsSpan(0, folderLength));
            if (seekLength < 0)
            {
                break;
            }

            iterator.Seek(seek.AsSpan(0, seekLength));
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
}
