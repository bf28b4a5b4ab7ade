namespace Tessera.Cluster.Index.Sharding;

/// <summary>A split the <see cref="RangeSplitter"/> made, and the move after it, if any.</summary>
/// <param name="RangeId">The range split.</param>
/// <param name="At">The coordinate the right half starts at.</param>
/// <param name="Reason">"size" or "load".</param>
/// <param name="Keys">The measure that crossed its limit (keys, or keys written in the interval).</param>
/// <param name="Move">The move of the right half, or null.</param>
public sealed record SplitDecision(string RangeId, byte[] At, string Reason, long Keys, MoveReport? Move);
