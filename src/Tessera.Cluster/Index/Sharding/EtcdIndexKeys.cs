using System.Buffers.Binary;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The key layout of <see cref="EtcdIndexStore"/> in an index group: every key is the group's
/// <see cref="IndexGroup.KeyPrefix"/> (UTF-8) followed by binary bytes, the single node's RocksDB layout
/// (<see cref="IndexKeys"/>) where it could stay, changed only where a record must live in its object's range or fit
/// etcd's limits.
/// <para><b>Object-scoped</b> (the range of the object's coordinate <c>bucket 00 key</c> holds them, so one S3 mutation
/// touches one group; a range move copies them):</para>
/// <list type="bullet">
/// <item><c>02 'L' bucket 00 key</c> → the latest version: the same bytes as its version record (a copy, or for a
/// manifest kept in a chunk set the same small record that names the set)</item>
/// <item><c>03 'V' bucket 00 key 00 ~sequence(8, BE)</c> → every version, newest first (<see cref="EtcdRecords"/>: a
/// <see cref="ManifestSerializer"/> manifest, or the chunked form)</item>
/// <item><c>08 'U' bucket 00 key 00 sequence(8, BE)</c> → <see cref="MultipartUpload"/>, a key's uploads oldest first</item>
/// <item><c>09 'P' bucket 00 key 00 uploadId 00 partNumber(4, BE)</c> → <see cref="UploadPart"/></item>
/// <item><c>0A 'I' bucket 00 key 00 uploadId</c> → the upload's sequence (8, BE). RocksDB's locator is <c>0A 'I'
/// uploadId</c>; here it is object-scoped, so ids are unique per object, not across the index.</item>
/// <item><c>0B 'C' bucket 00 key 00 uploadId</c> → <see cref="CompletedUpload"/> (JSON), pruned after a day; RocksDB's
/// is <c>0B 'C' uploadId</c>.</item>
/// <item><c>0C 'K' bucket 00 key</c> → empty: the object's guard. Every mutation of the object puts it and compares
/// its mod revision with the one it read (absent = 0), so two mutations of one object conflict.</item>
/// <item><c>0E 'X' bucket 00 key 00 sequence(8, BE)</c> → the upload sequence (8, BE) a completed version came from:
/// the part references of its segments resolve through it (the completion does not rewrite them).</item>
/// </list>
/// <para><b>Group-level</b> (each group has its own; a move copies the references and chunk sets of the records it
/// moves, garbage stays where it was queued):</para>
/// <list type="bullet">
/// <item><c>fence</c> (text, <see cref="GroupFence"/>) → the group's generation</item>
/// <item><c>01 'B' bucket</c> → the bucket marker, in every group, its value the bucket's versioning state (text):
/// object mutations compare it, DeleteBucket deletes it group by group (see <see cref="EtcdIndexStore"/>)</item>
/// <item><c>04 'G' queuedUtcTicks(8, BE) id(8)</c> → a garbage batch: the segments one mutation released, inline or
/// in chunk sets; the id is random, so keys are unique without a counter, oldest first</item>
/// <item><c>06 'R' segment(16)</c> → <see cref="SegmentReference"/>: the version or part that lists the segment. A
/// hint checked against the record it names: a version from a completion keeps its parts' references (kind part),
/// which resolve through <c>0E 'X'</c>; the references of a removed version are deleted with it, or with its garbage
/// when they are too many for its Txn.</item>
/// <item><c>0D 'S' set(16) index(4, BE)</c> → a chunk of a chunk set: segments of a large manifest or of a large
/// garbage batch, written in Txns of their own before the commit that takes them</item>
/// <item><c>0F 'T' set(16)</c> → staged ticks (8, BE): the set is staged and no commit took it yet. The commit deletes
/// it (comparing it first); garbage collection deletes sets staged longer ago than
/// <see cref="EtcdIndexOptions.StagedSetTimeout"/> together with their marker.</item>
/// </list>
/// </summary>
internal static class EtcdIndexKeys
{
    /// <summary>Length of a garbage-batch key.</summary>
    public const int GarbageKeyLength = 2 + 8 + 8;

