using Tessera.Storage;

namespace Tessera.Tests.Storage;

/// <summary>The libc directory fsync: works on directories and, thanks to O_DIRECTORY, refuses anything else.</summary>
public sealed class DirectorySyncTests
{
    [Fact]
    public void SyncsADirectoryAndRejectsFilesAndMissingPaths()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Directory fsync is a no-op here.");
        using var root = new TempDirectory();
        DirectorySync.Fsync(root.Path);

        var file = Path.Join(root.Path, "file");
        File.WriteAllText(file, "x");
        var notADirectory = Assert.Throws<IOException>(() => DirectorySync.Fsync(file));
        Assert.Contains("open(", notADirectory.Message);
        Assert.Throws<IOException>(() => DirectorySync.Fsync(Path.Join(root.Path, "missing")));
    }
}
