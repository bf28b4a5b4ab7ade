using System.Buffers.Binary;
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

    /// <summary>
    /// The first key a marker-paginated listing (versions, uploads) seeks to, or null when nothing can follow. It is
    /// the scan prefix, or, when the marker is later, the smallest record after it: with a sequence
    /// <c>marker 00 encodedSequence 00</c> (right after that record); without one, <c>marker 00</c> when the marker
    /// key's own records must still be listed (<paramref name="includeMarkerKey"/>), else <c>marker 01</c> (after
    /// every record of the marker key, since keys contain no 00); and when the marker lies in a common prefix, that
    /// prefix's successor, since the prefix's entry is not after the marker.
    /// </summary>
    private static byte[]? MarkerStartKey(byte[] scan, int headLength, byte[] prefix, byte[]? delimiter, byte[]? marker, ulong? encodedSequence, bool includeMarkerKey)
    {
        if (marker is null)
        {
            return scan;
        }

        var candidate = new byte[headLength + marker.Length + 1 + IndexKeys.SequenceSuffixLength + 1];
        scan.AsSpan(0, headLength).CopyTo(candidate);
        marker.CopyTo(candidate, headLength);
        int length;
        var inFolder = delimiter is null || !marker.AsSpan().StartsWith(prefix) ? -1 : marker.AsSpan(prefix.Length).IndexOf(delimiter);
        if (inFolder >= 0)
        {
            length = IndexKeys.Successor(candidate.AsSpan(0, headLength + prefix.Length + inFolder + delimiter!.Length));
            if (length < 0)
            {
                return null;
            }
        }
        else if (encodedSequence is { } sequence)
        {
            candidate[headLength + marker.Length] = IndexKeys.Separator;
            BinaryPrimitives.WriteUInt64BigEndian(candidate.AsSpan(headLength + marker.Length + 1), sequence);
            candidate[^1] = IndexKeys.Separator;
            length = candidate.Length;
        }
        else
        {
            candidate[headLength + marker.Length] = includeMarkerKey ? IndexKeys.Separator : (byte)(IndexKeys.Separator + 1);
            length = headLength + marker.Length + 1;
        }

        return candidate.AsSpan(0, length).SequenceCompareTo(scan) <= 0 ? scan : candidate[..length];
    }
}
