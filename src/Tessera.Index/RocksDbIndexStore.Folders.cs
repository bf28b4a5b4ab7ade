using RocksDbSharp;

namespace Tessera.Index;

/// <content>Delimiter roll-up shared by the listings: skipping a whole "folder" with one seek.</content>
public sealed partial class RocksDbIndexStore
{
    /// <summary>
    /// Seeks <paramref name="iterator"/> past every record whose key starts with the first
    /// <paramref name="headLength"/> + <paramref name="commonLength"/> bytes of <paramref name="key"/> (a common
    /// prefix just emitted). The key is copied first: the span dies on Seek. Returns false when no key can follow.
    /// </summary>
    private static bool SeekPastFolder(Iterator iterator, ReadOnlySpan<byte> key, int headLength, int commonLength)
    {
        var folder = key[..(headLength + commonLength)].ToArray();
        var folderEnd = IndexKeys.Successor(folder);
        if (folderEnd < 0)
        {
            return false;
        }

        iterator.Seek(folder.AsSpan(0, folderEnd));
        return true;
    }
}
