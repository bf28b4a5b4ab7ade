using Google.Protobuf;
using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// An <see cref="IIndexCursor"/> over one object-scoped keyspace of a bucket (or of one object) across its routes, in
/// key order: it reads pages of fenced Range requests from each route's group, each group through one
/// <see cref="GroupView"/> (one revision per group for the whole listing), and shows index keys in the RocksDB layout,
/// so <see cref="IndexListings"/> runs on it unchanged.
/// </summary>
/// <remarks>
/// A version record in the chunked form is shown as the plain manifest record it stands for (its chunks read from the
/// same group at the same revision), so the listing code never sees the difference. A seek that lands inside the page
/// already read costs no request (delimiter roll-ups skip whole folders cheaply when they are small).
/// </remarks>
internal sealed class EtcdCursor : IIndexCursor
{
    /// <summary>The most records one page asks for: a 1,000-key listing page and the record after it.</summary>
    internal const int MaxPageSize = 1001;

    /// <summary>The bytes a page may hold by the largest record seen (gRPC's default message limit is 4 MiB).</summary>
    internal const int PageBytes = 2 * 1024 * 1024;

    private readonly EtcdIndexStore _store;
    private readonly IReadOnlyList<RangeRoute> _routes;
    private readonly Func<RangeRoute, GroupView> _viewOf;
    private readonly byte[] _lower;
    private readonly byte[] _upper;
    private readonly bool _manifests;
    private int _pageSize;
    private int _largestRecord;
    private List<KeyValue> _page = [];
    private GroupView? _view;
    private int _index;
    private int _route;
    private bool _more;
    private byte[]? _plain;

    /// <summary>A cursor over the records in [<paramref name="lower"/>, <paramref name="upper"/>) (index keys of one keyspace).</summary>
    /// <param name="store">The store (options, chunk reads).</param>
    /// <param name="routes">The routes covering the bounds' coordinates, in key order.</param>
    /// <param name="viewOf">The view to read a route's group through (one per group for the whole cursor).</param>
    /// <param name="lower">The first key (its 2-byte tag names the keyspace).</param>
    /// <param name="upper">The key after the last.</param>
    /// <param name="manifests">Values are version records: show the chunked form as plain manifests.</param>
    /// <param name="firstPage">
    /// How many records the first request asks for when that is more than <see cref="EtcdIndexOptions.PageSize"/> (at
    /// most <see cref="MaxPageSize"/>): a listing that will read that many pays one walk of the span for them.
    /// </param>
    public EtcdCursor(EtcdIndexStore store, IReadOnlyList<RangeRoute> routes, Func<RangeRoute, GroupView> viewOf, byte[] lower, byte[] upper, bool manifests, int firstPage = 0)
    {
        _store = store;
        _routes = routes;
        _viewOf = viewOf;
        _lower = lower;
        _upper = upper;
        _manifests = manifests;
        _pageSize = Math.Clamp(firstPage, store.Options.PageSize, Math.Max(store.Options.PageSize, MaxPageSize));
    }

    /// <inheritdoc/>
    public bool Valid => _index < _page.Count;

    /// <inheritdoc/>
    public ReadOnlySpan<byte> Key => _view!.IndexKey(_page[_index]);

    /// <inheritdoc/>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            var value = _page[_index].Value.Span;
            if (!_manifests || !EtcdRecords.IsChunked(value))
            {
                return value;
            }

