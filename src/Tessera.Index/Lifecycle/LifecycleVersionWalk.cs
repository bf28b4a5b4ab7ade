namespace Tessera.Index.Lifecycle;

/// <summary>
/// Follows versions in <see cref="IIndexStore.ListObjectVersions"/> order (keys ascending, each key's versions and
/// delete markers newest first) and describes each one for <see cref="LifecycleEvaluator"/>: whether it is current
/// and, for a noncurrent one, when it became noncurrent, which is the last-modified time of the entry listed just
/// before it (its successor, a delete marker included). The lifecycle worker walks a bucket with it;
/// <see cref="Find"/> looks one version up the same way (the <c>x-amz-expiration</c> of a read by version id).
/// </summary>
public sealed class LifecycleVersionWalk
{
    private const int FirstPage = 16;
    private const int LargestPage = 1000;

    private string? _key;
    private DateTimeOffset? _successorModified;

    /// <summary>
    /// The subject of the next entry of the listing. Only what the listing tells is set: a caller that knows more (the
    /// bucket's versioning, the versions around it) sets the rest with <c>with</c>.
    /// </summary>
    public LifecycleSubject Next(VersionEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var m = entry.Manifest;
        if (!string.Equals(m.Key, _key, StringComparison.Ordinal))
        {
            _key = m.Key;
            _successorModified = null;
        }

        var subject = Describe(m, entry.IsLatest, entry.IsLatest ? null : _successorModified);
        _successorModified = m.LastModified;
        return subject;
    }

    /// <summary>The current version <paramref name="manifest"/> as the evaluator sees it (a read without a version id).</summary>
    public static LifecycleSubject Current(ObjectManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Describe(manifest, isLatest: true, noncurrentSince: null);
    }

    private static LifecycleSubject Describe(ObjectManifest m, bool isLatest, DateTimeOffset? noncurrentSince) => new()
    {
        Key = m.Key,
        Size = m.IsDeleteMarker ? 0 : m.Size,
        Tags = m.IsDeleteMarker ? [] : m.Tags,
        LastModified = m.LastModified,
        StorageClass = m.StorageClass,
        IsLatest = isLatest,
        IsDeleteMarker = m.IsDeleteMarker,
        NoncurrentSince = noncurrentSince,
    };

    /// <summary>
    /// The subject of version <paramref name="versionId"/> of <paramref name="key"/> as the index holds it now, or
    /// null when that version is not there (deleted meanwhile). Lists the key's versions from the newest, in pages
    /// that start small (a current version is the first entry) and grow.
    /// </summary>
    public static LifecycleSubject? Find(IIndexStore index, string bucket, string key, string versionId)
    {
        ArgumentNullException.ThrowIfNull(index);
        var walk = new LifecycleVersionWalk();
        string? keyMarker = null;
        string? versionMarker = null;
        for (var size = FirstPage; ; size = Math.Min(size * 4, LargestPage))
        {
            var page = index.ListObjectVersions(bucket, new ListVersionsQuery(key, null, keyMarker, versionMarker, size));
            foreach (var entry in page.Versions)
            {
                if (!string.Equals(entry.Manifest.Key, key, StringComparison.Ordinal))
                {
                    return null; // Past the key: a longer key with it as prefix.
                }

                var subject = walk.Next(entry);
                if (string.Equals(entry.Manifest.VersionId, versionId, StringComparison.Ordinal))
                {
                    return subject;
                }
            }

            if (!page.IsTruncated)
            {
                return null;
            }

            keyMarker = page.NextKeyMarker;
            versionMarker = page.NextVersionIdMarker;
        }
    }
}
