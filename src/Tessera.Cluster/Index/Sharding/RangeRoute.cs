namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Where a key range lives: [<paramref name="Start"/>, <paramref name="End"/>) over object coordinates (UTF-8 bucket,
/// 0x00, UTF-8 key; <paramref name="End"/> null = +infinity), its group, the group's fence generation when this route
/// was read, and whether writes must wait (a move in progress).
/// </summary>
/// <param name="RangeId">The range's id in the directory.</param>
/// <param name="Start">The first coordinate of the range (inclusive).</param>
/// <param name="End">The first coordinate after the range (exclusive); null for +infinity.</param>
/// <param name="Group">The group that holds the range.</param>
/// <param name="Generation">The group's fence generation when the route was read: every request on the group compares it.</param>
/// <param name="Frozen">Writes to the range wait (a move in progress); reads proceed.</param>
/// <remarks>
/// A boundary never falls inside one object's records: the records of an object are keyed by its coordinate followed by
/// 0x00 and a suffix, so a boundary is a coordinate or a prefix of one (it holds at most one 0x00 byte), never a
/// coordinate followed by 0x00. Then every record of an object lies in the range of its coordinate.
/// </remarks>
public sealed record RangeRoute(string RangeId, byte[] Start, byte[]? End, IndexGroup Group, long Generation, bool Frozen);
