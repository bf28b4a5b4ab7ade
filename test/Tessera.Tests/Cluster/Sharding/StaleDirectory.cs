using Tessera.Cluster.Index.Sharding;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>A directory whose refresh learns nothing: its routes keep the generations they were read with.</summary>
internal sealed class StaleDirectory(FixedRangeDirectory inner) : IRangeDirectory
{
    private readonly IReadOnlyList<RangeRoute> _routes = inner.Routes([], IndexCoordinates.Last);

    public int Refreshes { get; private set; }

    public IReadOnlyList<IndexGroup> Groups => inner.Groups;

    public RangeRoute Route(ReadOnlySpan<byte> coordinate)
    {
        var found = _routes[0];
        foreach (var route in _routes)
        {
            if (IndexCoordinates.InRange(route, coordinate))
            {
                found = route;
            }
        }

        return found;
    }

    public IReadOnlyList<RangeRoute> Routes(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to) => _routes;

    public void Refresh() => Refreshes++;
}
