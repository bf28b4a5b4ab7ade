namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// A range directory given in code (tests, a fixed deployment): ranges and groups do not change, generations are read
/// from the groups' fences (<see cref="GroupFence"/>) at construction and on every <see cref="Refresh"/>, and a range
/// can be frozen and thawed by hand (<see cref="SetFrozen"/>) to stand for a move in progress.
/// </summary>
/// <remarks>
/// A group whose fence was never written gets generation 1 (<see cref="GroupFence.Initialize"/>). Thread-safe: the
/// routes are an immutable array swapped whole.
/// </remarks>
public sealed class FixedRangeDirectory : IRangeDirectory
{
    private readonly (string RangeId, byte[] Start, IndexGroup Group)[] _ranges;
    private readonly TimeSpan _timeout;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _frozen = new(StringComparer.Ordinal);
    private RangeRoute[] _routes = [];
    private int _refreshes;

    /// <summary>Creates the directory and reads every group's generation.</summary>
    /// <param name="ranges">
    /// The ranges by their first coordinate, in any order: the first must start at the empty coordinate, and each ends
    /// where the next starts (the last at +infinity). A start holds at most one 0x00 byte (<see cref="RangeRoute"/>).
    /// </param>
    /// <param name="timeout">How long one fence read may take; default 5 s.</param>
    /// <exception cref="ArgumentException">No range, none starting at the empty coordinate, a start twice, a range id twice, or a start with two 0x00 bytes.</exception>
    public FixedRangeDirectory(IEnumerable<(string RangeId, byte[] Start, IndexGroup Group)> ranges, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        _ranges = [.. ranges.OrderBy(r => r.Start, ByteOrder.Instance)];
        if (_ranges.Length == 0 || _ranges[0].Start.Length != 0)
        {
            throw new ArgumentException("The first range must start at the empty coordinate.", nameof(ranges));
        }

        for (var i = 0; i < _ranges.Length; i++)
        {
            if (i > 0 && _ranges[i].Start.AsSpan().SequenceEqual(_ranges[i - 1].Start))
            {
                throw new ArgumentException("Two ranges start at the same coordinate.", nameof(ranges));
            }

            if (_ranges[i].Start.AsSpan().Count((byte)0) > 1)
            {
                throw new ArgumentException("A range boundary holds at most one 0x00 byte (bucket 00 key).", nameof(ranges));
            }
        }

        if (_ranges.Select(r => r.RangeId).Distinct(StringComparer.Ordinal).Count() != _ranges.Length)
        {
            throw new ArgumentException("Two ranges have the same id.", nameof(ranges));
        }

        Groups = [.. _ranges.Select(r => r.Group).DistinctBy(g => g.Name, StringComparer.Ordinal)];
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
        Refresh();
        _refreshes = 0;
    }

    /// <inheritdoc/>
    public IReadOnlyList<IndexGroup> Groups { get; }

    /// <summary>How many times <see cref="Refresh"/> ran since construction.</summary>
    public int Refreshes => Volatile.Read(ref _refreshes);

    /// <inheritdoc/>
    public RangeRoute Route(ReadOnlySpan<byte> coordinate)
    {
        var routes = Volatile.Read(ref _routes);
        var found = routes[0];
        foreach (var route in routes)
        {
            if (coordinate.SequenceCompareTo(route.Start) < 0)
            {
                break;
            }

            found = route;
        }

        return found;
    }

    /// <inheritdoc/>
    public IReadOnlyList<RangeRoute> Routes(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var overlapping = new List<RangeRoute>();
        foreach (var route in Volatile.Read(ref _routes))
        {
            if (route.Start.AsSpan().SequenceCompareTo(to) < 0 && (route.End is null || route.End.AsSpan().SequenceCompareTo(from) > 0))
            {
                overlapping.Add(route);
            }
        }

        return overlapping;
    }

    /// <inheritdoc/>
    /// <exception cref="Tessera.Storage.StorageUnavailableException">A group's etcd did not answer.</exception>
    public void Refresh()
    {
        lock (_lock)
        {
            var generations = Groups.ToDictionary(g => g.Name, g => GroupFence.Read(g, _timeout) ?? GroupFence.Initialize(g, _timeout), StringComparer.Ordinal);
            Publish(generations);
            Interlocked.Increment(ref _refreshes);
        }
    }

    /// <summary>Freezes (a move in progress: writes wait) or thaws a range; the routes read from now on say so.</summary>
    /// <exception cref="ArgumentException">No range has that id.</exception>
    public void SetFrozen(string rangeId, bool frozen)
    {
        lock (_lock)
        {
            if (!_ranges.Any(r => r.RangeId == rangeId))
            {
                throw new ArgumentException($"No range {rangeId}.", nameof(rangeId));
            }

            if (frozen)
            {
                _frozen.Add(rangeId);
            }
            else
            {
                _frozen.Remove(rangeId);
            }

            Publish(Volatile.Read(ref _routes).DistinctBy(r => r.Group.Name, StringComparer.Ordinal).ToDictionary(r => r.Group.Name, r => r.Generation, StringComparer.Ordinal));
        }
    }

    private void Publish(Dictionary<string, long> generations)
    {
        var routes = new RangeRoute[_ranges.Length];
        for (var i = 0; i < routes.Length; i++)
        {
            var (id, start, group) = _ranges[i];
            var end = i + 1 < routes.Length ? _ranges[i + 1].Start : null;
            routes[i] = new RangeRoute(id, start, end, group, generations[group.Name], _frozen.Contains(id));
        }

        Volatile.Write(ref _routes, routes);
    }
}
