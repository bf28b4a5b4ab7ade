using Tessera.S3.Gateway;
using Tessera.Store;
using Tessera.Store.Maintenance;

namespace Tessera.Server;

/// <summary>The maintenance side of a running store: the repairer, the disk monitor, the scrubber, and the admin API that shows them.</summary>
internal sealed class MaintenanceServices
{
    public MaintenanceServices(StoreServices services, string rootAccessKey, RequestCounters requests, TopologyStore topology, ServerOptions options)
    {
        if (options.RepairBandwidth < 0 || options.DiskCheckInterval < 0 || options.RepairWorkers < 0)
        {
            throw new ArgumentException(
                $"--repair-bandwidth ({options.RepairBandwidth}), --repair-workers ({options.RepairWorkers}) and --disk-check-interval ({options.DiskCheckInterval}) may not be negative.");
        }

        Repairer = new Repairer(services, options.RepairBandwidth, options.RepairWorkers);
        Monitor = new DiskMonitor(services) { DownOutInterval = TimeSpan.FromSeconds(options.DownOutInterval ?? (options.Etcd is null ? 0 : 600)) };
        Monitor.TopologyChanged += () =>
        {
            try
            {
                topology.SaveTopology();
            }
            catch (NotCoordinatorException)
            {
                // Deposed during the check: the new coordinator's map was applied back; its monitor decides.
            }
        };
        Monitor.TopologyChanged += () => Repairer.RetryWaiting();
        Scrubber = new Scrubber(services);
        Rebalancer = new Rebalancer(services, Repairer);
        Transitioner = new ObjectTransitioner(services);
        if (Environment.GetEnvironmentVariable(TransitionPauseVariable) is { } pause
            && double.TryParse(pause, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            // Crash tests only: a window between the new fragments' commit and the swap to kill the process in.
            Transitioner.BeforeSwap = ct => Task.Delay(TimeSpan.FromSeconds(seconds), ct);
        }

        Admin = new AdminApi(services, rootAccessKey, requests, Repairer, Monitor, Scrubber, topology, options.ScrubRate, TimeSpan.FromSeconds(options.DiskCheckInterval), Rebalancer)
        {
            Transitioner = Transitioner,
        };
    }

    /// <summary>The variable (seconds) that makes every transition pause before its swap: crash tests only.</summary>
    public const string TransitionPauseVariable = "TESSERA_TEST_TRANSITION_PAUSE";

    /// <summary>Moves object versions between storage classes (the lifecycle worker's seam; admin <c>transition</c>).</summary>
    public ObjectTransitioner Transitioner { get; }

    public Rebalancer Rebalancer { get; }

    public Repairer Repairer { get; }

    public DiskMonitor Monitor { get; }

    public Scrubber Scrubber { get; }

    public AdminApi Admin { get; }
}
