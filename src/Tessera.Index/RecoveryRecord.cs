using System.Buffers;

namespace Tessera.Index;

/// <summary>
/// The manifest entry a segment's fragments (or a multipart completion record) carry on the data disks, so that the
/// index can be rebuilt from them (<c>tessera admin recover-index</c>, docs/design/index-recovery.md). Disk
/// locations are never stored: recovery takes them from where the fragments are found.
/// </summary>
/// <param name="Kind">What the record re-derives.</param>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The object key.</param>
/// <param name="UploadId">The multipart upload id (parts and completions), otherwise null.</param>
/// <param name="Manifest">
/// Versions and completions: the object version as committed (version id, size, ETag, last-modified, owner, storage
/// class, content headers, user metadata, tags, checksums, and its segments without disks); null for parts.
/// </param>
/// <param name="Part">Parts: the upload part as stored (its segment without disks); null otherwise.</param>
public sealed record RecoveryRecord(RecoveryRecordKind Kind, string Bucket, string Key, string? UploadId, ObjectManifest? Manifest, UploadPart? Part)
{
    /// <summary>The record of a single-part object version.</summary>
    public static RecoveryRecord ForVersion(string bucket, ObjectManifest manifest) =>
        new(RecoveryRecordKind.Version, bucket, manifest.Key, null, manifest, null);

    /// <summary>The record of an upload part.</summary>
    public static RecoveryRecord ForPart(string bucket, string key, string uploadId, UploadPart part) =>
        new(RecoveryRecordKind.Part, bucket, key, uploadId, null, part);

    /// <summary>The completion record of a multipart object.</summary>
    public static RecoveryRecord ForCompletion(string bucket, string uploadId, ObjectManifest manifest) =>
        new(RecoveryRecordKind.Completion, bucket, manifest.Key, uploadId, manifest, null);

    /// <summary>When the version (or part) was written: the order recovery replays records in.</summary>
    public DateTimeOffset LastModified => Manifest?.LastModified ?? Part!.LastModified;

    /// <summary>Encodes the record (segments without disks, sequence 0); see <see cref="ManifestSerializer"/>.</summary>
    /// <exception cref="ArgumentException">The record is inconsistent (a part without <see cref="Part"/>, …).</exception>
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        ManifestSerializer.Write(buffer, this);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a record; null when the bytes are not a record this build reads (never throws for bad input).</summary>
    public static RecoveryRecord? TryRead(ReadOnlySpan<byte> data)
    {
        try
        {
            return ManifestSerializer.ReadRecoveryRecord(data);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
