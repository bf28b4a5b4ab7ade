namespace Tessera.Storage;

/// <summary>
/// One disk of the data plane: a directory holding fragment files. The same interface will front a remote disk
/// over the node RPC in a cluster.
/// </summary>
public interface IDisk
{
    /// <summary>Stable id of the disk (e.g. <c>disk3</c>), recorded in manifests.</summary>
    string Id { get; }

    /// <summary>Failure-domain labels.</summary>
    DiskLabels Labels { get; }

    /// <summary>Placement weight (relative capacity); 1 by default.</summary>
    double Weight { get; }

    /// <summary>Starts a new fragment under a temporary name.</summary>
    ValueTask<IFragmentWriter> CreateFragmentAsync(FragmentHeader header, CancellationToken cancellationToken);

    /// <summary>Opens a committed fragment; null when it does not exist or its header is unreadable.</summary>
    IFragmentReader? OpenFragment(FragmentId id);

    /// <summary>When a committed fragment was last written (its commit), or null when it does not exist.</summary>
    DateTimeOffset? LastWriteTime(FragmentId id);

    /// <summary>Deletes a committed fragment; false when it was not there.</summary>
    bool DeleteFragment(FragmentId id);

    /// <summary>Every committed fragment on the disk (for scrub and garbage collection).</summary>
    IEnumerable<FragmentId> ListFragments();

    /// <summary>
    /// Checks the disk without throwing: is its directory there, does it carry this disk's identity, can it take a
    /// small synced write. Cheap enough to run every few seconds.
    /// </summary>
    DiskProbe Probe();

    /// <summary>
    /// Prepares a <see cref="DiskProbe.Blank"/> disk (a replacement) for use: creates its directories and writes its
    /// identity, durably. Throws <see cref="IOException"/> when the directory cannot be written.
    /// </summary>
    void Format();

    /// <summary>
    /// Durably writes (or replaces) the small completion record named by <paramref name="id"/> (a multipart object's
    /// first segment): temp file, fsync, rename, directory fsync. The bytes are opaque here and checksummed on disk.
    /// </summary>
    ValueTask WriteRecordAsync(Guid id, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The content of a completion record, or null when it is absent, truncated or corrupt.</summary>
    byte[]? ReadRecord(Guid id);

    /// <summary>When a completion record was written, or null when it does not exist.</summary>
    DateTimeOffset? RecordWriteTime(Guid id);

    /// <summary>Deletes a completion record; false when it was not there.</summary>
    bool DeleteRecord(Guid id);

    /// <summary>Every completion record on the disk.</summary>
    IEnumerable<Guid> ListRecords();
}
