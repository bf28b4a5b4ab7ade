namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// What a range move must know of the index's layout in a group: which keyspaces are keyed by object coordinate
/// (their records move with the range) and how to tell the owner of a group-level segment reference.
/// </summary>
public interface IShardLayout
{
    /// <summary>
    /// The tags (the bytes after the group's key prefix) of the keyspaces whose keys are the tag, then an object
    /// coordinate (bucket 00 key), then optionally 00 and a suffix: the records of a range <c>[start, end)</c> in such a
    /// keyspace are exactly the keys in <c>[prefix tag start, prefix tag end)</c>.
    /// </summary>
    IReadOnlyList<byte[]> ObjectSpaces { get; }

    /// <summary>The tag of the group-level segment-reference keyspace.</summary>
    byte[] ReferenceSpace { get; }

    /// <summary>The coordinate of the object a segment-reference record belongs to.</summary>
    byte[] ReferenceOwner(ReadOnlySpan<byte> value);

    /// <summary>
    /// The prefixes (after the group's key prefix) of group-level records an object-scoped record needs, such as the
    /// chunks of a large manifest: a move copies every key under them with the record, and deletes them with it.
    /// </summary>
    /// <param name="key">The record's key after the group's key prefix.</param>
    /// <param name="value">The record's value.</param>
    IEnumerable<byte[]> Dependents(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
}
