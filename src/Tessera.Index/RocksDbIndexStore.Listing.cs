namespace Tessera.Index;

/// <content>The listings: <see cref="IndexListings"/> over one RocksDB iterator (a consistent snapshot) each.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Semantics and cost: <see cref="IndexListings.ListObjects"/>, over one iterator of the bucket's latest pointers.
    /// </remarks>
    public ObjectListing ListObjects(string bucket, ListObjectsQuery query)
    {
        ThrowIfDisposed();
        return IndexListings.ListObjects(bucket, query, OpenCursor);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Semantics, validation and cost: <see cref="IndexListings.ListObjectVersions"/>, over one iterator of the
    /// bucket's version records; a generated version-id marker costs one seek.
    /// </remarks>
    public VersionListing ListObjectVersions(string bucket, ListVersionsQuery query)
    {
        ThrowIfDisposed();
        return IndexListings.ListObjectVersions(bucket, query, OpenCursor);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Semantics and validation: <see cref="IndexListings.ListUploads"/>, over one iterator of the bucket's upload
    /// records; an open upload-id marker costs one point read of its locator and one seek.
    /// </remarks>
    public UploadListing ListUploads(string bucket, ListUploadsQuery query)
    {
        ThrowIfDisposed();
        return IndexListings.ListUploads(bucket, query, (key, uploadId) => FindUpload(bucket, key, uploadId)?.Sequence, OpenCursor);
    }

    private RocksDbCursor OpenCursor() => new(_db.NewIterator());
}
