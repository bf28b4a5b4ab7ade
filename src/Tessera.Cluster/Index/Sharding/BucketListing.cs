namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// One listing of a bucket: its routes in key order (read once) and one <see cref="GroupView"/> per group, so every
/// page a listing reads from a group is at that group's one revision.
/// </summary>
internal sealed class BucketListing
{
    private readonly EtcdIndexStore _store;
    private readonly IRangeDirectory _directory;
    private readonly string _bucket;
    private readonly IReadOnlyList<RangeRoute> _routes;
    private readonly Dictionary<string, GroupView> _views = new(StringComparer.Ordinal);

    /// <summary>Reads the routes of <paramref name="bucket"/> from <paramref name="directory"/>.</summary>
    public BucketListing(EtcdIndexStore store, IRangeDirectory directory, string bucket)
    {
        _store = store;
        _directory = directory;
        _bucket = bucket;
        _routes = directory.Routes(IndexCoordinates.BucketStart(bucket), IndexCoordinates.BucketEnd(bucket));
    }

    /// <summary>
    /// A cursor over the bucket's records in <paramref name="space"/> (an object-scoped keyspace) whose object keys
    /// start with <paramref name="prefix"/>: its requests end where the prefix does, since etcd 3.4 walks a request's
    /// whole span whatever its limit. <paramref name="wanted"/> is how many records the caller means to read (a
    /// listing's max-keys): the first request asks for that many and the one after, so a 1,000-key page costs one walk
    /// of the span rather than one per doubling page.
    /// </summary>
    public EtcdCursor Cursor(ReadOnlySpan<byte> space, bool manifests, string? prefix = null, int wanted = 0)
    {
        var lower = EtcdIndexKeys.BucketPrefix(space, _bucket);
        var bound = string.IsNullOrEmpty(prefix) ? lower : [.. lower, .. System.Text.Encoding.UTF8.GetBytes(prefix)];
        return new EtcdCursor(_store, _routes, ViewOf, lower, EtcdIndexKeys.End(bound), manifests, wanted + 1);
    }

    /// <summary>The view of the group holding <paramref name="key"/> of the bucket.</summary>
    public GroupView ViewOf(string key) => ViewOf(_directory.Route(IndexCoordinates.Of(_bucket, key)));

    /// <summary>The listing's view of <paramref name="route"/>'s group.</summary>
    public GroupView ViewOf(RangeRoute route)
    {
        if (!_views.TryGetValue(route.Group.Name, out var view))
        {
            view = new GroupView(_store, route.Group, route.Generation);
            _views.Add(route.Group.Name, view);
        }

        return view;
    }
}
