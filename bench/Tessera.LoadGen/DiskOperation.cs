namespace Tessera.LoadGen;

/// <summary>
/// The PUT baseline, "what the disks take with fsync": file <c>obj-{i}</c> of the object size written under a
/// temporary name in directory <c>i mod n</c>, flushed to disk (fsync), then renamed into place. One random buffer
/// per worker. The directory itself is not fsynced (Tessera additionally fsyncs fragment directories and its WAL).
/// </summary>
public sealed class DiskOperation : ILoadOperation
{
    private readonly IReadOnlyList<string> _directories;
    private readonly byte[][] _buffers;

    public DiskOperation(LoadOptions options)
    {
        _directories = options.Directories;
        foreach (var directory in _directories)
        {
            Directory.CreateDirectory(directory);
        }

        var random = new Random(12345);
        _buffers = new byte[options.Concurrency][];
        for (var w = 0; w < _buffers.Length; w++)
        {
            _buffers[w] = GC.AllocateUninitializedArray<byte>(options.Size, pinned: true);
            random.NextBytes(_buffers[w]);
        }
    }

    public ValueTask<OpOutcome> RunAsync(int worker, long index, CancellationToken cancellationToken)
    {
        // Synchronous on purpose: the runner raises the thread pool's minimum so each worker has a thread to block.
        var directory = _directories[(int)(index % _directories.Count)];
        var name = "obj-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var temporary = Path.Join(directory, "." + name + ".tmp");
        var buffer = _buffers[worker];
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None, buffer.Length))
        {
            RandomAccess.Write(handle, buffer, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temporary, Path.Join(directory, name), overwrite: true);
        return ValueTask.FromResult(new OpOutcome(buffer.Length));
    }

    public void Dispose()
    {
    }
}
