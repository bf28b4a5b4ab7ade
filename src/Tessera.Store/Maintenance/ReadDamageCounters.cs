namespace Tessera.Store.Maintenance;

/// <summary>
/// What reads have met since start: reads that found missing or corrupt blocks and served the object by
/// reconstruction, and how many blocks they rebuilt. The admin status shows them next to the repair queue they fed.
/// Thread-safe.
/// </summary>
public sealed class ReadDamageCounters
{
    private long _reads;
    private long _blocks;

    /// <summary>Reads that reconstructed at least one block.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Blocks those reads reconstructed.</summary>
    public long Blocks => Interlocked.Read(ref _blocks);

    /// <summary>Counts one read of a segment that reconstructed <paramref name="blocks"/> blocks.</summary>
    public void Record(int blocks)
    {
        Interlocked.Increment(ref _reads);
        Interlocked.Add(ref _blocks, blocks);
    }
}
