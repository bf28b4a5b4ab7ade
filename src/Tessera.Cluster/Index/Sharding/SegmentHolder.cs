using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>What holds a segment, found by resolving its reference in one group: a version or an open upload's part.</summary>
/// <param name="Reference">The reference that led there.</param>
/// <param name="Version">The version listing the segment, or null for a part.</param>
/// <param name="Part">The part holding the segment (with its record), or null for a version.</param>
/// <param name="Segment">The segment as recorded.</param>
internal sealed record SegmentHolder(SegmentReference Reference, StoredVersion? Version, KeyValue? Part, SegmentManifest Segment);
