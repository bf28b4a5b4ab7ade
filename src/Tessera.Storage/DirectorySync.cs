using System.Runtime.InteropServices;

namespace Tessera.Storage;

/// <summary>
/// fsync of a directory, which makes a rename or a new entry in it durable. .NET has no managed API for this (it
/// refuses to open a directory as a file), so on Linux and macOS it calls libc <c>open</c>/<c>fsync</c>/<c>close</c>.
/// On Windows it does nothing: NTFS journals metadata and a directory cannot be flushed that way.
/// </summary>
public static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int EIntr = 4;
    private const int EInval = 22;

    /// <summary><c>O_DIRECTORY | O_CLOEXEC</c> for this OS and architecture (the values differ between them).</summary>
    private static readonly int OpenFlags = GetOpenFlags();

    /// <summary>Flushes the directory entry table of <paramref name="path"/> to stable storage.</summary>
    /// <exception cref="IOException">open or fsync failed.</exception>
    public static void Fsync(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        int fd;
        do
        {
            fd = Open(path, ORdOnly | OpenFlags);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);

        if (fd < 0)
        {
            ThrowIOException("open", path);
        }

        try
        {
            int result;
            do
            {
                result = FsyncCore(fd);
            }
            while (result < 0 && Marshal.GetLastPInvokeError() == EIntr);

            // EINVAL: the file system does not support syncing directories; there is nothing more to do.
            if (result < 0 && Marshal.GetLastPInvokeError() != EInval)
            {
                ThrowIOException("fsync", path);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static int GetOpenFlags()
    {
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            return OperatingSystem.IsMacOS() ? 0x100000 | 0x1000000 : 0x20000 | 0x100000;
        }

        // Linux: O_CLOEXEC is 02000000 everywhere; O_DIRECTORY is 040000 on ARM and PowerPC, 0200000 elsewhere.
        var directory = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.Arm64 or Architecture.Arm or Architecture.Ppc64le => 0x4000,
            _ => 0x10000,
        };
        return directory | 0x80000;
    }

    private static void ThrowIOException(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        throw new IOException($"{call}('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncCore(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
