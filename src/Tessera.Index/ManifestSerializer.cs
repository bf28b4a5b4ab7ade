using System.Buffers;

namespace Tessera.Index;

/// <summary>
/// The compact binary encoding of the index's values. Every record starts with a format-version byte
/// (<see cref="FormatVersion"/>); a decoder refuses versions it does not know instead of misreading them.
/// </summary>
/// <remarks>
/// <para>Format version 1, with the primitives of <see cref="RecordWriter"/> (varint, zig-zag varint, string =
/// varint length + UTF-8, nullable string = varint length + 1 or 0, timestamp = UTC ticks int64 LE + offset minutes):</para>
/// <list type="bullet">
/// <item><b>ObjectManifest</b>: version, flags (bit 0 = delete marker), VersionId, Key, Sequence, Size, ETag,
/// LastModified, Owner, StorageClass, ContentType?, ContentEncoding?, ContentDisposition?, ContentLanguage?,
/// CacheControl?, Expires?, UserMetadata pairs, Tags pairs, Checksums pairs, Segments (count + each segment body),
/// then, with flag bit 0x04 (a restore of an archived version, <see cref="ObjectRestore"/>), the restore section:
/// Ongoing (byte 0/1), Days, Tier, Requested, Expiry (byte 0 = none, 1 = a timestamp follows), restored Segments
/// (count + each segment body). Records without the bit (every record of older builds) read as before; flag bit 0x02
/// is reserved. Recovery records never carry a restore.
/// The flags and the version id come first so that listing and version lookup can test them without decoding the
/// rest (<see cref="IsDeleteMarker"/>, <see cref="VersionIdEquals"/>).</item>
/// <item><b>Segment body</b>: PartNumber, Segment (16 bytes), Size, ETag, DataShards, ParityShards, ShardSize,
/// Disks (count + strings). A standalone SegmentManifest record is version + body.</item>
/// <item><b>BucketInfo</b>: version, Name, Owner, Created, Region, Versioning (byte). A bucket with a lifecycle
/// configuration is written with version <see cref="BucketLifecycleVersion"/> instead, followed by Lifecycle (string,
/// the stored XML); version 1 records (every bucket without one, and every record of older builds) still read.</item>
/// <item><b>GarbageEntry</b>: version, Queued, Sequence, segment body.</item>
/// <item><b>SegmentReference</b>: version, kind (byte), Bucket, Key, Sequence; kind 0 = an object version (Sequence is
/// the version's); kind 1 = a multipart upload part (Sequence is the upload's), followed by UploadId, PartNumber.</item>
/// <item><b>MultipartUpload</b>: version, UploadId, Bucket, Key, Initiated, Owner, Template (an ObjectManifest body, that
/// is its encoding without the version byte).</item>
/// <item><b>UploadPart</b>: version, PartNumber, LastModified, ChecksumAlgorithm?, Checksum?, segment body.</item>
/// <item><b>RecoveryRecord</b> (fragment trailers and completion records on the data disks): version, kind (byte: 1
/// version, 2 part, 3 completion), Bucket, Key, UploadId?, then an ObjectManifest body (kinds 1 and 3) or an UploadPart
/// body without its version byte (kind 2). Segments are written without disks and the manifest with sequence 0.</item>
/// </list>
/// <para>Decoders require the whole span to be consumed and throw <see cref="InvalidDataException"/> on any
/// malformed, truncated or unknown-version record. Encoders throw <see cref="ArgumentException"/> for strings
/// that are not valid UTF-16 (lone surrogates), which could not round-trip.</para>
/// </remarks>
internal static class ManifestSerializer
{
    /// <summary>The format version written by this build.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The version of a bucket record that carries a lifecycle configuration after Versioning.</summary>
    public const byte BucketLifecycleVersion = 2;

    private const byte DeleteMarkerFlag = 0x01;

    /// <summary>Bit 0x02 is reserved and unused (tiered segments are told apart in the segment body: <see cref="SegmentManifest.IsTiered"/>).</summary>
    private const byte RestoreFlag = 0x04;

    private const byte KnownManifestFlags = DeleteMarkerFlag | RestoreFlag;

    private const byte VersionReferenceKind = 0;

    private const byte PartReferenceKind = 1;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _scratch;

