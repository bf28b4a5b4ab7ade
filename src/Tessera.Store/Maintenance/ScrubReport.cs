namespace Tessera.Store.Maintenance;

/// <summary>What one scrub pass found.</summary>
public sealed record ScrubReport
{
    /// <summary>How many damaged fragments <see cref="Damaged"/> lists at most.</summary>
    public const int MaxDamagedListed = 1000;

    /// <summary>When the pass started.</summary>
    public DateTimeOffset Started { get; init; }

    /// <summary>How long the pass took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Referenced segments walked (empty ones included; they have no fragments).</summary>
    public long Segments { get; init; }

    /// <summary>Fragments expected by the manifests (k + m per non-empty segment) and checked, missing ones included.</summary>
    public long FragmentsChecked { get; init; }

    /// <summary>Bytes of blocks read whose checksum matched.</summary>
    public long BytesVerified { get; init; }

    /// <summary>Expected fragments that are not there (see <see cref="FragmentDamage.Missing"/>).</summary>
    public long MissingFragments { get; init; }

    /// <summary>Fragments whose header disagrees with the manifest or with at least one corrupt block.</summary>
    public long CorruptFragments { get; init; }

    /// <summary>Blocks whose checksum failed or that could not be read.</summary>
    public long CorruptBlocks { get; init; }

    /// <summary>Fragment files whose segment nothing references (counted, not deleted: the garbage collector does).</summary>
    public long OrphanFragments { get; init; }

    /// <summary>Disks whose directory is missing or unreadable; all their expected fragments count as missing.</summary>
    public int FailedDisks { get; init; }

    /// <summary>The ids of the failed disks.</summary>
    public IReadOnlyList<string> FailedDiskIds { get; init; } = [];

    /// <summary>The first <see cref="MaxDamagedListed"/> damaged fragments, in the order found.</summary>
    public IReadOnlyList<DamagedFragment> Damaged { get; init; } = [];

    /// <summary>True when nothing is missing or corrupt and no disk failed (orphans are not damage).</summary>
    public bool Clean => MissingFragments == 0 && CorruptFragments == 0 && FailedDisks == 0;
}
