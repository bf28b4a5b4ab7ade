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
        var disks = new Argument<string[]>("dirs")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "The same directories as `tessera server`: a data directory, or the disk directories. Env TESSERA_DISKS.",
        };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (as for `server`). Env TESSERA_CONFIG." };
        var metaDir = new Option<string?>("--meta-dir") { Description = "Directory of the index to rebuild. Env TESSERA_META_DIR." };
        var ec = new Option<string?>("--ec") { Description = "Erasure code k+m, as for `server` (default 4+2). Env TESSERA_EC." };
        var force = new Option<bool>("--force") { Description = "Replace an index that still holds buckets (it is moved aside, not deleted)." };
        var command = new Command("recover-index", "Rebuild the index from the snapshots and fragments on the data disks (the server must be stopped).")
        {
            disks, config, metaDir, ec, force,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                var flags = new ConfigLoader.Flags(
                    parse.GetValue(disks) ?? [], parse.GetValue(config), null, parse.GetValue(metaDir), null, null, null, parse.GetValue(ec), null, null, null, false);
                var options = ConfigLoader.Load(flags, ConfigLoader.ProcessEnvironment());
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
