using System.Globalization;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Store.Recovery;

/// <summary>
/// Index snapshots on the data disks: <c>&lt;disk&gt;/index-snapshots/snapshot-&lt;utc yyyyMMddTHHmmssZ&gt;-&lt;sequence&gt;.tsnap</c>,
/// the two newest kept per disk (docs/design/index-recovery.md).
/// </summary>
public static class IndexSnapshots
{
    /// <summary>The directory of a disk that holds its snapshots.</summary>
    public const string DirectoryName = "index-snapshots";

    /// <summary>Snapshots kept per disk.</summary>
    public const int Keep = 2;

    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>A snapshot file found on a disk.</summary>
    /// <param name="Path">The file.</param>
    /// <param name="Created">The time in its name.</param>
    /// <param name="Sequence">The RocksDB sequence number in its name.</param>
    public sealed record Found(string Path, DateTimeOffset Created, ulong Sequence);

    /// <summary>
    /// Writes one snapshot of <paramref name="index"/> to every disk directory: streamed once to a temp file on the
    /// first disk that takes it, then copied to the others; on each disk temp name, fsync, rename, directory fsync,
    /// then all but the <see cref="Keep"/> newest snapshots deleted. A disk that fails is skipped.
    /// </summary>
    /// <returns>What the snapshot holds and the paths written.</returns>
    /// <exception cref="IOException">No disk could take the snapshot.</exception>
    public static (IndexSnapshotInfo Info, IReadOnlyList<string> Paths) Write(IIndexStore index, IReadOnlyList<string> diskRoots)
    {
        ArgumentNullException.ThrowIfNull(index);
        IndexSnapshotInfo? info = null;
        string? source = null;
        var paths = new List<string>();
        IOException? last = null;
        foreach (var root in diskRoots)
        {
            var directory = Path.Join(root, DirectoryName);
            var temp = Path.Join(directory, $".snapshot-{Guid.NewGuid():N}.tmp");
            try
            {
                if (!Directory.Exists(directory))
                {
                    Directory.CreateDirectory(directory);
                    DirectorySync.Fsync(root);
                }

                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    if (source is null)
                    {
                        info = index.WriteSnapshot(file);
                    }
                    else
                    {
                        using var copy = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                        copy.CopyTo(file);
                    }

                    file.Flush(flushToDisk: true);
                }

                var final = Path.Join(directory, FileName(info!));
                File.Move(temp, final, overwrite: true);
                DirectorySync.Fsync(directory);
                source ??= final;
                paths.Add(final);
                Prune(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                last = e as IOException ?? new IOException(e.Message, e);
                TryDelete(temp);
            }
        }

        return info is null ? throw new IOException("No disk could take the index snapshot.", last) : (info, paths);
    }

    /// <summary>The file name of a snapshot.</summary>
    public static string FileName(IndexSnapshotInfo info) =>
        $"snapshot-{info.Created.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}-{info.Sequence.ToString(CultureInfo.InvariantCulture)}{IndexSnapshot.FileExtension}";

    /// <summary>Every snapshot file on the disks, newest first (by the time, then the sequence, in the name).</summary>
    public static IReadOnlyList<Found> List(IEnumerable<string> diskRoots)
    {
        var found = new List<Found>();
        foreach (var root in diskRoots)
        {
            var directory = Path.Join(root, DirectoryName);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            try
            {
                foreach (var path in Directory.EnumerateFiles(directory, "snapshot-*" + IndexSnapshot.FileExtension))
                {
                    if (TryParse(path) is { } snapshot)
                    {
                        found.Add(snapshot);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A failing disk holds no usable snapshot.
            }
        }

        return found.OrderByDescending(f => f.Created).ThenByDescending(f => f.Sequence).ToList();
    }

    private static Found? TryParse(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var parts = name.Split('-');
        return parts.Length == 3
            && DateTimeOffset.TryParseExact(parts[1], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created)
            && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? new Found(path, created, sequence)
            : null;
    }

    private static void Prune(string directory)
    {
        foreach (var old in List([Path.GetDirectoryName(directory)!]).Skip(Keep))
        {
            TryDelete(old.Path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next pass.
        }
    }
}
