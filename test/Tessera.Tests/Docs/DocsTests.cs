using Tessera.S3.Gateway;

namespace Tessera.Tests.Docs;

/// <summary>Keeps the documentation honest: the S3 compatibility table lists exactly what the router serves.</summary>
public sealed class DocsTests
{
    private static string RepositoryFile(params string[] parts)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Tessera.slnx")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd('/'));
        }

        return Path.Combine([dir ?? throw new DirectoryNotFoundException("repository root"), .. parts]);
    }

    [Fact]
    public void CompatibilityTableMarksExactlyTheRoutedOperationsAsSupported()
    {
        var rows = File.ReadAllLines(RepositoryFile("docs", "reference", "s3-compatibility.md"))
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length > 3 && cells[2] == "supported")
            .SelectMany(cells => cells[1].Split(',', StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
        var routed = Enum.GetNames<S3Operation>().ToHashSet(StringComparer.Ordinal);
        Assert.Empty(routed.Except(rows));
        Assert.Empty(rows.Where(r => !r.StartsWith("SigV4", StringComparison.Ordinal) && !r.StartsWith("STREAMING", StringComparison.Ordinal) && r != "UNSIGNED-PAYLOAD").Except(routed));
    }

    [Fact]
    public void EveryOperationHasItsHandler()
    {
        foreach (var operation in Enum.GetValues<S3Operation>())
        {
            Assert.True(S3Routing.Handlers.ContainsKey(operation), $"{operation} has no handler");
        }
    }

    [Fact]
    public void ConfigurationReferenceNamesEverySetting()
    {
        var doc = File.ReadAllText(RepositoryFile("docs", "reference", "configuration.md"));
        foreach (var property in typeof(Tessera.Server.ServerOptions).GetProperties())
        {
            var key = property.Name switch
            {
                "Disks" => "disks",
                "ErasureCode" => "`ec`",
                "GarbageGraceSeconds" => "gcGraceSeconds",
                "RootUser" => "rootUser",
                "RootPassword" => "rootPassword",
                _ => char.ToLowerInvariant(property.Name[0]) + property.Name[1..],
            };
            Assert.Contains(key, doc, StringComparison.Ordinal);
        }
    }
}
