using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store;

/// <summary>What an <see cref="ObjectWriter"/> commits its segment to: a new object version, or a part of an upload.</summary>
public abstract record WriteTarget
{
    private protected WriteTarget()
    {
    }

    /// <summary>Who the segment belongs to, as its fragment headers record it.</summary>
    internal abstract SegmentOwner Owner { get; }
}

/// <summary>A new version of an object.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Template">
/// The version but for what the write fills in (size, ETag, last-modified time, checksum, segment): key, version id,
/// content headers, metadata, tags, owner, storage class.
/// </param>
/// <param name="Condition">The compare-and-set the index decides the commit by (If-None-Match, If-Match).</param>
public sealed record VersionTarget(string Bucket, ObjectManifest Template, WriteCondition Condition = default) : WriteTarget
{
    internal override SegmentOwner Owner => new(Bucket, Template.Key, Template.VersionId, 0);
}

/// <summary>A part of a multipart upload (replacing an earlier part with its number).</summary>
public sealed record PartTarget(string Bucket, string Key, string UploadId, int PartNumber) : WriteTarget
{
    internal override SegmentOwner Owner => new(Bucket, Key, UploadId, PartNumber);
}
