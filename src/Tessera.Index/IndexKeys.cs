using System.Buffers.Binary;

namespace Tessera.Index;

/// <summary>
/// The RocksDB key layout. Every key starts with a one-byte keyspace tag and a readable letter, so the keyspaces sort
/// apart and a raw dump is legible:
/// <list type="bullet">
/// <item><c>01 'B' bucket</c> → <see cref="BucketInfo"/></item>
/// <item><c>02 'L' bucket 00 key</c> → the latest (current) manifest of a key, a full copy (the latest pointer)</item>
/// <item><c>03 'V' bucket 00 key 00 ~sequence(8, big-endian)</c> → every version's manifest, newest first</item>
/// <item><c>04 'G' queuedUtcTicks(8, BE) sequence(8, BE)</c> → <see cref="GarbageEntry"/>, oldest first</item>
/// <item><c>05 'S'</c> → the reserved sequence high-water mark (8, BE)</item>
/// <item><c>06 'R' segment(16)</c> → <see cref="SegmentReference"/>: the version whose manifest lists the segment.
/// Written and deleted in the same batch as that version record, so a segment is referenced exactly while a
/// manifest lists it (fragments of an unreferenced segment are orphans, or belong to a write in flight).</item>
/// <item><c>06 'R' segment(16)</c> also names the multipart part that holds a segment (reference kind 1): from
/// UploadPart until the part is replaced, aborted, left out of the completion (then queued as garbage) or completed
/// (then the reference becomes the version's, in the completing batch).</item>
/// <item><c>07 'M'</c> → the layout version of the database (8, BE; absent = 0, before segment references; 2 = with
/// multipart uploads)</item>
/// <item><c>08 'U' bucket 00 key 00 sequence(8, BE)</c> → <see cref="MultipartUpload"/>: the open uploads of a key,
/// oldest first (the sequence is the index's, taken at CreateUpload, so it orders uploads by initiation), which is
/// S3's ListMultipartUploads order</item>
/// <item><c>09 'P' bucket 00 key 00 uploadId 00 partNumber(4, BE)</c> → <see cref="UploadPart"/>: the parts of an
/// upload in ascending part number</item>
/// <item><c>0A 'I' uploadId</c> → the upload's sequence (8, BE): finds the <c>08 'U'</c> record of an upload id with
/// one point read (upload ids are unique in the index)</item>
/// <item><c>0B 'C' uploadId</c> → <see cref="CompletedUpload"/>: a completed upload, remembered so a retried
/// completion gets the same answer; pruned after a day</item>
/// </list>
/// Bucket names and object keys are UTF-8 and may not contain U+0000: the 00 separator then sorts before every key
/// byte, so <c>a</c> sorts before <c>a/</c> and <c>a0</c>, which is S3's UTF-8 binary listing order, and
/// <c>bucket 00</c> / <c>bucket 00 key 00</c> are unambiguous prefixes.
/// </summary>
internal static class IndexKeys
{
    /// <summary>Separator between bucket, key and version suffix.</summary>
    public const byte Separator = 0x00;

    /// <summary>Length of a garbage key.</summary>
    public const int GarbageKeyLength = 2 + 8 + 8;

    /// <summary>Length of a segment-reference key.</summary>
    public const int SegmentReferenceKeyLength = 2 + 16;

    /// <summary>Length of the inverted-sequence suffix of a version key (and of the sequence suffix of an upload key).</summary>
    public const int SequenceSuffixLength = 8;

    /// <summary>Length of the part-number suffix of a part key.</summary>
    public const int PartNumberLength = 4;

    /// <summary>Prefix of the bucket keyspace.</summary>
    public static ReadOnlySpan<byte> BucketSpace => [0x01, (byte)'B'];

    /// <summary>Prefix of the latest-pointer keyspace.</summary>
    public static ReadOnlySpan<byte> LatestSpace => [0x02, (byte)'L'];

    /// <summary>Prefix of the version keyspace.</summary>
    public static ReadOnlySpan<byte> VersionSpace => [0x03, (byte)'V'];

    /// <summary>Prefix of the garbage keyspace.</summary>
    public static ReadOnlySpan<byte> GarbageSpace => [0x04, (byte)'G'];

