using System.Collections.Concurrent;
using System.Diagnostics;
using dotnet_etcd;
using Etcdserverpb;
using Tessera.Tests;

namespace Tessera.IntegrationTests;

/// <summary>
/// An etcd cluster whose members each run in their own namespace of a <see cref="NamespaceNetwork"/> (member i in the
/// namespace of <c>Members[i]</c>), so a partition between members, or between members and the root namespace, is an
/// nftables cut in their namespaces. Every member serves peers on <c>ADDRESS:2380</c> and clients on
/// <c>ADDRESS:2379</c> of its namespace (the same ports in every namespace: they cannot collide); the test process and
/// the in-process nodes, in the root namespace, reach the clients' ports over the bridge. Members are SIGKILLed,
/// SIGSTOPped and restarted over their data directories like <see cref="EtcdCluster"/>'s. Every member still running
/// is SIGKILLed on dispose and on process exit; the network is the caller's to dispose, after this.
/// </summary>
public sealed class NamespacedEtcdGroup : IAsyncDisposable
{
    public const int ClientPort = 2379;
    public const int PeerPort = 2380;
    private const string EtcdPath = "/usr/bin/etcd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentDictionary<NamespacedEtcdGroup, byte> Live = new();

    private readonly NamespaceNetwork _network;
    private readonly TempDirectory _directory = new();
    private readonly Process?[] _processes;
    private readonly string _token = "t" + Guid.NewGuid().ToString("n")[..8];

