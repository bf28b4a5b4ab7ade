using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Tessera.Server;

/// <summary>
/// <c>tessera admin</c>: talks to a running store's admin API. Endpoint from <c>--endpoint</c> or
/// <c>TESSERA_ENDPOINT</c> (default <c>http://127.0.0.1:9000</c>); root keys from <c>--access-key</c> and
/// <c>--secret-key</c>, <c>AWS_ACCESS_KEY_ID</c> and <c>AWS_SECRET_ACCESS_KEY</c>, <c>TESSERA_ROOT_USER</c> and
/// <c>TESSERA_ROOT_PASSWORD</c>, or the generated keys in the metadata directory (<c>--meta-dir</c>, default
/// <c>./data/meta</c>, the README's quick start).
/// </summary>
internal static class AdminCommand
{
    private static readonly Option<string?> Endpoint = new("--endpoint") { Description = "The store's URL (default http://127.0.0.1:9000). Env TESSERA_ENDPOINT." };
    private static readonly Option<string?> AccessKey = new("--access-key") { Description = "Root access key. Env AWS_ACCESS_KEY_ID or TESSERA_ROOT_USER." };
    private static readonly Option<string?> SecretKey = new("--secret-key") { Description = "Root secret key. Env AWS_SECRET_ACCESS_KEY or TESSERA_ROOT_PASSWORD." };
    private static readonly Option<string?> MetaDir = new("--meta-dir") { Description = "Read the generated root keys from this metadata directory (default ./data/meta)." };
    private static readonly Option<string?> Region = new("--region") { Description = "Region to sign for (default us-east-1). Env TESSERA_REGION." };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the API's JSON as is." };

    /// <summary>Builds the <c>admin</c> command and its subcommands.</summary>
    public static Command Create()
    {
        var admin = new Command("admin", "Administer a store: status, where an object lives, disks, nodes, repair, rebalance, the sharded index (running store); recover-index (stopped store).");
        admin.Subcommands.Add(Status());
        admin.Subcommands.Add(ObjectCommand());
        admin.Subcommands.Add(Transition());
        admin.Subcommands.Add(Disk());
        admin.Subcommands.Add(Simple("heal", "Check every fragment file and queue the missing ones for repair.", "heal"));
        admin.Subcommands.Add(Scrub());
        admin.Subcommands.Add(Node());
        admin.Subcommands.Add(Rebalance());
        admin.Subcommands.Add(LifecycleCommand());
        admin.Subcommands.Add(IndexCommand());
        admin.Subcommands.Add(RecoverIndexCommand.Create());
        return admin;
    }

    private static Command Status()
    {
        var watch = new Option<bool>("--watch") { Description = "Refresh every second with a progress bar until the repair queue is empty." };
        var command = new Command("status", "Disks, policies, the repair queue with its rate and estimated time to full redundancy, the last scrub.");
        AddCommon(command);
        command.Options.Add(watch);
        command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            while (true)
            {
                var (status, body) = await client.SendAsync(HttpMethod.Get, "status", [], ct).ConfigureAwait(false);
                using (body)
                {
                    if (status != 200 || parse.GetValue(Json))
                    {
                        return Print(output, status, body);
                    }

                    var repair = body.RootElement.GetProperty("repair");
                    var busy = repair.GetProperty("queued").GetInt32() + repair.GetProperty("inProgress").GetInt32() > 0;
                    if (!parse.GetValue(watch))
                    {
                        WriteStatus(output, body.RootElement);
                        return 0;
                    }

                    output.Write("\r" + ProgressLine(repair) + "   ");
                    if (!busy)
                    {
                        output.WriteLine();
                        WriteStatus(output, body.RootElement);
                        return 0;
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }));
        return command;
    }