    /// <summary>The sequence high-water-mark key.</summary>
    public static ReadOnlySpan<byte> SequenceKey => [0x05, (byte)'S'];

    /// <summary>Prefix of the segment-reference keyspace.</summary>
    public static ReadOnlySpan<byte> SegmentReferenceSpace => [0x06, (byte)'R'];

    /// <summary>The layout-version key.</summary>
    public static ReadOnlySpan<byte> LayoutKey => [0x07, (byte)'M'];

    /// <summary>Prefix of the multipart-upload keyspace.</summary>
    public static ReadOnlySpan<byte> UploadSpace => [0x08, (byte)'U'];

    /// <summary>Prefix of the upload-part keyspace.</summary>
    public static ReadOnlySpan<byte> PartSpace => [0x09, (byte)'P'];

    /// <summary>Prefix of the upload-id locator keyspace.</summary>
    public static ReadOnlySpan<byte> UploadIdSpace => [0x0A, (byte)'I'];

    /// <summary>Prefix of the completed-upload keyspace.</summary>
    public static ReadOnlySpan<byte> CompletedUploadSpace => [0x0B, (byte)'C'];

    /// <summary>Prefix of the system-record keyspace (<c>10 'Y' name</c>): the background services' own records.</summary>
    public static ReadOnlySpan<byte> SystemSpace => [0x10, (byte)'Y'];

    /// <summary>Most bytes a system record may hold.</summary>
    public const int MaxSystemRecordBytes = 64 * 1024;

    /// <summary>The key of system record <paramref name="name"/>: <c>10 'Y'</c> + its UTF-8 bytes.</summary>
    /// <exception cref="ArgumentException">An empty name or one with U+0000.</exception>
    public static byte[] SystemRecord(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('\0'))
        {
            throw new ArgumentException("A system record's name may not contain U+0000.", nameof(name));
        }

