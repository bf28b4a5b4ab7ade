namespace Tessera.Cluster.Index.Sharding;

/// <summary>What a range move did.</summary>
/// <param name="RangeId">The range moved.</param>
/// <param name="From">The source group.</param>
/// <param name="To">The target group.</param>
/// <param name="PreCopied">Records copied before the fence, while writes went on.</param>
/// <param name="DeltaCopied">Records copied or deleted after the fence (what changed during the pre-copy).</param>
/// <param name="Frozen">How long writes to the range waited: from the freeze to the flip.</param>
/// <param name="Removed">Records deleted from the source after the grace period.</param>
public sealed record MoveReport(string RangeId, string From, string To, int PreCopied, int DeltaCopied, TimeSpan Frozen, int Removed);