            _plain ??= ManifestSerializer.ToArray(_store.DecodeVersion(_view!, value));
            return _plain;
        }
    }

    /// <summary>The current record's value as stored (the chunked form not expanded).</summary>
    public ByteString RawValue => _page[_index].Value;

    /// <inheritdoc/>
    public void Seek(ReadOnlySpan<byte> key)
    {
        var target = key.SequenceCompareTo(_lower) < 0 ? _lower : key.ToArray();
        if (_page.Count > 0 && SeekInPage(target))
        {
            return;
        }

        var coordinate = target.AsSpan(2);
        for (var i = 0; i < _routes.Count; i++)
        {
            if (IndexCoordinates.InRange(_routes[i], coordinate) || _routes[i].Start.AsSpan().SequenceCompareTo(coordinate) > 0)
            {
                Load(i, target);
                return;
            }
        }

        Clear();
    }

    /// <inheritdoc/>
    public void Next()
    {
        _plain = null;
        if (++_index < _page.Count)
        {
            return;
        }

        if (_more)
        {
            Load(_route, [.. _view!.IndexKey(_page[^1]), 0x00]);
        }
        else
        {
            Load(_route + 1, null);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>Positions on the first record at or after <paramref name="target"/> in the page held, when the page can tell.</summary>
    private bool SeekInPage(byte[] target)
    {
        var first = _view!.IndexKey(_page[0]);
        var last = _view.IndexKey(_page[^1]);
        if (target.AsSpan().SequenceCompareTo(first) < 0)
        {
            return false;
        }

        if (target.AsSpan().SequenceCompareTo(last) > 0)
        {
            if (_more || target.AsSpan().SequenceCompareTo(RouteEnd(_route)) >= 0)
            {
                return false;
            }

            // Nothing more in this route: the next record is the next route's first.
            _plain = null;
            Load(_route + 1, target);
            return true;
        }

        var low = 0;
        var high = _page.Count - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_view.IndexKey(_page[middle]).SequenceCompareTo(target) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        _plain = null;
        _index = low;
        return true;
    }

    /// <summary>Reads the first page at or after <paramref name="from"/> (null: the route's start) from route <paramref name="route"/> on.</summary>
    private void Load(int route, byte[]? from)
    {
        _plain = null;
        for (; route < _routes.Count; route++)
        {
            var start = _lower;
            var routeStart = Tagged(_routes[route].Start);
            if (routeStart.AsSpan().SequenceCompareTo(start) > 0)
            {
                start = routeStart;
            }

            if (from is not null && from.AsSpan().SequenceCompareTo(start) > 0)
            {
                start = from;
            }

            var end = RouteEnd(route);
            if (start.AsSpan().SequenceCompareTo(end) >= 0)
            {
                continue;
            }

            var view = _viewOf(_routes[route]);
            var page = ReadPage(view, start, end);
            if (page.Kvs.Count == 0)
            {
                continue;
            }

            _view = view;
            _route = route;
            _page = [.. page.Kvs];
            _index = 0;
            _more = page.More;
            return;
        }

        Clear();
    }

    /// <summary>
    /// One page of [<paramref name="start"/>, <paramref name="end"/>). etcd 3.4 walks every key of a Range request's
    /// span before it applies the limit (its index has no limit pushdown), so a page costs the span, not the page: the
    /// span ends at the listing's prefix (the caller's bounds) and pages grow while a cursor reads on, doubling from
    /// <see cref="EtcdIndexOptions.PageSize"/> to <see cref="MaxPageSize"/> while the largest record seen keeps a page
    /// within <see cref="PageBytes"/>, so a 1,000-key listing page takes one or two requests rather than ten (one when the
    /// listing said up front how many it wants). A page
    /// over gRPC's message limit anyway (a run of large manifests) is read again at half the size.
    /// </summary>
    private Etcdserverpb.RangeResponse ReadPage(GroupView view, byte[] start, byte[] end)
    {
        while (true)
        {
            try
            {
                var page = view.Read([view.Between(start, end, _pageSize)])[0];
                foreach (var kv in page.Kvs)
                {
                    _largestRecord = Math.Max(_largestRecord, kv.Key.Length + kv.Value.Length);
                }

                var fits = PageBytes / Math.Max(_largestRecord, 256);
                _pageSize = Math.Clamp(Math.Min(_pageSize * 2, fits), 2, MaxPageSize);
                return page;
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.ResourceExhausted && _pageSize > 2)
            {
                _pageSize /= 2;
            }
        }
    }

    /// <summary>The key after the last record of route <paramref name="route"/> within the bounds.</summary>
    private byte[] RouteEnd(int route)
    {
        var end = _routes[route].End;
        if (end is null)
        {
            return _upper;
        }

        var tagged = Tagged(end);
        return tagged.AsSpan().SequenceCompareTo(_upper) < 0 ? tagged : _upper;
    }

    private byte[] Tagged(byte[] coordinate) => [_lower[0], _lower[1], .. coordinate];

    private void Clear()
    {
        _page = [];
        _index = 0;
        _more = false;
    }
}
