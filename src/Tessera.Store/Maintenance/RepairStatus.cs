namespace Tessera.Store.Maintenance;

/// <summary>A snapshot of the repair machinery for the admin API.</summary>
public sealed record RepairStatus
{
    /// <summary>Segments waiting, by remaining redundancy (ascending).</summary>
    public required IReadOnlyList<KeyValuePair<int, int>> Queued { get; init; }

    /// <summary>Segments waiting in total.</summary>
    public int QueuedSegments => Queued.Sum(q => q.Value);

    /// <summary>Segments being repaired now.</summary>
    public int InProgress { get; init; }

    /// <summary>Segments repaired (fully or partly) since start.</summary>
    public long SegmentsRepaired { get; init; }

    /// <summary>Fragments rebuilt since start.</summary>
    public long FragmentsRebuilt { get; init; }

    /// <summary>Bytes of fragment data rebuilt (written) since start.</summary>
    public long BytesRebuilt { get; init; }

    /// <summary>Segments short of a fragment because no disk kept the placement rule at their last repair.</summary>
    public long Blocked { get; init; }

    /// <summary>Segments whose last repair found fewer than k readable fragments (waiting for a source to come back).</summary>
    public long Unrecoverable { get; init; }

    /// <summary>
    /// Wall-clock time with at least one repair in progress since start (the denominator of
    /// <see cref="MeasuredBytesPerSecond"/>; overlapping workers count once).
    /// </summary>
    public TimeSpan BusyTime { get; init; }

    /// <summary>Rebuild throughput while repairing: bytes rebuilt per second of repair work; 0 before any repair.</summary>
    public double MeasuredBytesPerSecond => BusyTime > TimeSpan.Zero ? BytesRebuilt / BusyTime.TotalSeconds : 0;

    /// <summary>Bytes rebuilt per second over the last few seconds.</summary>
    public double RecentBytesPerSecond { get; init; }

    /// <summary>The configured limit, bytes per second (0 = unlimited).</summary>
    public long BandwidthLimit { get; init; }

    /// <summary>Segments done in the current round (since the queue was last empty).</summary>
    public long RoundDone { get; init; }

    /// <summary>Segments queued in the current round.</summary>
    public long RoundTotal { get; init; }

    /// <summary>Estimated time until the queue is empty, from the mean time per segment; null when unknown.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }
}
