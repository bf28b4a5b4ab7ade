using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.NetworkInformation;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tessera.IntegrationTests;

/// <summary>
/// A network of Linux network namespaces for fault tests that cut real links (the kernel here has no netem; nftables
/// drops packets). One bridge in the root namespace with <c>10.213.X.1/24</c> (X free on this machine, picked per
/// run), and per node a namespace <c>tsr-PID-SEQ-NODE</c> joined to the bridge by a veth pair, its end inside named
/// <c>eth0</c> with <c>10.213.X.(10 + i)</c>. Processes run inside through <see cref="Wrapper"/> (<c>ip netns exec</c>);
/// the test process, in the root namespace, reaches them over the bridge, and they reach services listening on
/// <see cref="HostAddress"/> (etcd). <see cref="CutAsync"/> loads an nftables table inside a node's namespace that
/// drops TCP to given ports arriving from the bridge, and optionally TCP it sends to given ports; its counters say how
/// many packets it dropped. Everything is removed on dispose, on process exit, and, for names of a test process that is
/// gone (a killed run), by the next run. Needs root (CAP_NET_ADMIN) and the <c>ip</c> and <c>nft</c> commands; without
/// them <see cref="Create"/> throws, so the test fails rather than passes without its fault.
/// </summary>
public sealed partial class NamespaceNetwork : IAsyncDisposable
{
    private const string Nft = "/usr/sbin/nft";
    private const string CutTable = "tessera_cut";
    private const string InnerLink = "eth0";
    private static readonly ConcurrentDictionary<NamespaceNetwork, byte> Live = new();
    private static readonly Lock CreateLock = new();
    private static int _sequence;

    private readonly string _run;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private int _removed;

