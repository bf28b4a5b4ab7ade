using System.CommandLine;

namespace Tessera.Server;

/// <summary>The <c>tessera</c> executable: roles as subcommands, MinIO and Garage style.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Tessera: an S3-compatible, erasure-coded object store.");
        root.Subcommands.Add(ServerCommand());
        return root.Parse(args).InvokeAsync();
    }

    private static Command ServerCommand()
    {
        var disks = new Argument<string[]>("dirs")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "A data directory (holds disk1..disk6 and meta), or the disk directories: /mnt/disk{1...6}. Env TESSERA_DISKS.",
        };
        var config = new Option<string?>("--config") { Description = "JSON configuration file. Env TESSERA_CONFIG." };
        var address = new Option<string?>("--address") { Description = "HOST:PORT to listen on (default 127.0.0.1:9000). Env TESSERA_ADDRESS." };
        var metaDir = new Option<string?>("--meta-dir") { Description = "Directory of the index. Env TESSERA_META_DIR." };
        var region = new Option<string?>("--region") { Description = "Region to answer for (default us-east-1). Env TESSERA_REGION." };
        var domain = new Option<string[]?>("--domain") { Description = "Domain for virtual-hosted-style buckets (repeatable; default localhost). Env TESSERA_DOMAINS." };
        var usersFile = new Option<string?>("--users-file") { Description = "JSON list of users {accessKey, secretKey, canonicalId, displayName}. Env TESSERA_USERS_FILE." };
        var ec = new Option<string?>("--ec") { Description = "Erasure code k+m (default 4+2). Env TESSERA_EC." };
        var shardSize = new Option<int?>("--shard-size") { Description = "Bytes per shard of a stripe (default 262144). Env TESSERA_SHARD_SIZE." };
        var domainLevel = new Option<string?>("--domain-level") { Description = "Failure-domain level fragments spread over: disk, node, rack, zone. Env TESSERA_DOMAIN_LEVEL." };
        var gcGrace = new Option<int?>("--gc-grace") { Description = "Seconds before fragments of replaced versions are deleted (default 300). Env TESSERA_GC_GRACE." };
        var quiet = new Option<bool>("--quiet") { Description = "No banner; log warnings only. Env TESSERA_QUIET." };
        var storageClass = new Option<string[]?>("--storage-class") { Description = "Erasure code of a storage class, CLASS=k+m (repeatable), e.g. REDUCED_REDUNDANCY=4+1. Env TESSERA_STORAGE_CLASSES." };
        var minPartSize = new Option<long?>("--min-part-size") { Description = "Smallest multipart part but the last, bytes (default 5242880, as S3). Env TESSERA_MIN_PART_SIZE." };
        var command = new Command("server", "Run a store with every role in this process.")
        {
            disks, config, address, metaDir, region, domain, usersFile, ec, shardSize, domainLevel, gcGrace, quiet, minPartSize, storageClass,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var flags = new ConfigLoader.Flags(
                parse.GetValue(disks) ?? [],
                parse.GetValue(config),
                parse.GetValue(address),
                parse.GetValue(metaDir),
                parse.GetValue(region),
                parse.GetValue(domain),
                parse.GetValue(usersFile),
                parse.GetValue(ec),
                parse.GetValue(shardSize),
                parse.GetValue(domainLevel),
                parse.GetValue(gcGrace),
                parse.GetValue(quiet),
                parse.GetValue(minPartSize),
                parse.GetValue(storageClass));
            TesseraServer server;
            try
            {
                var options = ConfigLoader.Load(flags, ConfigLoader.ProcessEnvironment());
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
              Disks:      {string.Join(", ", layout.Disks.Select(d => d.Path))}
              Metadata:   {layout.MetaDir}

            Try:  AWS_ACCESS_KEY_ID={server.Root.AccessKey} AWS_SECRET_ACCESS_KEY='{server.Root.SecretKey}' aws --endpoint-url {server.Endpoint.ToString().TrimEnd('/')} s3 ls
            """);
    }
}
