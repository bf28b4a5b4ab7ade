using RocksDbSharp;

namespace Tessera.Index;

/// <content>The garbage queue: segments no manifest references any more, keyed by the time they were queued.</content>
public sealed partial class RocksDbIndexStore
{
    /// <inheritdoc/>
    public IReadOnlyList<GarbageEntry> PeekGarbage(DateTimeOffset olderThan, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ThrowIfDisposed();
        var entries = new List<GarbageEntry>();
        if (max == 0)
        {
            return entries;
        }

        var limit = olderThan.UtcTicks;
        using var iterator = _db.NewIterator();
        for (iterator.Seek(IndexKeys.GarbageSpace); iterator.Valid() && entries.Count < max; iterator.Next())
        {
            var key = iterator.GetKeySpan();
            if (!key.StartsWith(IndexKeys.GarbageSpace) || IndexKeys.TicksOfGarbageKey(key) >= limit)
            {
                break;
            }

            entries.Add(ManifestSerializer.ReadGarbageEntry(iterator.GetValueSpan()));
        }

        return entries;
    }

    /// <inheritdoc/>
    /// <remarks>Idempotent: removing an entry that is already gone does nothing. One synced batch.</remarks>
    public void RemoveGarbage(IEnumerable<GarbageEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ThrowIfDisposed();
        Span<byte> key = stackalloc byte[IndexKeys.GarbageKeyLength];
        using var batch = new WriteBatch();
        foreach (var entry in entries)
        {
            IndexKeys.Garbage(key, entry.Queued.UtcTicks, entry.Sequence);
            batch.Delete(key);
        }

        if (batch.Count() > 0)
        {
            _db.Write(batch, _syncWrite);
        }
    }
}
