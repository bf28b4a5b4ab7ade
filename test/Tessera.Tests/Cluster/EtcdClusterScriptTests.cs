using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using dotnet_etcd;

namespace Tessera.Tests.Cluster;

/// <summary>scripts/etcd-cluster.sh, run as a developer would.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdClusterScriptTests
{
    private static string RepoRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Tessera.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Tessera.slnx not found");
        }

        return root;
    }

    private static async Task<(int Code, string Out, string Err)> Script(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(RepoRoot(), "scripts", "etcd-cluster.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Within.Ct);
        var stderr = process.StandardError.ReadToEndAsync(Within.Ct);
        await Within.Seconds(40, process.WaitForExitAsync(Within.Ct), "etcd-cluster.sh " + string.Join(' ', args));
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>A base port whose 3 client and 3 peer ports are free now.</summary>
    private static int FreeBase()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Random.Shared.Next(20000, 30000);
            if (new[] { 1, 2, 3, 101, 102, 103 }.All(offset => IsFree(port + offset)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free base port");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool Running(int pid)
    {
        try
        {
            var state = File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task UpStartsAHealthyClusterAndDownStopsEveryMemberItStarted()
    {
        using var dir = new TempDirectory();
        var basePort = FreeBase();
        var clock = Stopwatch.StartNew();
        var up = await Script("up", dir.Path, "3", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(up.Code == 0, up.Err);
        var expected = string.Join(',', Enumerable.Range(1, 3).Select(i => $"http://127.0.0.1:{basePort + i}"));
        Assert.Equal(expected, up.Out);
        var pids = Enumerable.Range(1, 3).Select(i => int.Parse(File.ReadAllText(Path.Combine(dir.Path, $"e{i}.pid")), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        try
        {
            Within.Log($"up on base {basePort}: {up.Out} (pids {string.Join(' ', pids)}) in {Within.Ms(clock)}");
            using (var client = new EtcdClient(up.Out))
            {
                await client.PutAsync("script-check", "ok", cancellationToken: Within.Ct);
                foreach (var url in up.Out.Split(','))
                {
                    using var one = new EtcdClient(url);
                    Assert.Equal("ok", await one.GetValAsync("script-check", cancellationToken: Within.Ct));
                }
            }

            var status = await Script("status", dir.Path);
            Assert.Equal(3, status.Out.Split('\n').Count(line => line.EndsWith("running healthy", StringComparison.Ordinal)));
            Assert.True((await Script("up", dir.Path, "3", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture))).Code != 0, "a second up over a running cluster must refuse");

            clock.Restart();
            var down = await Script("down", dir.Path);
            Within.Log($"down: {down.Out} {down.Err} in {Within.Ms(clock)}");
            Assert.Equal(0, down.Code);
            Assert.All(pids, pid => Assert.False(Running(pid), $"etcd pid {pid} still runs after down"));
            Assert.Equal(3, (await Script("status", dir.Path)).Out.Split('\n').Count(line => line.EndsWith("stopped", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var pid in pids.Where(Running))
            {
                Process.GetProcessById(pid).Kill();
            }
        }
    }
}
