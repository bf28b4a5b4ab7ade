namespace Tessera.Index;

/// <summary>What an index snapshot says about itself.</summary>
/// <param name="Created">When the snapshot was taken (the index's clock), UTC.</param>
/// <param name="Sequence">The RocksDB sequence number the snapshot includes (every write up to it).</param>
/// <param name="Entries">Key/value pairs in the snapshot.</param>
public sealed record IndexSnapshotInfo(DateTimeOffset Created, ulong Sequence, long Entries);
