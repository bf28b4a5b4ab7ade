namespace Tessera.Cluster.Index.Sharding;

/// <summary>What a range move did.</summary>
/// <param name="RangeId">The range moved.</param>
/// <param name="From">The source group.</param>
/// <param name="To">The target group.</param>
/// <param name="PreCopied">Records copied before the fence, while writes went on (every round).</param>
/// <param name="DeltaCopied">Records copied or deleted after the fence (what changed during the last pre-copy round).</param>
/// <param name="Frozen">How long writes to the range waited: from the freeze to the flip.</param>
/// <param name="Removed">Records deleted from the source after the grace period.</param>
public sealed record MoveReport(string RangeId, string From, string To, int PreCopied, int DeltaCopied, TimeSpan Frozen, int Removed)
{
    /// <summary>How long the pre-copy took (all its rounds), before the freeze.</summary>
    public TimeSpan PreCopyTime { get; init; }

    /// <summary>Pre-copy rounds: the full copy, then copies of what changed meanwhile until that was small.</summary>
    public int PreCopyRounds { get; init; }

    /// <summary>Where the frozen time went, step by step (directory freeze, fence, delta, flip).</summary>
    public IReadOnlyList<(string Phase, TimeSpan Took)> FrozenPhases { get; init; } = [];

    /// <summary>
    /// Chunk sets copied to the target whose record changed before the flip so that none names them: deleted from the
    /// target (in the source, the garbage batch of the change holds them).
    /// </summary>
    public int DependentsDropped { get; init; }
}
