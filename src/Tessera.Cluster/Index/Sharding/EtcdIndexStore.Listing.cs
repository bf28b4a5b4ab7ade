using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>The listings: <see cref="IndexListings"/> over the bucket's routes in key order.</content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Semantics: <see cref="IndexListings.ListObjects"/>, over the bucket's latest pointers read in pages of fenced Range
    /// requests, route after route (one revision per group). A fence failure starts the page over.
    /// </remarks>
    public ObjectListing ListObjects(string bucket, ListObjectsQuery query)
    {
        IndexKeys.ValidateBucket(bucket);
        ThrowIfDisposed();
        return Retrying(() =>
        {
            var listing = new BucketListing(this, _directory, bucket);
            return IndexListings.ListObjects(bucket, query, () => listing.Cursor(IndexKeys.LatestSpace, manifests: true, query.Prefix, query.MaxKeys));
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Semantics and validation: <see cref="IndexListings.ListObjectVersions"/>, over the bucket's version records read
    /// like <see cref="ListObjects"/>'s.
    /// </remarks>
    public VersionListing ListObjectVersions(string bucket, ListVersionsQuery query)
    {
        IndexKeys.ValidateBucket(bucket);
        ThrowIfDisposed();
        return Retrying(() =>
        {
            var listing = new BucketListing(this, _directory, bucket);
            return IndexListings.ListObjectVersions(bucket, query, () => listing.Cursor(IndexKeys.VersionSpace, manifests: true, query.Prefix, query.MaxKeys));
        });
    }
}