    /// <summary>
    /// A per-thread scratch buffer, emptied. The caller owns it until its next call on the same thread, so it must
    /// copy the bytes out (RocksDB's WriteBatch.Put copies) before serializing anything else.
    /// </summary>
    public static ArrayBufferWriter<byte> RentScratch()
    {
        var buffer = _scratch;
        if (buffer is null || buffer.Capacity > 1 << 20)
        {
            // Do not pin a huge buffer to the thread after an unusually large manifest.
            _scratch = buffer = new ArrayBufferWriter<byte>(1024);
        }

        buffer.ResetWrittenCount();
        return buffer;
    }

    /// <summary>Appends the encoding of <paramref name="manifest"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ObjectManifest manifest)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        WriteManifestBody(writer, manifest);
    }

    /// <summary>Appends the encoding of a multipart upload.</summary>
    public static void Write(IBufferWriter<byte> writer, MultipartUpload upload)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        RecordWriter.WriteString(writer, upload.UploadId);
        RecordWriter.WriteString(writer, upload.Bucket);
        RecordWriter.WriteString(writer, upload.Key);
        RecordWriter.WriteTimestamp(writer, upload.Initiated);
        RecordWriter.WriteString(writer, upload.Owner);
        WriteManifestBody(writer, upload.Template);
    }

    /// <summary>Appends the encoding of an upload part.</summary>
    public static void Write(IBufferWriter<byte> writer, UploadPart part)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        RecordWriter.WriteVarInt32(writer, part.PartNumber);
        RecordWriter.WriteTimestamp(writer, part.LastModified);
        RecordWriter.WriteNullableString(writer, part.ChecksumAlgorithm);
        RecordWriter.WriteNullableString(writer, part.Checksum);
        WriteSegmentBody(writer, part.Segment);
    }

    /// <summary>Appends the encoding of a standalone segment.</summary>
    public static void Write(IBufferWriter<byte> writer, SegmentManifest segment)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        WriteSegmentBody(writer, segment);
    }

    /// <summary>Appends the encoding of a bucket record.</summary>
    public static void Write(IBufferWriter<byte> writer, BucketInfo bucket)
    {
        RecordWriter.WriteByte(writer, bucket.Lifecycle is null ? FormatVersion : BucketLifecycleVersion);
        RecordWriter.WriteString(writer, bucket.Name);
        RecordWriter.WriteString(writer, bucket.Owner);
        RecordWriter.WriteTimestamp(writer, bucket.Created);
        RecordWriter.WriteString(writer, bucket.Region);
        RecordWriter.WriteByte(writer, (byte)bucket.Versioning);
        if (bucket.Lifecycle is not null)
        {
            RecordWriter.WriteString(writer, bucket.Lifecycle);
        }
    }

    /// <summary>Appends the encoding of a garbage entry.</summary>
    public static void Write(IBufferWriter<byte> writer, GarbageEntry entry)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        RecordWriter.WriteTimestamp(writer, entry.Queued);
        RecordWriter.WriteVarUInt64(writer, entry.Sequence);
        WriteSegmentBody(writer, entry.Segment);
    }

    /// <summary>Appends the encoding of a segment reference held by an object version or an upload part.</summary>
    public static void Write(IBufferWriter<byte> writer, SegmentReference reference)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        RecordWriter.WriteByte(writer, reference.UploadId is null ? VersionReferenceKind : PartReferenceKind);
        RecordWriter.WriteString(writer, reference.Bucket);
        RecordWriter.WriteString(writer, reference.Key);
        RecordWriter.WriteVarUInt64(writer, reference.Sequence);
        if (reference.UploadId is not null)
        {
            RecordWriter.WriteString(writer, reference.UploadId);
            RecordWriter.WriteVarInt32(writer, reference.PartNumber);
        }
    }

    /// <summary>Appends the encoding of a recovery record (segments stripped of their disks, sequence 0).</summary>
    public static void Write(IBufferWriter<byte> writer, RecoveryRecord record)
    {
        RecordWriter.WriteByte(writer, FormatVersion);
        RecordWriter.WriteByte(writer, (byte)record.Kind);
        RecordWriter.WriteString(writer, record.Bucket);
        RecordWriter.WriteString(writer, record.Key);
        RecordWriter.WriteNullableString(writer, record.UploadId);
        switch (record.Kind)
        {
            case RecoveryRecordKind.Version or RecoveryRecordKind.Completion when record.Manifest is { } manifest:
                WriteManifestBody(writer, manifest with { Sequence = 0, Restore = null, Segments = [.. manifest.Segments.Select(s => s with { Disks = [] })] });
                break;
            case RecoveryRecordKind.Part when record.Part is { } part && record.UploadId is not null:
                RecordWriter.WriteVarInt32(writer, part.PartNumber);
                RecordWriter.WriteTimestamp(writer, part.LastModified);
                RecordWriter.WriteNullableString(writer, part.ChecksumAlgorithm);
                RecordWriter.WriteNullableString(writer, part.Checksum);
                WriteSegmentBody(writer, part.Segment with { Disks = [] });
                break;
            default:
                throw new ArgumentException($"A {record.Kind} recovery record needs {(record.Kind == RecoveryRecordKind.Part ? "a part and an upload id" : "a manifest")}.", nameof(record));
        }
    }

    /// <summary>Decodes a recovery record.</summary>
    public static RecoveryRecord ReadRecoveryRecord(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var kind = (RecoveryRecordKind)reader.ReadByte();
        var bucket = reader.ReadString();
        var key = reader.ReadString();
        var uploadId = reader.ReadNullableString();
        RecoveryRecord record;
        switch (kind)
        {
            case RecoveryRecordKind.Version or RecoveryRecordKind.Completion:
                var manifest = ReadManifestBody(ref reader);
                if (manifest.Key != key || (kind == RecoveryRecordKind.Completion) != (uploadId is not null))
                {
                    throw new InvalidDataException("Recovery record is inconsistent.");
                }

                record = new RecoveryRecord(kind, bucket, key, uploadId, manifest, null);
                break;
            case RecoveryRecordKind.Part when uploadId is not null:
                var partNumber = reader.ReadVarInt32();
                var lastModified = reader.ReadTimestamp();
                var algorithm = reader.ReadNullableString();
                var checksum = reader.ReadNullableString();
                var segment = ReadSegmentBody(ref reader);
                record = new RecoveryRecord(kind, bucket, key, uploadId, null, new UploadPart(partNumber, segment, lastModified, algorithm, checksum));
                break;
            default:
                throw new InvalidDataException($"Recovery record has unknown kind {(byte)kind}.");
        }

        reader.EnsureEnd();
        return record;
    }

    /// <summary>Decodes a segment reference.</summary>
    public static SegmentReference ReadSegmentReference(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var kind = reader.ReadByte();
        if (kind is not (VersionReferenceKind or PartReferenceKind))
        {
            throw new InvalidDataException($"Segment reference has unknown kind {kind}.");
        }

        var bucket = reader.ReadString();
        var key = reader.ReadString();
        var sequence = reader.ReadVarUInt64();
        var reference = kind == VersionReferenceKind
            ? new SegmentReference(bucket, key, sequence)
            : new SegmentReference(bucket, key, sequence, reader.ReadString(), reader.ReadVarInt32());
        reader.EnsureEnd();
        return reference;
    }

    /// <summary>Decodes a multipart upload.</summary>
    public static MultipartUpload ReadMultipartUpload(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var uploadId = reader.ReadString();
        var bucket = reader.ReadString();
        var key = reader.ReadString();
        var initiated = reader.ReadTimestamp();
        var owner = reader.ReadString();
        var template = ReadManifestBody(ref reader);
        reader.EnsureEnd();
        return new MultipartUpload(bucket, key, uploadId, initiated, owner, template);
    }

    /// <summary>Decodes an upload part.</summary>
    public static UploadPart ReadUploadPart(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var partNumber = reader.ReadVarInt32();
        var lastModified = reader.ReadTimestamp();
        var algorithm = reader.ReadNullableString();
        var checksum = reader.ReadNullableString();
        var segment = ReadSegmentBody(ref reader);
        reader.EnsureEnd();
        return new UploadPart(partNumber, segment, lastModified, algorithm, checksum);
    }

    /// <summary>The upload id of an encoded multipart upload, as UTF-8, without decoding the rest (valid as long as <paramref name="data"/>).</summary>
    public static ReadOnlySpan<byte> UploadIdOf(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        return reader.ReadStringBytes();
    }

    /// <summary>Decodes an object manifest.</summary>
    public static ObjectManifest ReadObjectManifest(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var manifest = ReadManifestBody(ref reader);
        reader.EnsureEnd();
        return manifest;
    }

    /// <summary>Decodes a standalone segment.</summary>
    public static SegmentManifest ReadSegmentManifest(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var segment = ReadSegmentBody(ref reader);
        reader.EnsureEnd();
        return segment;
    }

    /// <summary>Decodes a bucket record.</summary>
    public static BucketInfo ReadBucketInfo(ReadOnlySpan<byte> data)
    {
        var withLifecycle = !data.IsEmpty && data[0] == BucketLifecycleVersion;
        var reader = withLifecycle ? new RecordReader(data[1..]) : Open(data);
        var name = reader.ReadString();
        var owner = reader.ReadString();
        var created = reader.ReadTimestamp();
        var region = reader.ReadString();
        var versioning = reader.ReadByte();
        if (versioning > (byte)VersioningState.Suspended)
        {
            throw new InvalidDataException($"Bucket record has unknown versioning state {versioning}.");
        }

        var lifecycle = withLifecycle ? reader.ReadString() : null;
        reader.EnsureEnd();
        return new BucketInfo(name, owner, created, region, (VersioningState)versioning, lifecycle);
    }

    /// <summary>Decodes a garbage entry.</summary>
    public static GarbageEntry ReadGarbageEntry(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        var queued = reader.ReadTimestamp();
        var sequence = reader.ReadVarUInt64();
        var segment = ReadSegmentBody(ref reader);
        reader.EnsureEnd();
        return new GarbageEntry(queued, sequence, segment);
    }

    /// <summary>Whether an encoded object manifest is a delete marker, reading only its header.</summary>
    public static bool IsDeleteMarker(ReadOnlySpan<byte> data)
    {
        var reader = Open(data);
        return (reader.ReadByte() & DeleteMarkerFlag) != 0;
    }

    /// <summary>Whether an encoded object manifest has the given version id (as UTF-8), without decoding the rest.</summary>
    public static bool VersionIdEquals(ReadOnlySpan<byte> data, ReadOnlySpan<byte> versionIdUtf8)
    {
        var reader = Open(data);
        reader.ReadByte();
        return reader.ReadStringBytes().SequenceEqual(versionIdUtf8);
    }

    /// <summary>Encodes into a new array (tests and cold paths).</summary>
    public static byte[] ToArray(ObjectManifest manifest)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, manifest);
        return buffer.WrittenSpan.ToArray();
    }

    private static RecordReader Open(ReadOnlySpan<byte> data)
    {
        var reader = new RecordReader(data);
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Index record has format version {version}; this build reads version {FormatVersion}.");
        }

        return reader;
    }

    private static void WriteManifestBody(IBufferWriter<byte> writer, ObjectManifest manifest)
    {
        RecordWriter.WriteByte(writer, (byte)((manifest.IsDeleteMarker ? DeleteMarkerFlag : 0) | (manifest.Restore is null ? 0 : RestoreFlag)));
        RecordWriter.WriteString(writer, manifest.VersionId);
        RecordWriter.WriteString(writer, manifest.Key);
        RecordWriter.WriteVarUInt64(writer, manifest.Sequence);
        RecordWriter.WriteVarInt64(writer, manifest.Size);
        RecordWriter.WriteString(writer, manifest.ETag);
        RecordWriter.WriteTimestamp(writer, manifest.LastModified);
        RecordWriter.WriteString(writer, manifest.Owner);
        RecordWriter.WriteString(writer, manifest.StorageClass);
        RecordWriter.WriteNullableString(writer, manifest.ContentType);
        RecordWriter.WriteNullableString(writer, manifest.ContentEncoding);
        RecordWriter.WriteNullableString(writer, manifest.ContentDisposition);
        RecordWriter.WriteNullableString(writer, manifest.ContentLanguage);
        RecordWriter.WriteNullableString(writer, manifest.CacheControl);
        RecordWriter.WriteNullableString(writer, manifest.Expires);
        RecordWriter.WritePairs(writer, manifest.UserMetadata);
        RecordWriter.WritePairs(writer, manifest.Tags);
        RecordWriter.WritePairs(writer, manifest.Checksums);
        RecordWriter.WriteCount(writer, manifest.Segments.Count);
        for (var i = 0; i < manifest.Segments.Count; i++)
        {
            WriteSegmentBody(writer, manifest.Segments[i]);
        }

        if (manifest.Restore is { } restore)
        {
            RecordWriter.WriteByte(writer, restore.Ongoing ? (byte)1 : (byte)0);
            RecordWriter.WriteVarInt32(writer, restore.Days);
            RecordWriter.WriteString(writer, restore.Tier);
            RecordWriter.WriteTimestamp(writer, restore.Requested);
            RecordWriter.WriteByte(writer, restore.Expiry is null ? (byte)0 : (byte)1);
            if (restore.Expiry is { } expiry)
            {
                RecordWriter.WriteTimestamp(writer, expiry);
            }

            RecordWriter.WriteCount(writer, restore.Segments.Count);
            for (var i = 0; i < restore.Segments.Count; i++)
            {
                WriteSegmentBody(writer, restore.Segments[i]);
            }
        }
    }

    private static ObjectManifest ReadManifestBody(ref RecordReader reader)
    {
        var flags = reader.ReadByte();
        if ((flags & ~KnownManifestFlags) != 0)
        {
            throw new InvalidDataException($"Object manifest has unknown flags 0x{flags:x2}.");
        }

        var versionId = reader.ReadString();
        var key = reader.ReadString();
        var manifest = new ObjectManifest
        {
            Key = key,
            VersionId = versionId,
            IsDeleteMarker = (flags & DeleteMarkerFlag) != 0,
            Sequence = reader.ReadVarUInt64(),
            Size = reader.ReadVarInt64(),
            ETag = reader.ReadString(),
            LastModified = reader.ReadTimestamp(),
            Owner = reader.ReadString(),
            StorageClass = reader.ReadString(),
            ContentType = reader.ReadNullableString(),
            ContentEncoding = reader.ReadNullableString(),
            ContentDisposition = reader.ReadNullableString(),
            ContentLanguage = reader.ReadNullableString(),
            CacheControl = reader.ReadNullableString(),
            Expires = reader.ReadNullableString(),
            UserMetadata = reader.ReadPairs(),
            Tags = reader.ReadPairs(),
            Checksums = reader.ReadPairs(),
            Segments = ReadSegments(ref reader),
        };
        return (flags & RestoreFlag) == 0 ? manifest : manifest with { Restore = ReadRestore(ref reader) };
    }

    private static ObjectRestore ReadRestore(ref RecordReader reader)
    {
        var ongoing = reader.ReadByte() switch
        {
            0 => false,
            1 => true,
            var other => throw new InvalidDataException($"A restore section has ongoing byte {other}."),
        };
        var days = reader.ReadVarInt32();
        var tier = reader.ReadString();
        var requested = reader.ReadTimestamp();
        DateTimeOffset? expiry = reader.ReadByte() switch
        {
            0 => null,
            1 => reader.ReadTimestamp(),
            var other => throw new InvalidDataException($"A restore section has expiry byte {other}."),
        };
        return new ObjectRestore { Ongoing = ongoing, Days = days, Tier = tier, Requested = requested, Expiry = expiry, Segments = ReadSegments(ref reader) };
    }

    private static void WriteSegmentBody(IBufferWriter<byte> writer, SegmentManifest segment)
    {
        RecordWriter.WriteVarInt32(writer, segment.PartNumber);
        RecordWriter.WriteGuid(writer, segment.Segment);
        RecordWriter.WriteVarInt64(writer, segment.Size);
        RecordWriter.WriteString(writer, segment.ETag);
        RecordWriter.WriteVarInt32(writer, segment.DataShards);
        RecordWriter.WriteVarInt32(writer, segment.ParityShards);
        RecordWriter.WriteVarInt32(writer, segment.ShardSize);
        RecordWriter.WriteCount(writer, segment.Disks.Count);
        for (var i = 0; i < segment.Disks.Count; i++)
        {
            RecordWriter.WriteString(writer, segment.Disks[i]);
        }
    }

    private static SegmentManifest ReadSegmentBody(ref RecordReader reader)
    {
        var partNumber = reader.ReadVarInt32();
        var id = reader.ReadGuid();
        var size = reader.ReadVarInt64();
        var etag = reader.ReadString();
        var dataShards = reader.ReadVarInt32();
        var parityShards = reader.ReadVarInt32();
        var shardSize = reader.ReadVarInt32();
        var diskCount = reader.ReadCount();
        var disks = diskCount == 0 ? [] : new string[diskCount];
        for (var i = 0; i < disks.Length; i++)
        {
            disks[i] = reader.ReadString();
        }

        return new SegmentManifest
        {
            PartNumber = partNumber,
            Segment = id,
            Size = size,
            ETag = etag,
            DataShards = dataShards,
            ParityShards = parityShards,
            ShardSize = shardSize,
            Disks = disks,
        };
    }

    private static SegmentManifest[] ReadSegments(ref RecordReader reader)
    {
        var count = reader.ReadCount();
        if (count == 0)
        {
            return [];
        }

        var segments = new SegmentManifest[count];
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = ReadSegmentBody(ref reader);
        }

        return segments;
    }
}
