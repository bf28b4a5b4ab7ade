using System.Diagnostics;
using System.Globalization;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// What an etcd member spent over a phase, from its Prometheus <c>/metrics</c>: CPU seconds, WAL fsyncs and their time,
/// so a rate can be read as "N Txns per fsync" and "the member used C of the 2 cores"; and this process's CPU.
/// </summary>
internal sealed class EtcdMetrics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly string[] _endpoints;
    private readonly (double Cpu, double Fsyncs, double FsyncSeconds)[] _start;
    private readonly TimeSpan _ownCpu;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private EtcdMetrics(string[] endpoints)
    {
        _endpoints = endpoints;
        _start = [.. endpoints.Select(Read)];
        _ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
    }

    /// <summary>Starts counting on the members at <paramref name="endpoints"/> (client URLs).</summary>
    public static EtcdMetrics Start(params string[] endpoints) => new(endpoints);

    /// <summary>One line: per member CPU cores used, fsyncs/s and mean fsync ms, and <paramref name="ops"/> per fsync; this process's cores.</summary>
    public string Stop(long ops)
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var own = (Process.GetCurrentProcess().TotalProcessorTime - _ownCpu).TotalSeconds / seconds;
        var parts = new List<string>();
        double fsyncs = 0;
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var end = Read(_endpoints[i]);
            var n = end.Fsyncs - _start[i].Fsyncs;
            fsyncs += n;
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"etcd {new Uri(_endpoints[i]).Port}: {(end.Cpu - _start[i].Cpu) / seconds:F2} cores, {n / seconds:F0} fsyncs/s of {(n > 0 ? (end.FsyncSeconds - _start[i].FsyncSeconds) / n * 1000 : 0):F2} ms"));
        }

        return string.Join("; ", parts) + string.Create(CultureInfo.InvariantCulture, $"; {(fsyncs > 0 ? ops / fsyncs : 0):F1} calls per fsync; benchmark process {own:F2} cores");
    }

    private static (double Cpu, double Fsyncs, double FsyncSeconds) Read(string endpoint)
    {
        try
        {
            var text = Http.GetStringAsync(endpoint.TrimEnd('/') + "/metrics").GetAwaiter().GetResult();
            double cpu = 0, fsyncs = 0, fsyncSeconds = 0;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("process_cpu_seconds_total ", StringComparison.Ordinal))
                {
                    cpu = Value(line);
                }
                else if (line.StartsWith("etcd_disk_wal_fsync_duration_seconds_count ", StringComparison.Ordinal))
                {
                    fsyncs = Value(line);
                }
                else if (line.StartsWith("etcd_disk_wal_fsync_duration_seconds_sum ", StringComparison.Ordinal))
                {
                    fsyncSeconds = Value(line);
                }
            }

            return (cpu, fsyncs, fsyncSeconds);
        }
        catch (HttpRequestException)
        {
            return default;
        }
    }

    private static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
}
