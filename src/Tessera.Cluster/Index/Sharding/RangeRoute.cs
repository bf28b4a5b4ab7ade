namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Where a key range lives: <c>[Start, End)</c> over object coordinates (UTF-8 bucket, 0x00, UTF-8 key; <c>End</c>
/// null = +infinity), its group, the group's fence generation when this route was read, and whether writes must wait
/// (a move in progress).
/// </summary>
/// <param name="RangeId">The range's id in the directory.</param>
/// <param name="Start">The first coordinate of the range (inclusive).</param>
/// <param name="End">The first coordinate after the range, or null for the last range.</param>
/// <param name="Group">The group that holds the range's records.</param>
/// <param name="Generation">The group's fence generation: every read and write of the group compares it.</param>
/// <param name="Frozen">A move is copying the range: reads go on, writes wait.</param>
public sealed record RangeRoute(string RangeId, byte[] Start, byte[]? End, IndexGroup Group, long Generation, bool Frozen);
