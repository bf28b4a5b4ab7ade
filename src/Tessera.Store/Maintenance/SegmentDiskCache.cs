using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Answers "does the index place this fragment on this disk?" for disk walks (orphan sweeps, scrub): a fragment file
/// is live only when its segment is referenced and the manifest names this disk for its shard index. A fragment left
/// behind on the old disk when repair moved it is therefore an orphan too. Caches the disk lists of recently seen
/// segments (bounded) so the shards of one segment cost one index lookup.
/// </summary>
internal sealed class SegmentDiskCache(IIndexStore index)
{
    private const int Capacity = 65_536;
    private readonly Dictionary<Guid, IReadOnlyList<string>?> _disks = [];

    /// <summary>True when the index records fragment <paramref name="id"/> on disk <paramref name="diskId"/>.</summary>
    public bool Owns(FragmentId id, string diskId)
    {
        if (!_disks.TryGetValue(id.Segment, out var disks))
        {
            if (_disks.Count >= Capacity)
            {
                _disks.Clear();
            }

            disks = index.GetSegment(id.Segment)?.Disks;
            _disks[id.Segment] = disks;
        }

        return disks is not null && id.Index < disks.Count && string.Equals(disks[id.Index], diskId, StringComparison.Ordinal);
    }
}