    static NamespaceNetwork()
    {
        // A run that dies before its disposals ran leaves no namespace or link behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var network in Live.Keys)
            {
                network.Remove();
            }
        };
    }

    private NamespaceNetwork(IReadOnlyList<string> nodes, int octet)
    {
        _run = $"{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}";
        Subnet = $"10.213.{octet}";
        for (var i = 0; i < nodes.Count; i++)
        {
            _index[nodes[i]] = i + 1;
        }

        Nodes = nodes;
    }

    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The first three octets of this run's /24, e.g. <c>10.213.57</c>.</summary>
    public string Subnet { get; }

    /// <summary>The bridge's address in the root namespace: where the nodes reach etcd.</summary>
    public string HostAddress => Subnet + ".1";

    /// <summary>The bridge's name (at most 15 characters).</summary>
    public string Bridge => $"tsr{_run}b";

    /// <summary>
    /// Creates the bridge and one namespace per node (removing first what killed runs left). Throws with the reason
    /// when this process may not (not root) or the commands fail.
    /// </summary>
    public static NamespaceNetwork Create(IReadOnlyList<string> nodes)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException(
                $"This fault test creates network namespaces, veth pairs and nftables rules, which needs root on Linux; it runs as '{Environment.UserName}' on {Environment.OSVersion}. It does not pass without its fault: run it as root.");
        }

        EnsureNftInstalled();
        lock (CreateLock)
        {
            RemoveStale();
            var network = new NamespaceNetwork(nodes, FreeOctet());
            Live[network] = 0;
            try
            {
                network.Build();
                return network;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                network.Remove();
                throw new InvalidOperationException(
                    $"Could not build the network namespaces this fault test needs (root with CAP_NET_ADMIN and CAP_SYS_ADMIN, iproute2): {e.Message}. It does not pass without its fault.", e);
            }
        }
    }

    /// <summary>The namespace of <paramref name="node"/>.</summary>
    public string Namespace(string node) => $"tsr-{_run}-{node}";

    /// <summary>The address of <paramref name="node"/> inside its namespace.</summary>
    public string AddressOf(string node) => $"{Subnet}.{10 + _index[node]}";

    /// <summary>The command prefix that runs a program inside <paramref name="node"/>'s namespace.</summary>
    public IReadOnlyList<string> Wrapper(string node) => ["ip", "netns", "exec", Namespace(node)];

    /// <summary>
    /// Inside <paramref name="node"/>'s namespace, drops every TCP packet arriving from the bridge for
    /// <paramref name="inboundPorts"/> (new connections and established ones alike: a dead link, not a refusal) and,
    /// when <paramref name="outboundPorts"/> are given, every TCP packet the node sends to them. Loopback inside the
    /// namespace is not touched.
    /// </summary>
    public Task CutAsync(string node, IReadOnlyCollection<int> inboundPorts, IReadOnlyCollection<int>? outboundPorts = null, CancellationToken cancellationToken = default)
    {
        var script = $$"""
            table inet {{CutTable}} {
              chain input {
                type filter hook input priority 0; policy accept;
                iifname "{{InnerLink}}" tcp dport { {{string.Join(", ", inboundPorts)}} } counter drop
              }
            """;
        if (outboundPorts is { Count: > 0 })
        {
            script += $$"""

                  chain output {
                    type filter hook output priority 0; policy accept;
                    oifname "{{InnerLink}}" tcp dport { {{string.Join(", ", outboundPorts)}} } counter drop
                  }
                """;
        }

        return RunAsync(["ip", "netns", "exec", Namespace(node), Nft, "-f", "-"], script + "\n}\n", cancellationToken);
    }

    /// <summary>
    /// Inside <paramref name="node"/>'s namespace, drops every packet (any protocol, any port) arriving on its link
    /// from <paramref name="addresses"/> and every packet it sends to them: one side of a network partition. The
    /// addresses are other nodes' (<see cref="AddressOf"/>) or <see cref="HostAddress"/> (the root namespace: the test
    /// process and whatever runs in it). <see cref="HealAsync"/> removes it and <see cref="DroppedAsync"/> counts it,
    /// as for <see cref="CutAsync"/> (one cut per namespace at a time).
    /// </summary>
    public Task PartitionAsync(string node, IReadOnlyCollection<string> addresses, CancellationToken cancellationToken = default)
    {
        var set = string.Join(", ", addresses);
        var script = $$"""
            table inet {{CutTable}} {
              chain input {
                type filter hook input priority 0; policy accept;
                iifname "{{InnerLink}}" ip saddr { {{set}} } counter drop
              }
              chain output {
                type filter hook output priority 0; policy accept;
                oifname "{{InnerLink}}" ip daddr { {{set}} } counter drop
              }
            }

            """;
        return RunAsync(["ip", "netns", "exec", Namespace(node), Nft, "-f", "-"], script, cancellationToken);
    }

    /// <summary>Removes the cut of <paramref name="node"/>.</summary>
    public Task HealAsync(string node, CancellationToken cancellationToken = default) =>
        RunAsync(["ip", "netns", "exec", Namespace(node), Nft, "delete", "table", "inet", CutTable], null, cancellationToken);

    /// <summary>The packets the cut in <paramref name="node"/>'s namespace dropped so far, inbound and outbound (nft's counters).</summary>
    public async Task<(long Inbound, long Outbound)> DroppedAsync(string node, CancellationToken cancellationToken = default)
    {
        var json = await RunAsync(["ip", "netns", "exec", Namespace(node), Nft, "-j", "list", "table", "inet", CutTable], null, cancellationToken);
        using var document = JsonDocument.Parse(json);
        long inbound = 0, outbound = 0;
        foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (!item.TryGetProperty("rule", out var rule))
            {
                continue;
            }

            foreach (var expression in rule.GetProperty("expr").EnumerateArray())
            {
                if (expression.TryGetProperty("counter", out var counter))
                {
                    var packets = counter.GetProperty("packets").GetInt64();
                    if (rule.GetProperty("chain").GetString() == "input")
                    {
                        inbound += packets;
                    }
                    else
                    {
                        outbound += packets;
                    }
                }
            }
        }

        return (inbound, outbound);
    }

    public ValueTask DisposeAsync()
    {
        Remove();
        return ValueTask.CompletedTask;
    }

    private void Build()
    {
        Run("ip", "link", "add", Bridge, "type", "bridge");
        Run("ip", "addr", "add", HostAddress + "/24", "dev", Bridge);
        Run("ip", "link", "set", Bridge, "up");
        foreach (var node in Nodes)
        {
            var ns = Namespace(node);
            var outer = Outer(node);
            Run("ip", "netns", "add", ns);
            Run("ip", "link", "add", outer, "type", "veth", "peer", "name", InnerLink, "netns", ns);
            Run("ip", "link", "set", outer, "master", Bridge);
            Run("ip", "link", "set", outer, "up");
            Run("ip", "-n", ns, "addr", "add", AddressOf(node) + "/24", "dev", InnerLink);
            Run("ip", "-n", ns, "link", "set", InnerLink, "up");
            Run("ip", "-n", ns, "link", "set", "lo", "up");
        }
    }

    private string Outer(string node) => $"tsr{_run}h{_index[node]}";

    /// <summary>Deletes the namespaces (their veth pairs go with them) and the bridge; safe to call twice.</summary>
    private void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 1)
        {
            return;
        }

        // The veth pairs first: a namespace lives on, unnamed, while sockets in it linger (connections to a dropped
        // port retransmitting their FINs), and its pair with it.
        foreach (var node in Nodes)
        {
            TryRun("ip", "link", "del", Outer(node));
            TryRun("ip", "netns", "del", Namespace(node));
        }

        TryRun("ip", "link", "del", Bridge);
        Live.TryRemove(this, out _);
    }

    /// <summary>
    /// Removes the namespaces and links named after a test process that no longer runs (a run killed before its
    /// cleanup), SIGKILLing first the processes still inside such a namespace (that run's servers: nothing else runs
    /// in a <c>tsr-</c> namespace).
    /// </summary>
    private static void RemoveStale()
    {
        foreach (var line in Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (StaleNamespace().Match(name) is { Success: true } match && !IsRunning(match.Groups[1].Value))
            {
                foreach (var pid in TryRun("ip", "netns", "pids", name).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    try
                    {
                        using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                        process.Kill();
                        process.WaitForExit(5000);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
                    {
                        // Gone meanwhile.
                    }
                }

                TryRun("ip", "netns", "del", name);
            }
        }

        foreach (var link in NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name))
        {
            if (StaleLink().Match(link) is { Success: true } match && !IsRunning(match.Groups[1].Value))
            {
                TryRun("ip", "link", "del", link);
            }
        }
    }

    private static bool IsRunning(string pid) => Directory.Exists("/proc/" + pid);

    /// <summary>A /24 in 10.213.0.0/16 that no address of the root namespace is in, starting from one that follows from the pid.</summary>
    private static int FreeOctet()
    {
        var used = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address.ToString())
            .Where(a => a.StartsWith("10.213.", StringComparison.Ordinal))
            .Select(a => int.Parse(a.Split('.')[2], CultureInfo.InvariantCulture))
            .ToHashSet();
        var start = (Environment.ProcessId + _sequence) % 250;
        for (var i = 0; i < 250; i++)
        {
            var octet = 2 + ((start + i) % 250);
            if (!used.Contains(octet))
            {
                return octet;
            }
        }

        throw new InvalidOperationException("No free /24 in 10.213.0.0/16 for the test network.");
    }

    private static void EnsureNftInstalled()
    {
        if (File.Exists(Nft))
        {
            return;
        }

        // As EtcdCluster installs etcd: scripts/deps.sh, so a fresh CI machine gets it.
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Tessera.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Tessera.slnx not found above " + AppContext.BaseDirectory);
        }

        using var deps = Process.Start(new ProcessStartInfo(Path.Combine(root, "scripts", "deps.sh"), "nftables") { UseShellExecute = false })
            ?? throw new InvalidOperationException("scripts/deps.sh did not start.");
        deps.WaitForExit();
        if (deps.ExitCode != 0 || !File.Exists(Nft))
        {
            throw new InvalidOperationException($"scripts/deps.sh nftables failed ({deps.ExitCode}); nft is needed at {Nft}.");
        }
    }

    private static string Run(params string[] command) =>
        RunAsync(command, null, CancellationToken.None).GetAwaiter().GetResult();

    private static string TryRun(params string[] command)
    {
        try
        {
            return Run(command);
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    private static async Task<string> RunAsync(IReadOnlyList<string> command, string? input, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{command[0]} did not start.");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{string.Join(' ', command)}` failed ({process.ExitCode}): {(await error).Trim()}");
        }

        return await output;
    }

    [GeneratedRegex(@"^tsr-(\d+)-\d+-")]
    private static partial Regex StaleNamespace();

    [GeneratedRegex(@"^tsr(\d+)-\d+[bh]")]
    private static partial Regex StaleLink();
}
