namespace Tessera.Cluster.Control;

/// <summary>A watch asked for revisions etcd has already compacted away: the watcher must reload with a Range.</summary>
internal sealed class WatchCompactedException(long compactRevision)
    : Exception($"The watch's start revision is compacted (compact revision {compactRevision}).")
{
    /// <summary>The oldest revision etcd still has.</summary>
    public long CompactRevision { get; } = compactRevision;
}