    /// <summary>The guard keyspace.</summary>
    public static ReadOnlySpan<byte> GuardSpace => [0x0C, (byte)'K'];

    /// <summary>The completed-version link keyspace.</summary>
    public static ReadOnlySpan<byte> LinkSpace => [0x0E, (byte)'X'];

    /// <summary>The chunk keyspace.</summary>
    public static ReadOnlySpan<byte> ChunkSpace => [0x0D, (byte)'S'];

    /// <summary>The staged-set keyspace.</summary>
    public static ReadOnlySpan<byte> StagedSpace => [0x0F, (byte)'T'];

    /// <summary><c>01 'B' bucket</c>.</summary>
    public static byte[] Marker(string bucket)
    {
        using var key = IndexKeys.Bucket(stackalloc byte[KeyBuffer.StackSize], bucket);
        return key.Span.ToArray();
    }

    /// <summary><c>tag bucket 00</c>: the prefix of a bucket's records in an object-scoped keyspace.</summary>
    public static byte[] BucketPrefix(ReadOnlySpan<byte> space, string bucket)
    {
        using var key = IndexKeys.BucketPrefix(stackalloc byte[KeyBuffer.StackSize], space, bucket);
        return key.Span.ToArray();
    }

    /// <summary><c>02 'L' bucket 00 key</c>.</summary>
    public static byte[] Latest(string bucket, string objectKey)
    {
        using var key = IndexKeys.Latest(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey);
        return key.Span.ToArray();
    }

    /// <summary><c>03 'V' bucket 00 key 00</c>.</summary>
    public static byte[] VersionPrefix(string bucket, string objectKey)
    {
        using var key = IndexKeys.VersionPrefix(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey);
        return key.Span.ToArray();
    }

    /// <summary><c>03 'V' bucket 00 key 00 ~sequence</c>.</summary>
    public static byte[] Version(string bucket, string objectKey, ulong sequence)
    {
        using var key = IndexKeys.Version(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey, sequence);
        return key.Span.ToArray();
    }

    /// <summary><c>08 'U' bucket 00 key 00</c>: the prefix of a key's uploads.</summary>
    public static byte[] UploadPrefix(string bucket, string objectKey) => Child(IndexKeys.UploadSpace, bucket, objectKey, []);

    /// <summary><c>08 'U' bucket 00 key 00 sequence</c>.</summary>
    public static byte[] Upload(string bucket, string objectKey, ulong sequence)
    {
        using var key = IndexKeys.Upload(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey, sequence);
        return key.Span.ToArray();
    }

    /// <summary><c>09 'P' bucket 00 key 00 uploadId 00</c>.</summary>
    public static byte[] PartPrefix(string bucket, string objectKey, string uploadId)
    {
        using var key = IndexKeys.PartPrefix(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey, uploadId);
        return key.Span.ToArray();
    }

    /// <summary><c>09 'P' bucket 00 key 00 uploadId 00 partNumber</c>.</summary>
    public static byte[] Part(string bucket, string objectKey, string uploadId, int partNumber)
    {
        using var key = IndexKeys.Part(stackalloc byte[KeyBuffer.StackSize], bucket, objectKey, uploadId, partNumber);
        return key.Span.ToArray();
    }

    /// <summary><c>0A 'I' bucket 00 key 00 uploadId</c>.</summary>
    public static byte[] Locator(string bucket, string objectKey, string uploadId) =>
        Child(IndexKeys.UploadIdSpace, bucket, objectKey, RecordWriter.StrictUtf8.GetBytes(uploadId));

    /// <summary><c>0B 'C' bucket 00 key 00 uploadId</c>.</summary>
    public static byte[] Completed(string bucket, string objectKey, string uploadId) =>
        Child(IndexKeys.CompletedUploadSpace, bucket, objectKey, RecordWriter.StrictUtf8.GetBytes(uploadId));

