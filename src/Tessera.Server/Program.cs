using System.CommandLine;
using Tessera.Durability;

namespace Tessera.Server;

/// <summary>The <c>tessera</c> executable: roles as subcommands, MinIO and Garage style.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Tessera: an S3-compatible, erasure-coded object store.");
        root.Subcommands.Add(ServerCommand());
        root.Subcommands.Add(DurabilityCommand());
        root.Subcommands.Add(AdminCommand.Create());
        var reference = new Command("config-reference", "Print the configuration reference (the Keys section of docs/reference/configuration.md).") { Hidden = true };
        reference.SetAction(parse => parse.InvocationConfiguration.Output.Write(Settings.Reference()));
        root.Subcommands.Add(reference);
        return root.Parse(args).InvokeAsync();
    }

    private static Command ServerCommand()
    {
        var command = new Command("server", "Run a store with every role in this process.");
        var settings = new SettingFlags(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            TesseraServer server;
            try
            {
                var options = settings.Load(parse);
                server = await TesseraServer.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!options.Quiet)
                {
                    PrintBanner(server);
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or Tessera.Storage.PlacementException or System.Text.Json.JsonException)
            {
                await Console.Error.WriteLineAsync("tessera: " + e.Message).ConfigureAwait(false);
                return 2;
            }

            await using (server.ConfigureAwait(false))
            {
                await server.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The <c>durability</c> subcommand: the Markov model and the simulator for a code and topology.</summary>
    internal static Command DurabilityCommand()
    {
        var ec = new Option<string>("--ec") { Description = "Erasure code k+m.", DefaultValueFactory = _ => "4+2" };
        var disks = new Option<int?>("--disks") { Description = "Disks in the cluster (default k+m)." };
        var racks = new Option<int>("--racks") { Description = "Racks (failure domains) the disks are spread over.", DefaultValueFactory = _ => 1 };
        var perRack = new Option<int?>("--per-rack") { Description = "At most this many fragments of a stripe per rack (default ceil((k+m)/racks))." };
        var afr = new Option<double>("--afr") { Description = "Annual failure rate of a disk.", DefaultValueFactory = _ => 0.02 };
        var diskSize = new Option<string>("--disk-size") { Description = "Disk capacity: 20TB, 18TiB, 960GB.", DefaultValueFactory = _ => "20TB" };
        var fill = new Option<double>("--fill") { Description = "Fraction of each disk in use.", DefaultValueFactory = _ => 0.7 };
        var bandwidth = new Option<string>("--repair-bandwidth") { Description = "Rebuild bandwidth for one failed disk: 100MB/s.", DefaultValueFactory = _ => "100MB/s" };
        var detect = new Option<string>("--detect") { Description = "Time until a failure is noticed and repair starts: 1h, 30m, 2d.", DefaultValueFactory = _ => "1h" };
        var mttr = new Option<string?>("--mttr") { Description = "A fixed repair time, overriding --detect and the rebuild time: 6h, 6.5d." };
        var stripes = new Option<double?>("--stripes") { Description = "Stripes stored (default: enough to fill the disks)." };
        var objects = new Option<double?>("--objects") { Description = "Objects stored (with --object-size, instead of --stripes)." };
        var objectSize = new Option<string>("--object-size") { Description = "Size of one object.", DefaultValueFactory = _ => "1MiB" };
        var shardSize = new Option<string>("--shard-size") { Description = "Bytes per shard of a stripe.", DefaultValueFactory = _ => "256KiB" };
        var years = new Option<long>("--years") { Description = "Years to simulate.", DefaultValueFactory = _ => 1_000_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation.", DefaultValueFactory = _ => 1 };
        var rackAfr = new Option<double>("--rack-afr") { Description = "Whole-rack failures per rack per year." };
        var rackRepair = new Option<string>("--rack-repair") { Description = "How long a failed rack stays down.", DefaultValueFactory = _ => "24h" };
        var batchDisks = new Option<int>("--batch-disks") { Description = "Disks in a bad batch (chosen at random)." };
        var batchMultiplier = new Option<double>("--batch-multiplier") { Description = "AFR multiplier of the bad batch.", DefaultValueFactory = _ => 1 };
        var power = new Option<double>("--power-events") { Description = "Power events per year (each takes out part of one rack)." };
        var powerFraction = new Option<double>("--power-fraction") { Description = "Fraction of a rack's disks a power event takes out.", DefaultValueFactory = _ => 0.5 };
        var powerOutage = new Option<string>("--power-outage") { Description = "How long a power event lasts.", DefaultValueFactory = _ => "1h" };
        var noSim = new Option<bool>("--no-sim") { Description = "Skip the Monte Carlo simulation." };
        var store = new Option<string?>("--store") { Description = "Take the code, topology, measured repair rate and detection delay from a running store (URL; keys as for tessera admin)." };
        var storeClass = new Option<string>("--storage-class") { Description = "With --store: the storage class whose policy to model.", DefaultValueFactory = _ => "STANDARD" };
        var accessKey = new Option<string?>("--access-key") { Description = "With --store: root access key (or AWS_ACCESS_KEY_ID, or --meta-dir)." };
        var secretKey = new Option<string?>("--secret-key") { Description = "With --store: root secret key (or AWS_SECRET_ACCESS_KEY)." };
        var metaDir = new Option<string?>("--meta-dir") { Description = "With --store: read the generated root keys here (default ./data/meta)." };
        var command = new Command("durability", "Compute the durability of a code and topology: Markov model and Monte Carlo simulation.")
        {
            ec, disks, racks, perRack, afr, diskSize, fill, bandwidth, detect, mttr, stripes, objects, objectSize, shardSize,
            years, seed, rackAfr, rackRepair, batchDisks, batchMultiplier, power, powerFraction, powerOutage, noSim,
            store, storeClass, accessKey, secretKey, metaDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var (k, m) = Units.ParseCode(parse.GetValue(ec)!);
                var rackCount = parse.GetValue(racks);
                var diskCount = parse.GetValue(disks);
                var perRackLimit = parse.GetValue(perRack);
                var repairRate = Units.ParseBandwidth(parse.GetValue(bandwidth)!);
                var detection = Units.ParseDuration(parse.GetValue(detect)!);
                var shard = Units.ParseSize(parse.GetValue(shardSize)!);
                if (parse.GetValue(store) is { } url)
                {
                    using var http = new HttpClient();
                    var client = AdminCommand.Connect(http, url, parse.GetValue(accessKey), parse.GetValue(secretKey), parse.GetValue(metaDir), null);
                    var measured = await StoreMeasurements.ReadAsync(client, parse.GetValue(storeClass)!, cancellationToken).ConfigureAwait(false);
                    (k, m, shard, diskCount, rackCount, perRackLimit) = (measured.K, measured.M, measured.ShardSize, measured.Disks, measured.Racks, measured.PerRack);
                    if (parse.GetResult(bandwidth) is null or { Implicit: true })
                    {
                        repairRate = measured.RepairBytesPerSecond > 0
                            ? measured.RepairBytesPerSecond
                            : throw new ArgumentException("The store has not repaired anything since it started, so it has no measured repair rate: run bench/run-repair.sh against it, or give --repair-bandwidth.");
                    }

                    if (parse.GetResult(detect) is null or { Implicit: true })
                    {
                        detection = measured.Detection;
                    }

                    await parse.InvocationConfiguration.Output.WriteLineAsync(measured.Describe(url)).ConfigureAwait(false);
                }

                var objectCount = parse.GetValue(objects);
                var stripeCount = parse.GetValue(stripes)
                    ?? (objectCount is { } n ? n * Math.Max(1, Math.Ceiling(Units.ParseSize(parse.GetValue(objectSize)!) / (k * shard))) : null);
                var mttrText = parse.GetValue(mttr);
                var inputs = new DurabilityInputs
                {
                    DataShards = k,
                    ParityShards = m,
                    Disks = diskCount ?? (k + m),
                    Racks = rackCount,
                    MaxPerRack = perRackLimit ?? ((k + m + rackCount - 1) / Math.Max(1, rackCount)),
                    Afr = parse.GetValue(afr),
                    DiskCapacityBytes = Units.ParseSize(parse.GetValue(diskSize)!),
                    FillRatio = parse.GetValue(fill),
                    RepairBandwidthBytesPerSecond = repairRate,
                    DetectionDelay = detection,
                    RepairTime = mttrText is null ? null : Units.ParseDuration(mttrText),
                    Stripes = stripeCount,
                    ShardSizeBytes = shard,
                    RackFailuresPerYear = parse.GetValue(rackAfr),
                    RackRepairTime = Units.ParseDuration(parse.GetValue(rackRepair)!),
                    BatchDisks = parse.GetValue(batchDisks),
                    BatchMultiplier = parse.GetValue(batchMultiplier),
                    PowerEventsPerYear = parse.GetValue(power),
                    PowerEventFraction = parse.GetValue(powerFraction),
                    PowerOutage = Units.ParseDuration(parse.GetValue(powerOutage)!),
                };
                inputs.Validate();
                DurabilityReport.Write(parse.InvocationConfiguration.Output, inputs, parse.GetValue(years), parse.GetValue(seed), !parse.GetValue(noSim));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or HttpRequestException or InvalidDataException or System.Text.Json.JsonException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("tessera: " + e.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    private static void PrintBanner(TesseraServer server)
    {
        var layout = server.Layout;
        var p = layout.Policy;
        Console.WriteLine($"""
            Tessera is serving S3.
              Endpoint:   {server.Endpoint.ToString().TrimEnd('/')}
              Region:     {server.Services.Options.Region}
              AccessKey:  {server.Root.AccessKey}
              SecretKey:  {server.Root.SecretKey}{(server.GeneratedCredentials ? "   (generated; kept in the metadata directory)" : "")}
              Erasure:    RS({p.DataShards},{p.ParityShards}), {p.ShardSize / 1024} KiB shards, spread over '{p.DomainLevel}' domains{string.Concat(layout.ClassPolicies.Select(c => $"; {c.Key}: RS({c.Value.DataShards},{c.Value.ParityShards})"))}
              Small:      {(p.CopiedSegmentLimit() is var limit and >= 0 ? $"objects up to {limit:N0} bytes as {p.ParityShards + 1} copies (take no more space)" : "coded like the rest")}
              Disks:      {string.Join(", ", layout.Disks.Select(d => d.Path))}
              Metadata:   {layout.MetaDir}{Tiers(server)}

            Try:  AWS_ACCESS_KEY_ID={server.Root.AccessKey} AWS_SECRET_ACCESS_KEY='{server.Root.SecretKey}' aws --endpoint-url {server.Endpoint.ToString().TrimEnd('/')} s3 ls
            """);
    }

    /// <summary>A line per remote tier (its URL without the secret, and the classes placed in it), or nothing.</summary>
    private static string Tiers(TesseraServer server) =>
        string.Concat(server.Store.Tiers.All.OfType<Tiering.S3RemoteTier>().OrderBy(t => t.Name, StringComparer.Ordinal).Select(t =>
            $"\n  Tier:       {t.Options} holds {string.Join(", ", server.Layout.TierClasses.Where(c => c.Value == t.Name).Select(c => c.Key).Order(StringComparer.Ordinal).DefaultIfEmpty("no class"))}"));
}