        return [.. SystemSpace, .. System.Text.Encoding.UTF8.GetBytes(name)];
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an empty bucket name, one with U+0000, or invalid UTF-16.</summary>
    public static void ValidateBucket(string bucket)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        if (bucket.Contains('\0'))
        {
            throw new ArgumentException("Bucket names may not contain U+0000.", nameof(bucket));
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an empty key or one with U+0000 (the S3 layer rejects these earlier).</summary>
    public static void ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Contains('\0'))
        {
            throw new ArgumentException("Object keys may not contain U+0000.", nameof(key));
        }
    }

    /// <summary>
    /// The arguments of a CompleteUpload, checked alike by every index store: a valid bucket and key, a manifest that is an
    /// object version of that key, and a non-empty, strictly ascending part list matching its segments one to one.
    /// </summary>
    public static void ValidateCompletion(string bucket, string key, IReadOnlyList<int> partNumbers, ObjectManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(partNumbers);
        ArgumentNullException.ThrowIfNull(manifest);
        ValidateBucket(bucket);
        ValidateKey(key);
        if (!string.Equals(manifest.Key, key, StringComparison.Ordinal) || manifest.IsDeleteMarker)
        {
            throw new ArgumentException("The manifest must be an object version of the upload's key.", nameof(manifest));
        }

        if (partNumbers.Count == 0 || partNumbers.Count != manifest.Segments.Count)
        {
            throw new ArgumentException("The part list must be non-empty and match the manifest's segments one to one.", nameof(partNumbers));
        }

        for (var i = 1; i < partNumbers.Count; i++)
        {
            if (partNumbers[i] <= partNumbers[i - 1])
            {
                throw new ArgumentException("The part numbers must be strictly ascending.", nameof(partNumbers));
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="uploadId"/> can name an upload: not empty and without U+0000 (it is followed by the 00
    /// separator in part keys). Ids that cannot are refused by CreateUpload and simply not found by the other calls.
    /// </summary>
    public static bool IsValidUploadId(string? uploadId) => !string.IsNullOrEmpty(uploadId) && !uploadId.Contains('\0');

    /// <summary>UTF-8 length of a name; throws <see cref="ArgumentException"/> for lone surrogates.</summary>
    public static int Utf8Length(string value) => RecordWriter.StrictUtf8.GetByteCount(value);

    /// <summary>Builds <c>01 'B' bucket</c>.</summary>
    public static KeyBuffer Bucket(Span<byte> stack, string bucket)
    {
        var key = new KeyBuffer(stack, 2 + Utf8Length(bucket));
        BucketSpace.CopyTo(key.Span);
        RecordWriter.StrictUtf8.GetBytes(bucket, key.Span[2..]);
        return key;
    }

    /// <summary>Builds <c>tag bucket 00</c> for a per-bucket keyspace (latest, version, upload, part): the prefix of all the bucket's keys there.</summary>
    public static KeyBuffer BucketPrefix(Span<byte> stack, ReadOnlySpan<byte> space, string bucket)
    {
        var bucketLength = Utf8Length(bucket);
        var key = new KeyBuffer(stack, 2 + bucketLength + 1);
        WriteHead(key.Span, space, bucket, bucketLength);
        return key;
    }

    /// <summary>Builds <c>02 'L' bucket 00 key</c>.</summary>
    public static KeyBuffer Latest(Span<byte> stack, string bucket, string objectKey)
    {
        var bucketLength = Utf8Length(bucket);
        var key = new KeyBuffer(stack, 2 + bucketLength + 1 + Utf8Length(objectKey));
        var at = WriteHead(key.Span, LatestSpace, bucket, bucketLength);
        RecordWriter.StrictUtf8.GetBytes(objectKey, key.Span[at..]);
        return key;
    }

    /// <summary>Builds <c>03 'V' bucket 00 key 00</c>: the prefix of every version of one key.</summary>
    public static KeyBuffer VersionPrefix(Span<byte> stack, string bucket, string objectKey)
    {
        var bucketLength = Utf8Length(bucket);
        var key = new KeyBuffer(stack, 2 + bucketLength + 1 + Utf8Length(objectKey) + 1);
        var at = WriteHead(key.Span, VersionSpace, bucket, bucketLength);
        at += RecordWriter.StrictUtf8.GetBytes(objectKey, key.Span[at..]);
        key.Span[at] = Separator;
        return key;
    }

    /// <summary>Builds <c>03 'V' bucket 00 key 00 ~sequence</c>.</summary>
    public static KeyBuffer Version(Span<byte> stack, string bucket, string objectKey, ulong sequence)
    {
        var bucketLength = Utf8Length(bucket);
        var key = new KeyBuffer(stack, 2 + bucketLength + 1 + Utf8Length(objectKey) + 1 + SequenceSuffixLength);
        var at = WriteHead(key.Span, VersionSpace, bucket, bucketLength);
        at += RecordWriter.StrictUtf8.GetBytes(objectKey, key.Span[at..]);
        key.Span[at++] = Separator;
        BinaryPrimitives.WriteUInt64BigEndian(key.Span[at..], ~sequence);
        return key;
    }

    /// <summary>Builds <c>08 'U' bucket 00 key 00 sequence</c>.</summary>
    public static KeyBuffer Upload(Span<byte> stack, string bucket, string objectKey, ulong sequence)
    {
        var bucketLength = Utf8Length(bucket);
        var key = new KeyBuffer(stack, 2 + bucketLength + 1 + Utf8Length(objectKey) + 1 + SequenceSuffixLength);
        var at = WriteHead(key.Span, UploadSpace, bucket, bucketLength);
        at += RecordWriter.StrictUtf8.GetBytes(objectKey, key.Span[at..]);
        key.Span[at++] = Separator;
        BinaryPrimitives.WriteUInt64BigEndian(key.Span[at..], sequence);
        return key;
    }

    /// <summary>Builds <c>09 'P' bucket 00 key 00 uploadId 00</c>: the prefix of every part of one upload.</summary>
    public static KeyBuffer PartPrefix(Span<byte> stack, string bucket, string objectKey, string uploadId) =>
        PartKey(stack, bucket, objectKey, uploadId, partNumber: null);

    /// <summary>Builds <c>09 'P' bucket 00 key 00 uploadId 00 partNumber</c>.</summary>
    public static KeyBuffer Part(Span<byte> stack, string bucket, string objectKey, string uploadId, int partNumber) =>
        PartKey(stack, bucket, objectKey, uploadId, partNumber);

    /// <summary>The part number encoded in the last 4 bytes of a part key.</summary>
    public static int PartNumberOfPartKey(ReadOnlySpan<byte> partKey) =>
        BinaryPrimitives.ReadInt32BigEndian(partKey[^PartNumberLength..]);

    /// <summary>Builds <c>0A 'I' uploadId</c>.</summary>
    public static KeyBuffer UploadId(Span<byte> stack, string uploadId)
    {
        var key = new KeyBuffer(stack, 2 + Utf8Length(uploadId));
        UploadIdSpace.CopyTo(key.Span);
        RecordWriter.StrictUtf8.GetBytes(uploadId, key.Span[2..]);
        return key;
    }

    /// <summary><c>0B 'C' uploadId</c>.</summary>
    public static KeyBuffer CompletedUpload(Span<byte> stack, string uploadId)
    {
        var key = new KeyBuffer(stack, 2 + Utf8Length(uploadId));
        CompletedUploadSpace.CopyTo(key.Span);
        RecordWriter.StrictUtf8.GetBytes(uploadId, key.Span[2..]);
        return key;
    }

    /// <summary>The sequence encoded in the last 8 bytes of an upload key.</summary>
    public static ulong SequenceOfUploadKey(ReadOnlySpan<byte> uploadKey) =>
        BinaryPrimitives.ReadUInt64BigEndian(uploadKey[^SequenceSuffixLength..]);

    /// <summary>The sequence encoded in the last 8 bytes of a version key.</summary>
    public static ulong SequenceOfVersionKey(ReadOnlySpan<byte> versionKey) =>
        ~BinaryPrimitives.ReadUInt64BigEndian(versionKey[^SequenceSuffixLength..]);

    /// <summary>Writes <c>04 'G' ticks sequence</c> into an 18-byte span.</summary>
    public static void Garbage(Span<byte> destination, long queuedUtcTicks, ulong sequence)
    {
        GarbageSpace.CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)queuedUtcTicks);
        BinaryPrimitives.WriteUInt64BigEndian(destination[10..], sequence);
    }

    /// <summary>Writes <c>06 'R' segment</c> (the GUID's 16 bytes as <see cref="Guid.TryWriteBytes(Span{byte})"/>) into an 18-byte span.</summary>
    public static void SegmentReference(Span<byte> destination, Guid segment)
    {
        SegmentReferenceSpace.CopyTo(destination);
        segment.TryWriteBytes(destination[2..]);
    }

    /// <summary>The queued time (UTC ticks) of a garbage key.</summary>
    public static long TicksOfGarbageKey(ReadOnlySpan<byte> garbageKey) =>
        (long)BinaryPrimitives.ReadUInt64BigEndian(garbageKey[2..]);

    /// <summary>
    /// Turns <paramref name="prefix"/> in place into the smallest byte string greater than every string that starts
    /// with it (increment the last byte that is not 0xFF, drop what follows). Returns the new length, or -1 when no
    /// such string exists (the prefix is all 0xFF, impossible for our keys).
    /// </summary>
    public static int Successor(Span<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                prefix[i]++;
                return i + 1;
            }
        }

        return -1;
    }

    private static KeyBuffer PartKey(Span<byte> stack, string bucket, string objectKey, string uploadId, int? partNumber)
    {
        var bucketLength = Utf8Length(bucket);
        var length = 2 + bucketLength + 1 + Utf8Length(objectKey) + 1 + Utf8Length(uploadId) + 1 + (partNumber is null ? 0 : PartNumberLength);
        var key = new KeyBuffer(stack, length);
        var at = WriteHead(key.Span, PartSpace, bucket, bucketLength);
        at += RecordWriter.StrictUtf8.GetBytes(objectKey, key.Span[at..]);
        key.Span[at++] = Separator;
        at += RecordWriter.StrictUtf8.GetBytes(uploadId, key.Span[at..]);
        key.Span[at++] = Separator;
        if (partNumber is { } number)
        {
            BinaryPrimitives.WriteInt32BigEndian(key.Span[at..], number);
        }

        return key;
    }

    private static int WriteHead(Span<byte> destination, ReadOnlySpan<byte> space, string bucket, int bucketLength)
    {
        space.CopyTo(destination);
        RecordWriter.StrictUtf8.GetBytes(bucket, destination[2..]);
        destination[2 + bucketLength] = Separator;
        return 2 + bucketLength + 1;
    }
}
