using System.CommandLine;
using Tessera.Store.Recovery;

namespace Tessera.Server;

/// <summary>
/// <c>tessera admin recover-index DIRS... [--meta-dir M] [--ec k+m] [--force]</c>: rebuilds a lost index offline from
/// the newest readable snapshot on the data disks and the fragments and completion records written since
/// (<see cref="IndexRecovery"/>, docs/design/index-recovery.md).
/// </summary>
public static class RecoverIndexCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Replace an index that still holds buckets (it is moved aside, not deleted)." };
        var command = new Command("recover-index", "Rebuild the index from the snapshots and fragments on the data disks (the server must be stopped).") { force };

        // The store's own settings, as `tessera server` reads them: where the disks and the index are, and the code.
        var settings = new SettingFlags(command, [Settings.Disks, Settings.MetaDir, Settings.Ec, Settings.Region]);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var options = settings.Load(parse);
                var report = Run(options, parse.GetValue(force), TimeProvider.System, output);
                Print(output, report);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or InvalidOperationException or Tessera.Storage.PlacementException or System.Text.Json.JsonException)
            {
                parse.InvocationConfiguration.Error.WriteLine("tessera: " + e.Message);
                return 2;
            }
            catch (RocksDbSharp.RocksDbException e)
            {
                // Typically the index's LOCK: a server still runs on this metadata directory.
                parse.InvocationConfiguration.Error.WriteLine($"tessera: the index cannot be opened ({e.Message}); stop the server first.");
                return 2;
            }
        });
        return command;
    }

    /// <summary>
    /// Rebuilds the index of the store <paramref name="options"/> describe (as <c>tessera server</c> resolves them):
    /// its meta directory, disks, region, and the root user as the owner of buckets no fragment names.
    /// </summary>
    public static IndexRecoveryReport Run(ServerOptions options, bool force, TimeProvider time, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var layout = StoreLayout.Resolve(options);
        return IndexRecovery.Run(layout.MetaDir, layout.Disks.Select(d => (d.Path, d.Weight)).ToList(), options.Region, RootAccessKey(options, layout.MetaDir), force, time, log);
    }

    private static string RootAccessKey(ServerOptions options, string metaDir)
    {
        try
        {
            return Credentials.Load(options, metaDir).Root.AccessKey;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            return "";
        }
    }

    /// <summary>Prints the summary.</summary>
    public static void Print(TextWriter output, IndexRecoveryReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        output.WriteLine(report.Snapshot is { } s
            ? $"Snapshot:                 {report.SnapshotPath} (taken {s.Created:yyyy-MM-ddTHH:mm:ssZ}, sequence {s.Sequence}, {s.Entries} entries)"
            : "Snapshot:                 none readable; rebuilt from the fragments alone");
        if (report.SnapshotsRejected > 0)
        {
            output.WriteLine($"Snapshots rejected:       {report.SnapshotsRejected}");
        }

        output.WriteLine($"Objects from snapshot:    {report.ObjectsFromSnapshot}");
        output.WriteLine($"Objects from fragments:   {report.ObjectsRederived}");
        output.WriteLine($"Parts from fragments:     {report.PartsRederived}");
        output.WriteLine($"Buckets created:          {report.BucketsCreated}");
        output.WriteLine($"Segments skipped:         {report.SegmentsSkipped}");
        output.WriteLine($"Fragments scanned:        {report.FragmentsScanned}");
    }
}
