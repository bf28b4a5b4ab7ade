using RocksDbSharp;

namespace Tessera.Index;

/// <content>Index snapshots: a consistent copy of every key streamed out while serving, and the restore of one.</content>
public sealed partial class RocksDbIndexStore
{
    private const int RestoreBatchEntries = 1024;

    /// <inheritdoc/>
    /// <remarks>
    /// Iterates one RocksDB snapshot (writes go on meanwhile and are not in it), so the copy is exactly the index
    /// as of one instant. Memory is one iterator and a 64 KiB buffer whatever the index holds.
    /// </remarks>
    public IndexSnapshotInfo WriteSnapshot(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ThrowIfDisposed();
        var created = _time.GetUtcNow();
        using var snapshot = _db.CreateSnapshot();
        var sequence = _db.GetLatestSequenceNumber();
        var readOptions = new ReadOptions().SetSnapshot(snapshot).SetFillCache(false);
        var writer = new IndexSnapshot.Writer(destination, created, sequence);
        using (var iterator = _db.NewIterator(null, readOptions))
        {
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                writer.Add(iterator.GetKeySpan(), iterator.GetValueSpan());
            }
        }

        var entries = writer.Finish();
        GC.KeepAlive(readOptions);
        return new IndexSnapshotInfo(created, sequence, entries);
    }

    /// <summary>
    /// Whether the database holds any object version or open upload. With its bucket records in another catalog (a
    /// cluster's etcd) an index in use may have no bucket record of its own: this is what says it is not a blank one.
    /// </summary>
    public bool HoldsObjects()
    {
        ThrowIfDisposed();
        return AnyWithPrefix(IndexKeys.VersionSpace) || AnyWithPrefix(IndexKeys.UploadSpace);
    }

    /// <summary>
    /// Builds a new index in <paramref name="directory"/> (which must not hold one) from a snapshot: verifies the
    /// whole snapshot first, then copies its entries in unsynced batches and ends with a synced write. On any
    /// failure the files it created in the directory are deleted again (other files there are left alone).
    /// </summary>
    /// <param name="open">Opens the snapshot file; called twice (verify, then copy).</param>
    /// <param name="directory">The new index directory: absent or without a database.</param>
    /// <param name="time">Clock of the store while restoring.</param>
    /// <exception cref="InvalidDataException">The snapshot is corrupt.</exception>
    /// <exception cref="IOException">The directory already holds a database.</exception>
    public static IndexSnapshotInfo RestoreSnapshot(Func<Stream> open, string directory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (File.Exists(Path.Join(directory, "CURRENT")))
        {
            throw new IOException($"{directory} already holds an index.");
        }

        var existing = Directory.Exists(directory) ? Directory.GetFiles(directory).ToHashSet(StringComparer.Ordinal) : [];
        IndexSnapshotInfo verified;
        using (var stream = open())
        {
            verified = IndexSnapshot.Verify(stream);
        }

        try
        {
            using var store = new RocksDbIndexStore(directory, time);
            var batch = new WriteBatch();
            try
            {
                IndexSnapshotInfo copied;
                using (var stream = open())
                {
                    copied = IndexSnapshot.Read(stream, (key, value) =>
                    {
                        batch.Put(key.Span, value.Span);
                        if (batch.Count() >= RestoreBatchEntries)
                        {
                            store._db.Write(batch);
                            batch.Dispose();
                            batch = new WriteBatch();
                        }
                    });
                }

                if (copied != verified)
                {
                    throw new InvalidDataException("The snapshot changed while it was restored.");
                }

                store._db.Write(batch, store._syncWrite);
            }
            finally
            {
                batch.Dispose();
            }

            return verified;
        }
        catch
        {
            foreach (var file in Directory.GetFiles(directory).Where(f => !existing.Contains(f)))
            {
                File.Delete(file);
            }

            throw;
        }
    }
}
