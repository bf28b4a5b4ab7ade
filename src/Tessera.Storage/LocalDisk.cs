namespace Tessera.Storage;

/// <summary>
/// A disk that is a local directory. Layout:
/// <code>
/// &lt;root&gt;/fragments/&lt;xx&gt;/&lt;segment hex&gt;.&lt;index&gt;   committed fragments; xx = first two hex digits of the segment
/// &lt;root&gt;/tmp/&lt;fragment&gt;.&lt;random&gt;.tmp           fragments being written, never read
/// &lt;root&gt;/records/&lt;xx&gt;/&lt;segment hex&gt;.complete   multipart completion records (index recovery)
/// </code>
/// File names come only from <see cref="FragmentId"/>: bucket and key text never reaches a path.
/// </summary>
/// <remarks>
/// One <see cref="LocalDisk"/> owns its directory: opening it empties <c>tmp/</c>, whose files are leftovers of
/// writes that a crash interrupted (they were never visible), so two instances must not share a root.
/// A commit is durable once <see cref="IFragmentWriter.CommitAsync(ReadOnlyMemory{byte}, CancellationToken)"/> returns: the file is fsynced, renamed and its
/// directory fsynced (and the <c>fragments/</c> directory too when the <c>xx</c> subdirectory is new). Deletes are
/// not fsynced: a fragment that reappears after a crash is an orphan that garbage collection removes again.
/// </remarks>
public sealed class LocalDisk : IDisk
{
    private const string FragmentsDirectory = "fragments";
    private const string TempDirectory = "tmp";
    private const string RecordsDirectory = "records";
    private const string RecordSuffix = ".complete";

    /// <summary>The identity file: the disk id, one line. A directory without it is a blank (replaced) disk.</summary>
    private const string IdentityFile = "tessera-disk.id";

    private const string ProbeFile = "probe";

    private readonly string _identityPath;

    private readonly string _fragmentsPath;
    private readonly string _tempPath;
    private readonly string _recordsPath;

    /// <summary>Which of the 256 <c>fragments/xx</c> subdirectories are known to exist durably.</summary>
    private readonly bool[] _subdirectoryReady = new bool[256];

    /// <summary>Opens (creating it if missing) the disk rooted at <paramref name="path"/> and deletes temp leftovers.</summary>
    /// <param name="id">Stable disk id recorded in manifests.</param>
    /// <param name="path">The disk directory.</param>
    /// <param name="labels">Failure-domain labels.</param>
    /// <param name="weight">Placement weight (relative capacity), positive and finite.</param>
    public LocalDisk(string id, string path, DiskLabels labels, double weight = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(labels);
        if (!double.IsFinite(weight) || weight <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "A disk weight must be positive and finite.");
        }

        Id = id;
        Root = Path.GetFullPath(path);
        Labels = labels;
        Weight = weight;
        _fragmentsPath = Path.Join(Root, FragmentsDirectory);
        _tempPath = Path.Join(Root, TempDirectory);
        _recordsPath = Path.Join(Root, RecordsDirectory);

        _identityPath = Path.Join(Root, IdentityFile);
        var fresh = !File.Exists(_identityPath);
        var hadFragments = Directory.Exists(_fragmentsPath) && Directory.EnumerateFileSystemEntries(_fragmentsPath).Any();
        if (!fresh && ReadIdentity() is { } owner && !string.Equals(owner, id, StringComparison.Ordinal))
        {
            throw new IOException($"The directory {Root} belongs to disk '{owner}', not '{id}'.");
        }

        Directory.CreateDirectory(_fragmentsPath);
        Directory.CreateDirectory(_tempPath);
        foreach (var leftover in Directory.EnumerateFiles(_tempPath))
        {
            File.Delete(leftover);
        }

        if (fresh)
        {
            WriteIdentity();
        }

