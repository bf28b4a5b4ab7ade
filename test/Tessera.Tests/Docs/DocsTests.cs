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
    public void ConfigurationReferenceIsTheOneTheSettingsMake()
    {
        var doc = File.ReadAllText(RepositoryFile("docs", "reference", "configuration.md"));
        const string Start = "<!-- Generated from src/Tessera.Server/Settings.cs by `tessera config-reference`; DocsTests keeps the two equal. -->\n";
        const string End = "<!-- End of the generated keys. -->";
        var from = doc.IndexOf(Start, StringComparison.Ordinal) + Start.Length;
        var generated = doc[from..doc.IndexOf(End, StringComparison.Ordinal)];
        Assert.Equal(Tessera.Server.Settings.Reference(), generated);
    }

    [Fact]
    public void EveryServerOptionIsASetting()
    {
        // A property of ServerOptions that no setting sets would be a setting declared in a second place.
        var options = typeof(Tessera.Server.ServerOptions).GetProperties().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var set = new HashSet<string>(StringComparer.Ordinal);
        var before = Snapshot(new Tessera.Server.ServerOptions());
        foreach (var setting in Tessera.Server.Settings.All)
        {
            // The first of these values the setting takes (a number, a switch, a name, a class, a disk, a tier).
            foreach (var sample in new[] { "4097", "3", "false", "true", "sample-value", "STANDARD_IA=8+4", "COLD=http://k:s@127.0.0.1:1/b" })
            {
                var o = new Tessera.Server.ServerOptions();
                try
                {
                    setting.Apply(o, [sample]);
                }
                catch (ArgumentException)
                {
                    continue;
                }

                var changed = Snapshot(o).Where(p => before[p.Key] != p.Value).Select(p => p.Key).ToList();
                if (changed.Count > 0)
                {
                    set.UnionWith(changed);
                    break;
                }
            }
        }

        Assert.Empty(options.Except(set));
    }

    private static Dictionary<string, string> Snapshot(Tessera.Server.ServerOptions options) =>
        typeof(Tessera.Server.ServerOptions).GetProperties().ToDictionary(
            p => p.Name,
            p => System.Text.Json.JsonSerializer.Serialize(p.GetValue(options)),
            StringComparer.Ordinal);
}