    /// <summary><c>0C 'K' bucket 00 key</c>.</summary>
    public static byte[] Guard(string bucket, string objectKey)
    {
        var bucketPrefix = BucketPrefix(GuardSpace, bucket);
        return [.. bucketPrefix, .. RecordWriter.StrictUtf8.GetBytes(objectKey)];
    }

    /// <summary><c>0E 'X' bucket 00 key 00</c>: the prefix of a key's completion links.</summary>
    public static byte[] LinkPrefix(string bucket, string objectKey) => Child(LinkSpace, bucket, objectKey, []);

    /// <summary><c>0E 'X' bucket 00 key 00 sequence</c>.</summary>
    public static byte[] Link(string bucket, string objectKey, ulong versionSequence)
    {
        Span<byte> suffix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(suffix, versionSequence);
        return Child(LinkSpace, bucket, objectKey, suffix);
    }

    /// <summary><c>06 'R' segment</c>.</summary>
    public static byte[] Reference(Guid segment)
    {
        var key = new byte[IndexKeys.SegmentReferenceKeyLength];
        IndexKeys.SegmentReference(key, segment);
        return key;
    }

    /// <summary><c>04 'G' ticks id</c>.</summary>
    public static byte[] Garbage(long queuedUtcTicks, ulong id)
    {
        var key = new byte[GarbageKeyLength];
        IndexKeys.GarbageSpace.CopyTo(key);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(2), (ulong)queuedUtcTicks);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(10), id);
        return key;
    }

    /// <summary>The id of a garbage-batch key.</summary>
    public static ulong IdOfGarbageKey(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt64BigEndian(key[10..]);

    /// <summary><c>0D 'S' set</c>: the prefix of a chunk set's chunks.</summary>
    public static byte[] SetPrefix(Guid set)
    {
        var key = new byte[2 + 16];
        ChunkSpace.CopyTo(key);
        set.TryWriteBytes(key.AsSpan(2));
        return key;
    }

    /// <summary><c>0D 'S' set index</c>.</summary>
    public static byte[] Chunk(Guid set, int index)
    {
        var key = new byte[2 + 16 + 4];
        ChunkSpace.CopyTo(key);
        set.TryWriteBytes(key.AsSpan(2));
        BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(18), index);
        return key;
    }

    /// <summary><c>0F 'T' set</c>.</summary>
    public static byte[] Staged(Guid set)
    {
        var key = new byte[2 + 16];
        StagedSpace.CopyTo(key);
        set.TryWriteBytes(key.AsSpan(2));
        return key;
    }

    /// <summary>The set a staged-set key names.</summary>
    public static Guid SetOfStagedKey(ReadOnlySpan<byte> key) => new(key[2..18]);

    /// <summary>The smallest key after every key that starts with <paramref name="prefix"/> (a Range's end).</summary>
    public static byte[] End(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.ToArray();
        var length = IndexKeys.Successor(end);
        return length < 0 ? [0xFF] : end[..length];
    }

    /// <summary>
    /// The coordinate (<c>bucket 00 key</c>) of a record key of an object-scoped keyspace: the bytes after the 2-byte
    /// tag up to the second 0x00 (or the end, for latest pointers and guards).
    /// </summary>
    public static ReadOnlySpan<byte> CoordinateOf(ReadOnlySpan<byte> recordKey)
    {
        var rest = recordKey[2..];
        var first = rest.IndexOf(IndexKeys.Separator);
        if (first < 0)
        {
            return rest;
        }

        var second = rest[(first + 1)..].IndexOf(IndexKeys.Separator);
        return second < 0 ? rest : rest[..(first + 1 + second)];
    }

    /// <summary><c>space bucket 00 key 00 suffix</c>.</summary>
    private static byte[] Child(ReadOnlySpan<byte> space, string bucket, string objectKey, ReadOnlySpan<byte> suffix)
    {
        var bucketPrefix = BucketPrefix(space, bucket);
        var keyBytes = RecordWriter.StrictUtf8.GetBytes(objectKey);
        return [.. bucketPrefix, .. keyBytes, IndexKeys.Separator, .. suffix];
    }
}