        // A directory without identity and without fragments is new: a first start, or a replaced disk.
        FormattedAtOpen = fresh && !hadFragments;
    }

    /// <summary>
    /// True when opening found no identity and no fragments and formatted the directory: a new store, or a disk
    /// replaced while the store was down (its fragments must be rebuilt).
    /// </summary>
    public bool FormattedAtOpen { get; }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>The absolute path of the disk directory.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public DiskLabels Labels { get; }

    /// <inheritdoc />
    public double Weight { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The header is invalid or one of its strings is over 65,535 UTF-8 bytes.</exception>
    public async ValueTask<IFragmentWriter> CreateFragmentAsync(FragmentHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        var tempPath = Path.Join(_tempPath, $"{header.Id}.{Random.Shared.NextInt64():x16}.tmp");
        return await FragmentWriter.CreateAsync(this, header, tempPath, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IFragmentReader? OpenFragment(FragmentId id) => FragmentReader.TryOpen(FragmentPath(id), id);

    /// <inheritdoc />
    public DateTimeOffset? LastWriteTime(FragmentId id)
    {
        var info = new FileInfo(FragmentPath(id));
        return info.Exists ? info.LastWriteTimeUtc : null;
    }

    /// <inheritdoc />
    public bool DeleteFragment(FragmentId id)
    {
        var path = FragmentPath(id);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Lazy; files whose name is not a canonical fragment id in its right subdirectory are skipped.</remarks>
    public IEnumerable<FragmentId> ListFragments()
    {
        foreach (var directory in Directory.EnumerateDirectories(_fragmentsPath))
        {
            var prefix = Path.GetFileName(directory);
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                var name = Path.GetFileName(file.AsSpan());
                if (FragmentFormat.TryParseFileName(name, out var id) && name[..2].SequenceEqual(prefix))
                {
                    yield return id;
                }
            }
        }
    }

    /// <inheritdoc />
    public DiskProbe Probe()
    {
        try
        {
            if (!Directory.Exists(Root))
            {
                return DiskProbe.Missing;
            }

            if (ReadIdentity() is not { } owner)
            {
                return Directory.EnumerateFileSystemEntries(Root).Any() && Directory.Exists(_fragmentsPath)
                    && Directory.EnumerateFileSystemEntries(_fragmentsPath).Any() ? DiskProbe.Failed : DiskProbe.Blank;
            }

            if (!string.Equals(owner, Id, StringComparison.Ordinal))
            {
                return DiskProbe.Foreign;
            }

            if (!Directory.Exists(_fragmentsPath) || !Directory.Exists(_tempPath))
            {
                return DiskProbe.Failed;
            }

            var probe = Path.Join(_tempPath, ProbeFile);
            using (var stream = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                stream.WriteByte(1);
                stream.Flush(flushToDisk: true);
            }

            File.Delete(probe);
            return DiskProbe.Healthy;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DiskProbe.Failed;
        }
    }

    /// <inheritdoc />
    public void Format()
    {
        Directory.CreateDirectory(_fragmentsPath);
        Directory.CreateDirectory(_tempPath);
        Array.Clear(_subdirectoryReady);
        WriteIdentity();
    }

    /// <summary>The disk id the identity file names; null when there is none.</summary>
    private string? ReadIdentity()
    {
        try
        {
            return File.ReadAllText(_identityPath).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Writes the identity file durably: temp file, fsync, rename, directory fsync.</summary>
    private void WriteIdentity()
    {
        var temp = Path.Join(_tempPath, IdentityFile);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(Id + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _identityPath, overwrite: true);
        DirectorySync.Fsync(Root);
    }

    /// <inheritdoc />
    /// <remarks>On disk: the content, then the 16-byte trailer footer of the fragment format (length, XxHash32, magic).</remarks>
    public async ValueTask WriteRecordAsync(Guid id, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (content.Length > FragmentFormat.MaxTrailerLength)
        {
            throw new ArgumentException($"A record holds at most {FragmentFormat.MaxTrailerLength} bytes.", nameof(content));
        }

        var footer = new byte[FragmentFormat.TrailerFooterLength];
        FragmentFormat.WriteTrailerFooter(content.Span, footer);
        var name = id.ToString("N") + RecordSuffix;
        var temp = Path.Join(_tempPath, $"{name}.{Random.Shared.NextInt64():x16}.tmp");
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
            {
                await RandomAccess.WriteAsync(handle, [content, footer], 0, cancellationToken).ConfigureAwait(false);
                RandomAccess.FlushToDisk(handle);
            }

            var directory = Path.Join(_recordsPath, name.AsSpan(0, 2));
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
                DirectorySync.Fsync(_recordsPath);
                DirectorySync.Fsync(Root);
            }

            File.Move(temp, Path.Join(directory, name), overwrite: true);
            DirectorySync.Fsync(directory);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <inheritdoc />
    public byte[]? ReadRecord(Guid id)
    {
        try
        {
            var bytes = File.ReadAllBytes(RecordPath(id));
            if (!FragmentFormat.TryReadTrailerFooter(bytes.AsSpan(bytes.Length - Math.Min(bytes.Length, FragmentFormat.TrailerFooterLength)), 0, bytes.Length, out var length, out var checksum)
                || System.IO.Hashing.XxHash32.HashToUInt32(bytes.AsSpan(0, length)) != checksum)
            {
                return null;
            }

            return bytes[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public DateTimeOffset? RecordWriteTime(Guid id)
    {
        var info = new FileInfo(RecordPath(id));
        return info.Exists ? info.LastWriteTimeUtc : null;
    }

    /// <inheritdoc />
    public bool DeleteRecord(Guid id)
    {
        var path = RecordPath(id);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Lazy; names that are not <c>&lt;32 hex&gt;.complete</c> in their right subdirectory are skipped.</remarks>
    public IEnumerable<Guid> ListRecords()
    {
        if (!Directory.Exists(_recordsPath))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories(_recordsPath))
        {
            var prefix = Path.GetFileName(directory);
            foreach (var file in Directory.EnumerateFiles(directory, "*" + RecordSuffix))
            {
                var name = Path.GetFileName(file);
                if (name.Length == 32 + RecordSuffix.Length && Guid.TryParseExact(name.AsSpan(0, 32), "N", out var id)
                    && name.StartsWith(prefix, StringComparison.Ordinal) && string.Equals(id.ToString("N"), name[..32], StringComparison.Ordinal))
                {
                    yield return id;
                }
            }
        }
    }

    private string RecordPath(Guid id)
    {
        var name = id.ToString("N");
        return Path.Join(_recordsPath, name.AsSpan(0, 2), name + RecordSuffix);
    }

    /// <summary>The path a committed fragment has (whether or not it exists).</summary>
    internal string FragmentPath(FragmentId id)
    {
        var name = id.ToString();
        return Path.Join(_fragmentsPath, name.AsSpan(0, 2), name);
    }

    /// <summary>
    /// Returns the <c>fragments/xx</c> directory of <paramref name="id"/>, creating it and fsyncing
    /// <c>fragments/</c> the first time this instance needs it (idempotent, so concurrent first uses are harmless).
    /// </summary>
    internal string EnsureFragmentDirectory(FragmentId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.Segment.TryWriteBytes(bytes, bigEndian: true, out _);
        var name = id.ToString();
        var directory = Path.Join(_fragmentsPath, name.AsSpan(0, 2));
        if (!Volatile.Read(ref _subdirectoryReady[bytes[0]]))
        {
            // Never recreate a vanished disk directory: writing into the mount point beneath would lose the data.
            if (!Directory.Exists(_fragmentsPath))
            {
                throw new DirectoryNotFoundException($"Disk '{Id}' has no fragments directory at {Root}.");
            }

            Directory.CreateDirectory(directory);
            DirectorySync.Fsync(_fragmentsPath);
            Volatile.Write(ref _subdirectoryReady[bytes[0]], true);
        }

        return directory;
    }
}
