using RocksDbSharp;

namespace Tessera.Tests;

/// <summary>Edits a closed index database directly, to build states an older build (or a bug) would leave.</summary>
public static class RawIndex
{
    /// <summary>Deletes every key that starts with <paramref name="prefix"/>; returns how many.</summary>
    public static int DeleteWithPrefix(string path, byte[] prefix)
    {
        using var db = RocksDb.Open(new DbOptions(), path);
        var keys = new List<byte[]>();
        using (var iterator = db.NewIterator())
        {
            for (iterator.Seek(prefix); iterator.Valid() && iterator.GetKeySpan().StartsWith(prefix); iterator.Next())
            {
                keys.Add(iterator.GetKeySpan().ToArray());
            }
        }

        using var batch = new WriteBatch();
        foreach (var key in keys)
        {
            batch.Delete(key);
        }

        db.Write(batch, new WriteOptions().SetSync(true));
        return keys.Count;
    }

    /// <summary>The value of one key, or null.</summary>
    public static byte[]? Get(string path, byte[] key)
    {
        using var db = RocksDb.Open(new DbOptions(), path);
        return db.Get(key);
    }

    /// <summary>Sets one key.</summary>
    public static void Put(string path, byte[] key, byte[] value)
    {
        using var db = RocksDb.Open(new DbOptions(), path);
        db.Put(key, value, null, new WriteOptions().SetSync(true));
    }
}