    private static Command ObjectCommand()
    {
        var bucket = new Argument<string>("bucket") { Description = "The bucket." };
        var key = new Argument<string>("key") { Description = "The object key." };
        var versionId = new Option<string?>("--version-id") { Description = "A version other than the current one." };
        var command = new Command("object", "Show where every fragment of an object lives, by failure domain.") { bucket, key, versionId };
        AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var query = new List<KeyValuePair<string, string>> { new("bucket", parse.GetValue(bucket)!), new("key", parse.GetValue(key)!) };
            if (parse.GetValue(versionId) is { } v)
            {
                query.Add(new("versionId", v));
            }

            var (status, body) = await client.SendAsync(HttpMethod.Get, "object", query, ct).ConfigureAwait(false);
            using (body)
            {
                if (status != 200 || parse.GetValue(Json))
                {
                    return Print(output, status, body);
                }

                WriteObject(output, body.RootElement);
                return 0;
            }
        }));
        return command;
    }

    private static Command Transition()
    {
        var bucket = new Argument<string>("bucket") { Description = "The bucket." };
        var storageClass = new Argument<string>("storage-class") { Description = "The target storage class (e.g. STANDARD_IA)." };
        var keys = new Argument<string[]>("key") { Description = "The object keys, moved one after the other.", Arity = ArgumentArity.OneOrMore };
        var versionId = new Option<string?>("--version-id") { Description = "The version (default null: the version of an unversioned write)." };
        var command = new Command("transition", "Move object versions to another storage class now (what a lifecycle transition does): re-encode them into the class's erasure code.")
        {
            bucket, storageClass, keys, versionId,
        };
        AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            foreach (var key in parse.GetValue(keys)!)
            {
                var query = new List<KeyValuePair<string, string>>
                {
                    new("bucket", parse.GetValue(bucket)!),
                    new("key", key),
                    new("storageClass", parse.GetValue(storageClass)!),
                    new("versionId", parse.GetValue(versionId) ?? "null"),
                };
                var (status, body) = await client.SendAsync(HttpMethod.Post, "transition", query, ct).ConfigureAwait(false);
                using (body)
                {
                    if (Print(output, status, body) != 0)
                    {
                        return 1;
                    }
                }
            }

            return 0;
        }));
        return command;
    }

    private static Command Disk()
    {
        var disk = new Command("disk", "Change the topology while the store runs.");
        var path = new Argument<string>("path") { Description = "The new disk's directory." };
        var zone = new Option<string?>("--zone") { Description = "Zone label." };
        var rack = new Option<string?>("--rack") { Description = "Rack label." };
        var node = new Option<string?>("--node") { Description = "Node label (default this machine)." };
        var weight = new Option<double>("--weight") { Description = "Placement weight.", DefaultValueFactory = _ => 1 };
        var add = new Command("add", "Add a disk; new writes use it at once.") { path, zone, rack, node, weight };
        AddCommon(add);
        add.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var query = new List<KeyValuePair<string, string>>
            {
                new("path", Path.GetFullPath(parse.GetValue(path)!)),
                new("weight", parse.GetValue(weight).ToString(CultureInfo.InvariantCulture)),
            };
            foreach (var (name, option) in new[] { ("zone", zone), ("rack", rack), ("node", node) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    query.Add(new(name, value));
                }
            }

            var (status, body) = await client.SendAsync(HttpMethod.Post, "disks", query, ct).ConfigureAwait(false);
            using (body)
            {
                return Print(output, status, body);
            }
        }));
        disk.Subcommands.Add(add);
        foreach (var (name, state, help) in new[]
        {
            ("drain", "draining", "Stop writing to a disk and move its fragments to the others."),
            ("fail", "failed", "Mark a disk failed: stop reading it and rebuild its fragments elsewhere."),
            ("activate", "active", "Make a drained or failed disk active again (missing fragments are rebuilt on it)."),
        })
        {
            var id = new Argument<string>("id") { Description = "The disk id (disk3)." };
            var command = new Command(name, help) { id };
            AddCommon(command);
            command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
            {
                var (status, body) = await client.SendAsync(HttpMethod.Post, "disks/" + parse.GetValue(id), [new("state", state)], ct).ConfigureAwait(false);
                using (body)
                {
                    return Print(output, status, body);
                }
            }));
            disk.Subcommands.Add(command);
        }

        return disk;
    }

    private static Command Scrub()
    {
        var all = new Option<bool>("--all") { Description = "In a cluster: every disk of the cluster, not only the node's own." };
        var command = new Command("scrub", "Run a scrub pass now (verifies every block) and print its report. In a cluster, over the node's own disks.") { all };
        AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var (status, body) = await client.SendAsync(HttpMethod.Post, "scrub", parse.GetValue(all) ? [new("scope", "cluster")] : [], ct).ConfigureAwait(false);
            using (body)
            {
                return Print(output, status, body);
            }
        }));
        return command;
    }

    private static Command Node()
    {
        var node = new Command("node", "Cluster nodes: drain one, replace a dead one, make one active again (the coordinator acts, whichever node is asked).");
        foreach (var (name, action, help) in new[]
        {
            ("drain", "drain", "Stop writing to a node and move its fragments to the others (refused when the others cannot hold the policy)."),
            ("replace", "replace", "Declare a node lost now (no down-out wait) and rebuild its fragments on the others; start its replacement as a new node, then rebalance."),
            ("activate", "activate", "Make a drained or replaced node's disks active again (missing fragments are rebuilt on them)."),
        })
        {
            var id = new Argument<string>("id") { Description = "The node id (n3)." };
            var command = new Command(name, help) { id };
            AddCommon(command);
            command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
            {
                var (status, body) = await client.SendAsync(HttpMethod.Post, "nodes/" + Uri.EscapeDataString(parse.GetValue(id)!), [new("action", action)], ct).ConfigureAwait(false);
                using (body)
                {
                    return Print(output, status, body);
                }
            }));
            node.Subcommands.Add(command);
        }

        return node;
    }

    private static Command Rebalance()
    {
        var wait = new Option<bool>("--wait") { Description = "Wait until the pass has moved its fragments, then print its figures." };
        var command = new Command("rebalance", "Move fragments onto nodes holding less than their share by weight (after adding a node); moves about that share and nothing else.") { wait };
        AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var (status, body) = await client.SendAsync(HttpMethod.Post, "rebalance", [], ct).ConfigureAwait(false);
            while (status is 200 or 202 && parse.GetValue(wait) && body.RootElement.GetProperty("running").GetBoolean())
            {
                body.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
                (status, body) = await client.SendAsync(HttpMethod.Get, "rebalance", [], ct).ConfigureAwait(false);
            }

            using (body)
            {
                return Print(output, status, body);
            }
        }));
        return command;
    }

    private static Command LifecycleCommand()
    {
        var lifecycle = new Command("lifecycle", "The lifecycle worker that applies buckets' lifecycle rules.");
        var status = new Command("status", "Its passes and cursor; per bucket what the current or last pass scanned and did, and when the next expiration is due; bytes by storage class with the raw bytes their erasure policies spend.");
        AddCommon(status);
        status.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var (code, body) = await client.SendAsync(HttpMethod.Get, "lifecycle", [], ct).ConfigureAwait(false);
            using (body)
            {
                if (code != 200 || parse.GetValue(Json))
                {
                    return Print(output, code, body);
                }

                WriteLifecycle(output, body.RootElement);
                return 0;
            }
        }));
        lifecycle.Subcommands.Add(status);
        return lifecycle;
    }

    private static void WriteLifecycle(TextWriter output, JsonElement root)
    {
        static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Worker: {(root.GetProperty("active").GetBoolean() ? "active" : "standby (not the coordinator)")}, {(root.GetProperty("running").GetBoolean() ? "pass running since " + Text(root, "passStart") : "idle")}"));
        output.WriteLine($"Last pass: {Text(root, "lastPassStart")} .. {Text(root, "lastPassEnd")}; next pass {Text(root, "nextPass")}");
        if (root.TryGetProperty("resumedBucket", out var resumed))
        {
            output.WriteLine($"Resumed in bucket {resumed.GetString()} after key {Text(root, "resumedAfterKey")}");
        }

        if (root.TryGetProperty("cursor", out var cursor))
        {
            output.WriteLine($"Cursor: bucket {Text(cursor, "bucket")}, {Text(cursor, "phase")}, after key {Text(cursor, "keyMarker")}");
        }

        output.WriteLine("Buckets:");
        foreach (var b in root.GetProperty("buckets").EnumerateArray())
        {
            static string Actions(JsonElement counts)
            {
                var text = string.Join(", ", counts.EnumerateObject().Select(a => a.Name + " " + a.Value.GetInt64().ToString(CultureInfo.InvariantCulture)));
                return text.Length == 0 ? "none" : text;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {b.GetProperty("bucket").GetString()}: {b.GetProperty("objectsScanned").GetInt64()} objects, {b.GetProperty("bytesScanned").GetInt64()} bytes, {b.GetProperty("uploadsScanned").GetInt64()} uploads scanned; pass {Text(b, "passStart")} .. {Text(b, "passEnd")}; next due {Text(b, "nextDue")}"));
            output.WriteLine("    actions this pass: " + Actions(b.GetProperty("actions")) + "; since start: " + Actions(b.GetProperty("actionsSinceStart")));
        }

        output.WriteLine("Storage classes:");
        foreach (var c in root.GetProperty("storageClasses").EnumerateArray())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {c.GetProperty("storageClass").GetString(),-20} {c.GetProperty("policy").GetString(),-6} {c.GetProperty("bytes").GetInt64(),16} bytes  x{c.GetProperty("overhead").GetDouble():F2} = {c.GetProperty("rawBytes").GetInt64(),16} raw"));
        }
    }

    private static Command IndexCommand()
    {
        var index = new Command("index", "The range-sharded index (indexGroups): show its groups and ranges; split a range, move one to another group.");
        AddCommon(index);
        index.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var (status, body) = await client.SendAsync(HttpMethod.Get, "index", [], ct).ConfigureAwait(false);
            using (body)
            {
                if (status != 200 || parse.GetValue(Json))
                {
                    return Print(output, status, body);
                }

                WriteIndex(output, body.RootElement);
                return 0;
            }
        }));

        var bucket = new Argument<string>("bucket") { Description = "The bucket of the coordinate." };
        var key = new Argument<string>("key") { Description = "The object key of the coordinate (\"\" for the bucket's start)." };
        var split = new Command("split", "Split the range holding BUCKET/KEY so that a range starts there (only the directory changes); prints the two halves.") { bucket, key };
        AddCommon(split);
        split.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var (status, body) = await client.SendAsync(HttpMethod.Post, "index/split", [new("bucket", parse.GetValue(bucket)!), new("key", parse.GetValue(key)!)], ct).ConfigureAwait(false);
            using (body)
            {
                return Print(output, status, body);
            }
        }));
        index.Subcommands.Add(split);

        var moveBucket = new Argument<string>("bucket") { Description = "The bucket of the range's start." };
        var moveKey = new Argument<string>("key") { Description = "The object key of the range's start." };
        var group = new Argument<string>("group") { Description = "The index group to move the range to." };
        var grace = new Option<double?>("--grace") { Description = "Seconds the source keeps the range's records after the flip (default 30); the command returns after." };
        var move = new Command("move", "Move the range starting exactly at BUCKET/KEY to GROUP (writes to it wait only for the last delta); prints the move's report.") { moveBucket, moveKey, group, grace };
        AddCommon(move);
        move.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var query = new List<KeyValuePair<string, string>> { new("bucket", parse.GetValue(moveBucket)!), new("key", parse.GetValue(moveKey)!), new("group", parse.GetValue(group)!) };
            if (parse.GetValue(grace) is { } seconds)
            {
                query.Add(new("grace", seconds.ToString(CultureInfo.InvariantCulture)));
            }

            var (status, body) = await client.SendAsync(HttpMethod.Post, "index/move", query, ct).ConfigureAwait(false);
            using (body)
            {
                return Print(output, status, body);
            }
        }));
        index.Subcommands.Add(move);
        return index;
    }

    private static void WriteIndex(TextWriter output, JsonElement root)
    {
        output.WriteLine("Groups:");
        foreach (var g in root.GetProperty("groups").EnumerateArray())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {g.GetProperty("name").GetString(),-8} generation {g.GetProperty("generation").GetInt64(),-4} {g.GetProperty("ranges").GetInt32()} ranges  {g.GetProperty("endpoints").GetString()}  {g.GetProperty("keyPrefix").GetString()}"));
        }

        output.WriteLine("Ranges:");
        foreach (var r in root.GetProperty("ranges").EnumerateArray())
        {
            var end = r.GetProperty("end") is { ValueKind: JsonValueKind.String } e ? e.GetString() : "(end)";
            var moving = r.TryGetProperty("movingTo", out var m) ? $" moving to {m.GetString()}" : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.GetProperty("id").GetString(),-12}  [{r.GetProperty("start").GetString()}, {end})  {r.GetProperty("group").GetString()}{(r.GetProperty("frozen").GetBoolean() ? " FROZEN" : "")}{moving}"));
        }
    }

    private static Command Simple(string name, string help, string operation)
    {
        var command = new Command(name, help);
        AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, async (client, output) =>
        {
            var (status, body) = await client.SendAsync(HttpMethod.Post, operation, [], ct).ConfigureAwait(false);
            using (body)
            {
                return Print(output, status, body);
            }
        }));
        return command;
    }

    private static void AddCommon(Command command)
    {
        foreach (var option in new Option[] { Endpoint, AccessKey, SecretKey, MetaDir, Region, Json })
        {
            command.Options.Add(option);
        }
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<AdminClient, TextWriter, Task<int>> action)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        try
        {
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var client = Connect(http, parse.GetValue(Endpoint), parse.GetValue(AccessKey), parse.GetValue(SecretKey), parse.GetValue(MetaDir), parse.GetValue(Region));
            return await action(client, output).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException or HttpRequestException or JsonException or InvalidDataException)
        {
            await error.WriteLineAsync("tessera: " + e.Message).ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>
    /// A client for the store at <paramref name="endpoint"/> (or <c>TESSERA_ENDPOINT</c>, default
    /// <c>http://127.0.0.1:9000</c>) with the root keys from the arguments, the environment or the metadata directory.
    /// </summary>
    /// <exception cref="ArgumentException">No keys could be found.</exception>
    internal static AdminClient Connect(HttpClient http, string? endpoint, string? accessKey, string? secretKey, string? metaDir, string? region)
    {
        var env = ConfigLoader.ProcessEnvironment();
        string? Env(string name) => env.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        var uri = new Uri(endpoint ?? Env("TESSERA_ENDPOINT") ?? "http://127.0.0.1:9000");
        var access = accessKey ?? Env("AWS_ACCESS_KEY_ID") ?? Env("TESSERA_ROOT_USER");
        var secret = secretKey ?? Env("AWS_SECRET_ACCESS_KEY") ?? Env("TESSERA_ROOT_PASSWORD");
        if (access is null || secret is null)
        {
            var meta = metaDir ?? Env("TESSERA_META_DIR") ?? Path.Combine("data", "meta");
            (access, secret) = Credentials.ReadGenerated(meta)
                ?? throw new ArgumentException($"No root keys: give --access-key and --secret-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --meta-dir (no keys in {Path.GetFullPath(meta)}).");
        }

        return new AdminClient(http, uri, access, secret, region ?? Env("TESSERA_REGION") ?? "us-east-1");
    }

    private static int Print(TextWriter output, int status, JsonDocument body)
    {
        if (status is 200 or 202)
        {
            output.WriteLine(JsonSerializer.Serialize(body.RootElement, ConfigJson.Default.JsonElement));
            return 0;
        }

        var root = body.RootElement;
        var code = root.TryGetProperty("code", out var c) ? c.GetString() : status.ToString(CultureInfo.InvariantCulture);
        var message = root.TryGetProperty("message", out var m) ? m.GetString() : "";
        output.WriteLine($"tessera: {code}: {message}");
        return 1;
    }

    private static void WriteStatus(TextWriter output, JsonElement root)
    {
        var disks = root.GetProperty("disks");
        var nodes = disks.EnumerateArray().GroupBy(d => d.GetProperty("node").GetString()).ToList();
        if (nodes.Count > 1)
        {
            output.WriteLine(string.Join(", ", nodes.Select(n => string.Create(CultureInfo.InvariantCulture,
                $"node {n.Key}: {n.Count()} disks{(n.All(d => d.GetProperty("present").GetBoolean()) ? "" : " (absent: out of placement)")}"))));
        }

        output.WriteLine($"Disks ({disks.GetArrayLength()}):");
        foreach (var d in disks.EnumerateArray())
        {
            var where = d.TryGetProperty("path", out var p) ? p.GetString() : d.TryGetProperty("endpoint", out var e) ? e.GetString() : "";
            var down = d.TryGetProperty("downSince", out var since) ? $" down since {since.GetString()}" : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {d.GetProperty("id").GetString(),-8} {d.GetProperty("state").GetString(),-9} zone={d.GetProperty("zone").GetString()} rack={d.GetProperty("rack").GetString()} node={d.GetProperty("node").GetString()} weight={d.GetProperty("weight").GetDouble()}  {where}{down}"));
        }

        if (root.GetProperty("writesDegraded").GetBoolean())
        {
            output.WriteLine("Writes are degraded: a node is absent, new segments crowd the others until it is back.");
        }

        output.Write("Policies:");
        foreach (var p in root.GetProperty("policies").EnumerateArray())
        {
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $" {p.GetProperty("storageClass").GetString()} RS({p.GetProperty("k").GetInt32()},{p.GetProperty("m").GetInt32()}) over {p.GetProperty("domainLevel").GetString()};"));
        }

        output.WriteLine();
        var r = root.GetProperty("repair");
        var byRedundancy = string.Join(", ", r.GetProperty("queuedByRedundancy").EnumerateArray()
            .Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.GetProperty("segments").GetInt32()} can lose {q.GetProperty("redundancy").GetInt32()} more")));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Repair: {r.GetProperty("queued").GetInt32()} segments queued{(byRedundancy.Length > 0 ? $" ({byRedundancy})" : "")}, {r.GetProperty("inProgress").GetInt32()} in progress, {r.GetProperty("blocked").GetInt64()} blocked by placement, {r.GetProperty("unrecoverable").GetInt64()} unrecoverable"));
        output.WriteLine("  " + ProgressLine(r));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  since start: {r.GetProperty("segmentsRepaired").GetInt64()} segments, {r.GetProperty("fragmentsRebuilt").GetInt64()} fragments, {Mib(r.GetProperty("bytesRebuilt").GetDouble()):F1} MiB rebuilt; {Mib(r.GetProperty("measuredBytesPerSecond").GetDouble()):F1} MiB/s while repairing; limit {(r.GetProperty("bandwidthLimit").GetInt64() is var l and > 0 ? $"{Mib(l):F0} MiB/s" : "none")}"));
        var degraded = root.GetProperty("degradedReads");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Reads: {degraded.GetProperty("reads").GetInt64()} met missing or corrupt blocks since start and reconstructed {degraded.GetProperty("blocksReconstructed").GetInt64()} blocks"));
        if (root.GetProperty("lastScrub") is { ValueKind: JsonValueKind.Object } s)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Last scrub: {s.GetProperty("started").GetString()}, {s.GetProperty("seconds").GetDouble():F1} s, {s.GetProperty("fragmentsChecked").GetInt64()} fragments of {s.GetProperty("segments").GetInt64()} segments: {s.GetProperty("missing").GetInt64()} missing, {s.GetProperty("corrupt").GetInt64()} corrupt, {s.GetProperty("orphans").GetInt64()} orphans, {s.GetProperty("failedDisks").GetInt64()} failed disks"));
        }
        else
        {
            output.WriteLine("Last scrub: none since start");
        }
    }

    /// <summary><c>[##########----------]  50%  12/24 segments  45.2 MiB/s  ETA 3 s</c>.</summary>
    private static string ProgressLine(JsonElement repair)
    {
        const int Width = 30;

        // Segments waiting for a disk (blocked by placement, or short of k sources) were attempted, so the round counts
        // them done; they are short of redundancy all the same: they count as not done, and there is no ETA.
        var waiting = repair.GetProperty("blocked").GetInt64() + repair.GetProperty("unrecoverable").GetInt64();
        var done = Math.Max(0, repair.GetProperty("roundDone").GetInt64() - waiting);
        var total = Math.Max(repair.GetProperty("roundTotal").GetInt64(), done + waiting);
        var fraction = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 1;
        var filled = (int)Math.Round(fraction * Width);
        var eta = waiting > 0 ? string.Create(CultureInfo.InvariantCulture, $"{waiting} segments wait for a disk (add, replace or activate one)")
            : repair.GetProperty("etaSeconds") is { ValueKind: JsonValueKind.Number } e ? string.Create(CultureInfo.InvariantCulture, $"ETA {e.GetDouble():F0} s")
            : "ETA unknown";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', Width - filled)}] {fraction * 100,3:F0}%  {done}/{total} segments  {Mib(repair.GetProperty("recentBytesPerSecond").GetDouble()):F1} MiB/s  {eta}");
    }

    private static void WriteObject(TextWriter output, JsonElement root)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{root.GetProperty("bucket").GetString()}/{root.GetProperty("key").GetString()}  version {root.GetProperty("versionId").GetString()}  {root.GetProperty("size").GetInt64()} bytes  ETag {root.GetProperty("etag").GetString()}  {root.GetProperty("storageClass").GetString()}"));
        foreach (var segment in root.GetProperty("segments").EnumerateArray())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"segment {segment.GetProperty("segment").GetString()}  part {segment.GetProperty("partNumber").GetInt32()}  {segment.GetProperty("size").GetInt64()} bytes  RS({segment.GetProperty("k").GetInt32()},{segment.GetProperty("m").GetInt32()})  spread over '{segment.GetProperty("domainLevel").GetString()}'"));
            output.WriteLine("  index  kind    disk      zone          rack          node          state     present");
            foreach (var f in segment.GetProperty("fragments").EnumerateArray())
            {
                string Label(string name) => f.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "?";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {f.GetProperty("index").GetInt32(),5}  {f.GetProperty("kind").GetString(),-6}  {f.GetProperty("disk").GetString(),-8}  {Label("zone"),-12}  {Label("rack"),-12}  {Label("node"),-12}  {f.GetProperty("state").GetString(),-8}  {(f.GetProperty("present").GetBoolean() ? "yes" : "NO")}"));
            }
        }
    }

    private static double Mib(double bytes) => bytes / (1024 * 1024);
}
