using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using dotnet_etcd;
using Etcdserverpb;

namespace Tessera.Tests;

/// <summary>
/// A real etcd cluster of child processes on loopback ports picked at random, over a <see cref="TempDirectory"/>, for
/// tests that need consensus. Members are numbered from 0. Every member still running is SIGKILLed on dispose, and on
/// process exit should a test run die before its disposals ran.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private const string EtcdPath = "/usr/bin/etcd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentDictionary<EtcdCluster, byte> Live = new();
    private static readonly Lock DepsLock = new();

    private readonly TempDirectory _directory = new();
    private readonly Process?[] _processes;
    private readonly int[] _clientPorts;
    private readonly int[] _peerPorts;
    private readonly string _token = "t" + Guid.NewGuid().ToString("n")[..8];
    private readonly string? _alsoListenOn;

    static EtcdCluster()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var cluster in Live.Keys)
            {
                cluster.KillAll();
            }
        };
    }

    private EtcdCluster(int members, string? alsoListenOn)
    {
        _alsoListenOn = alsoListenOn;
        _processes = new Process?[members];
        var ports = FreePorts(2 * members);
        _clientPorts = ports[..members];
        _peerPorts = ports[members..];
        ClientUrls = [.. _clientPorts.Select(p => $"http://127.0.0.1:{p}")];
        Endpoints = string.Join(',', ClientUrls);
        Live[this] = 0;
    }

    /// <summary>The client URLs, comma separated: the connection string <see cref="EtcdClient"/> takes.</summary>
    public string Endpoints { get; }

    /// <summary>Member i's client URL.</summary>
    public IReadOnlyList<string> ClientUrls { get; }

    /// <summary>The number of members.</summary>
    public int Count => _processes.Length;

    /// <summary>
    /// Starts <paramref name="members"/> members and waits (30 s at most) until every one serves a linearizable read.
    /// With <paramref name="alsoListenOn"/> (an address of this machine, a bridge to network namespaces say) each member
    /// serves clients on the same port there too (<see cref="EndpointsAt"/>); peers stay on loopback.
    /// </summary>
    public static async Task<EtcdCluster> StartAsync(int members = 3, CancellationToken cancellationToken = default, string? alsoListenOn = null)
    {
        EnsureEtcdInstalled();
        var cluster = new EtcdCluster(members, alsoListenOn);
        try
        {
            for (var i = 0; i < members; i++)
            {
                cluster.Launch(i);
            }

            await cluster.WaitHealthyAsync(Enumerable.Range(0, members), cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The client URLs on <paramref name="host"/> (loopback, or the address given to <see cref="StartAsync"/>), comma separated.</summary>
    public string EndpointsAt(string host) => string.Join(',', _clientPorts.Select(p => $"http://{host}:{p}"));

    /// <summary>Member i's client port (the same on every address it listens on).</summary>
    public int ClientPort(int i) => _clientPorts[i];

    /// <summary>A client over every member (the caller disposes it).</summary>
    public EtcdClient Client() => new(Endpoints);

    /// <summary>True while member <paramref name="i"/>'s process runs (stopped counts as running).</summary>
    public bool IsRunning(int i) => _processes[i] is { HasExited: false };

    /// <summary>SIGKILLs member <paramref name="i"/>: a crash, no chance to flush or tell its peers.</summary>
    public void Kill(int i)
    {
        var process = _processes[i] ?? throw new InvalidOperationException($"Member {i} is not running.");
        process.Kill();
        process.WaitForExit();
        process.Dispose();
        _processes[i] = null;
    }

    /// <summary>SIGSTOPs member <paramref name="i"/>: it keeps its sockets but answers nothing (a hung machine).</summary>
    public void Pause(int i)
    {
        Signal(i, ProcessSignals.SigStop);

        // SIGSTOP is delivered asynchronously: wait until the kernel shows the member stopped ('T'), so that nothing the
        // caller does next can still be answered by it.
        var pid = _processes[i]!.Id;
        var clock = System.Diagnostics.Stopwatch.StartNew();
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
                return; // Gone: stopped for good.
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>SIGCONTs member <paramref name="i"/> after <see cref="Pause"/>.</summary>
    public void Resume(int i) => Signal(i, ProcessSignals.SigCont);

    /// <summary>Starts member <paramref name="i"/> again over its data directory (killing it first if it runs) and waits until it is healthy.</summary>
    public async Task RestartAsync(int i, CancellationToken cancellationToken = default)
    {
        if (_processes[i] is not null)
        {
            Kill(i);
        }

        Launch(i);
        await WaitHealthyAsync([i], cancellationToken);
    }

    /// <summary>The index of the member that is etcd's raft leader, as the running members report through the maintenance Status API; -1 when none knows one.</summary>
    public async Task<int> LeaderIndexAsync(CancellationToken cancellationToken = default)
    {
        var ids = new Dictionary<ulong, int>();
        ulong leader = 0;
        for (var i = 0; i < Count; i++)
        {
            if (!IsRunning(i))
            {
                continue;
            }

            using var client = new EtcdClient(ClientUrls[i]);
            try
            {
                var status = await client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                ids[status.Header.MemberId] = i;
                leader = status.Leader != 0 ? status.Leader : leader;
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Paused or not yet serving: it cannot say.
            }
        }

        return leader != 0 && ids.TryGetValue(leader, out var index) ? index : -1;
    }

    /// <summary>Waits until each member in <paramref name="members"/> serves a linearizable read (what <c>etcdctl endpoint health</c> checks).</summary>
    public async Task WaitHealthyAsync(IEnumerable<int> members, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var i in members)
        {
            using var client = new EtcdClient(ClientUrls[i]);
            while (true)
            {
                if (_processes[i] is not { HasExited: false })
                {
                    throw new InvalidOperationException($"etcd member {i} exited while starting: {Tail(i)}");
                }

                try
                {
                    await client.GetAsync("health", deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: cancellationToken);
                    break;
                }
                catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // dotnet-etcd reports an exceeded deadline as a cancellation.
                    if (deadline.Elapsed >= StartTimeout)
                    {
                        throw new TimeoutException($"etcd member {i} ({ClientUrls[i]}) not healthy after {StartTimeout.TotalSeconds} s: {e.Message}; log: {Tail(i)}", e);
                    }

                    await Task.Delay(50, cancellationToken);
                }
            }
        }
    }

    /// <inheritdoc/>
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
            var process = _processes[i];
            if (process is null)
            {
                continue;
            }

            try
            {
                // A stopped process still dies of SIGKILL.
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            process.Dispose();
            _processes[i] = null;
        }
    }

    private void Launch(int i)
    {
        var name = Name(i);
        var client = ClientUrls[i] + (_alsoListenOn is null ? "" : $",http://{_alsoListenOn}:{_clientPorts[i]}");
        var peer = $"http://127.0.0.1:{_peerPorts[i]}";
        var initial = string.Join(',', Enumerable.Range(0, Count).Select(m => $"{Name(m)}=http://127.0.0.1:{_peerPorts[m]}"));
        // Through sh only to send both streams to a log file; exec keeps the pid etcd's own.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in new[]
        {
            "-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1", "sh", LogPath(i), EtcdPath,
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

    private void Signal(int i, int signal)
    {
        var process = _processes[i] ?? throw new InvalidOperationException($"Member {i} is not running.");
        ProcessSignals.Send(process.Id, signal);
    }

    private static string Name(int i) => "e" + i;

    private string LogPath(int i) => Path.Combine(_directory.Path, Name(i) + ".log");

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

    private static int[] FreePorts(int count)
    {
        // Hold every listener until all are picked so no port comes back twice.
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private static void EnsureEtcdInstalled()
    {
        lock (DepsLock)
        {
            if (File.Exists(EtcdPath))
            {
                return;
            }

            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "Tessera.slnx")))
            {
                root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Tessera.slnx not found above " + AppContext.BaseDirectory);
            }

            using var deps = Process.Start(new ProcessStartInfo(Path.Combine(root, "scripts", "deps.sh"), "etcd") { UseShellExecute = false })
                ?? throw new InvalidOperationException("scripts/deps.sh did not start.");
            deps.WaitForExit();
            if (deps.ExitCode != 0 || !File.Exists(EtcdPath))
            {
                throw new InvalidOperationException($"scripts/deps.sh etcd failed ({deps.ExitCode}); etcd is needed at {EtcdPath}.");
            }
        }
    }
}