    static NamespacedEtcdGroup()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var group in Live.Keys)
            {
                group.KillAll();
            }
        };
    }

    private NamespacedEtcdGroup(NamespaceNetwork network, IReadOnlyList<string> members)
    {
        _network = network;
        Members = members;
        _processes = new Process?[members.Count];
        ClientUrls = [.. members.Select(m => $"http://{network.AddressOf(m)}:{ClientPort}")];
        Endpoints = string.Join(',', ClientUrls);
        Live[this] = 0;
    }

    /// <summary>The nodes of the network the members run in, member 0 first.</summary>
    public IReadOnlyList<string> Members { get; }

    /// <summary>Member i's client URL on its namespace address.</summary>
    public IReadOnlyList<string> ClientUrls { get; }

    /// <summary>The client URLs, comma separated.</summary>
    public string Endpoints { get; }

    public int Count => _processes.Length;

    /// <summary>Starts one member in each of <paramref name="members"/>' namespaces and waits until each serves a linearizable read.</summary>
    public static async Task<NamespacedEtcdGroup> StartAsync(NamespaceNetwork network, IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        var group = new NamespacedEtcdGroup(network, members);
        try
        {
            for (var i = 0; i < members.Count; i++)
            {
                group.Launch(i);
            }

            await group.WaitHealthyAsync(Enumerable.Range(0, members.Count), cancellationToken);
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>The network address of member <paramref name="i"/>.</summary>
    public string AddressOf(int i) => _network.AddressOf(Members[i]);

    public bool IsRunning(int i) => _processes[i] is { HasExited: false };

    /// <summary>SIGKILLs member <paramref name="i"/>.</summary>
    public void Kill(int i)
    {
        var process = _processes[i] ?? throw new InvalidOperationException($"Member {i} is not running.");
        process.Kill();
        process.WaitForExit();
        process.Dispose();
        _processes[i] = null;
    }

    /// <summary>SIGSTOPs member <paramref name="i"/> and waits until the kernel shows it stopped.</summary>
    public void Pause(int i)
    {
        var pid = (_processes[i] ?? throw new InvalidOperationException($"Member {i} is not running.")).Id;
        ProcessSignals.Send(pid, ProcessSignals.SigStop);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T'))
                {
                    return;
                }
            }
            catch (IOException)
            {
                return;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"etcd member {i} (pid {pid}) did not show as stopped within 5 s of SIGSTOP.");
    }

    /// <summary>SIGCONTs member <paramref name="i"/>.</summary>
    public void Resume(int i) =>
        ProcessSignals.Send((_processes[i] ?? throw new InvalidOperationException($"Member {i} is not running.")).Id, ProcessSignals.SigCont);

    /// <summary>Starts member <paramref name="i"/> again over its data directory (it must have been killed) and waits until it is healthy.</summary>
    public async Task RestartAsync(int i, CancellationToken cancellationToken)
    {
        if (_processes[i] is not null)
        {
            Kill(i);
        }

        Launch(i);
        await WaitHealthyAsync([i], cancellationToken);
    }

    /// <summary>The member the running, reachable members name as raft leader (maintenance Status); -1 when none does.</summary>
    public async Task<int> LeaderIndexAsync(CancellationToken cancellationToken)
    {
        var ids = new Dictionary<ulong, int>();
        var votes = new Dictionary<ulong, int>();
        for (var i = 0; i < Count; i++)
        {
            if (!IsRunning(i))
            {
                continue;
            }

            using var client = new EtcdClient(ClientUrls[i]);
            try
            {
                var status = await client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: cancellationToken);
                ids[status.Header.MemberId] = i;
                if (status.Leader != 0)
                {
                    votes[status.Leader] = votes.GetValueOrDefault(status.Leader) + 1;
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Paused, cut off or not serving yet: it cannot say.
            }
        }

        // The leader most members name (a deposed leader that has not noticed yet names itself).
        return votes.Count > 0 && ids.TryGetValue(votes.MaxBy(v => v.Value).Key, out var index) ? index : -1;
    }

    /// <summary>Waits until each member in <paramref name="members"/> serves a linearizable read.</summary>
    public async Task WaitHealthyAsync(IEnumerable<int> members, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var i in members)
        {
            using var client = new EtcdClient(ClientUrls[i]);
            while (true)
            {
                if (_processes[i] is not { HasExited: false })
                {
                    throw new InvalidOperationException($"etcd member {i} exited: {Tail(i)}");
                }

                try
                {
                    await client.GetAsync("health", deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: cancellationToken);
                    break;
                }
                catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    if (clock.Elapsed >= StartTimeout)
                    {
                        throw new TimeoutException($"etcd member {i} ({ClientUrls[i]}) not healthy after {StartTimeout.TotalSeconds} s: {e.Message}; log: {Tail(i)}", e);
                    }

                    await Task.Delay(50, cancellationToken);
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        KillAll();
        Live.TryRemove(this, out _);
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private void KillAll()
    {
        for (var i = 0; i < _processes.Length; i++)
        {
            if (_processes[i] is not { } process)
            {
                continue;
            }

            try
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Exited already.
            }

            process.Dispose();
            _processes[i] = null;
        }
    }

    private void Launch(int i)
    {
        var name = "e" + i;
        var client = $"http://{AddressOf(i)}:{ClientPort}";
        var peer = $"http://{AddressOf(i)}:{PeerPort}";
        var initial = string.Join(',', Enumerable.Range(0, Count).Select(m => $"e{m}=http://{AddressOf(m)}:{PeerPort}"));

        // ip netns exec execs sh in the namespace, and sh execs etcd: the process's pid is etcd's (for SIGSTOP).
        var start = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (var argument in new[]
        {
            "netns", "exec", _network.Namespace(Members[i]),
            "/bin/sh", "-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1", "sh", LogPath(i), EtcdPath,
            "--name", name, "--data-dir", Path.Combine(_directory.Path, name + ".data"),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", _token,
            "--heartbeat-interval", "100", "--election-timeout", "1000",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _processes[i] = Process.Start(start) ?? throw new InvalidOperationException("etcd did not start.");
    }

    private string LogPath(int i) => Path.Combine(_directory.Path, $"e{i}.log");

    private string Tail(int i)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogPath(i)).TakeLast(5));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
