using Tessera.Index;

namespace Tessera.Store.Recovery;

/// <summary>What <c>tessera admin recover-index</c> did.</summary>
public sealed record IndexRecoveryReport
{
    /// <summary>The snapshot restored, or null when none was readable (the index was rebuilt from the disks alone).</summary>
    public string? SnapshotPath { get; init; }

    /// <summary>What the restored snapshot holds, or null.</summary>
    public IndexSnapshotInfo? Snapshot { get; init; }

    /// <summary>Snapshot files that were found but failed their checks.</summary>
    public int SnapshotsRejected { get; init; }

    /// <summary>Object versions (delete markers included) the restored snapshot held.</summary>
    public long ObjectsFromSnapshot { get; init; }

    /// <summary>Object versions re-derived from fragment trailers and completion records.</summary>
    public long ObjectsRederived { get; init; }

    /// <summary>Upload parts re-derived into uploads the snapshot holds.</summary>
    public long PartsRederived { get; init; }

    /// <summary>Buckets created because only fragments named them.</summary>
    public int BucketsCreated { get; init; }

    /// <summary>
    /// Segments found on the disks but not restored: no readable trailer, fewer than k fragments, parts of uploads the
    /// snapshot does not hold, versions older than the key's current one in an unversioned bucket.
    /// </summary>
    public long SegmentsSkipped { get; init; }

    /// <summary>Fragment files read.</summary>
    public long FragmentsScanned { get; init; }
}
