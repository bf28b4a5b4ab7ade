using Tessera.Storage;

namespace Tessera.Store.Maintenance;

/// <summary>
/// Watches the disks and turns what it sees into topology changes and repair work: a disk whose directory vanished,
/// that fails a probe write, or that carries another disk's identity is marked failed (its fragments are queued to be
/// rebuilt elsewhere); such a disk that comes back healthy is active again; a blank directory where a disk was (a
/// replacement) is formatted, made active and refilled. Sweeps walk the index for the segments with fragments on
/// given disks and queue them by remaining redundancy.
/// </summary>
public sealed class DiskMonitor
{
    private readonly StoreServices _services;
    private readonly HashSet<string> _autoFailed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _downSince = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates the monitor.</summary>
    public DiskMonitor(StoreServices services) => _services = services;

    /// <summary>
    /// How long a disk must fail its probes without a break before it is declared failed and repaired elsewhere (the
    /// down-out interval). Zero, the default, declares it at the first failed probe, as a single node with local disks
    /// wants; a cluster waits (600 s by default) so that a rebooting node sets off no repair.
    /// </summary>
    public TimeSpan DownOutInterval { get; set; }

    /// <summary>
    /// In a cluster: whether other nodes report a disk's node unreachable (most of them cannot reach its storage port).
    /// Such a disk counts as failing its probe even when this node reaches it, so the down-out interval runs for it.
    /// </summary>
    public Func<IDisk, bool>? ReportedDown { get; set; }

    /// <summary>Disks failing their probes but not yet declared failed, with when the failures began.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Down
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, DateTimeOffset>(_downSince, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Raised after the monitor changed a disk's state (the server persists the topology).</summary>
    public event Action? TopologyChanged;

    /// <summary>Probes every disk once and acts on what changed; returns the disks whose state changed.</summary>
    public IReadOnlyList<string> CheckOnce()
    {
        var changed = new List<string>();
        var set = _services.Storage;
        foreach (var disk in set.Disks)
        {
            var probe = ReportedDown?.Invoke(disk) == true ? DiskProbe.Failed : disk.Probe();
            var state = set.StateOf(disk.Id);
            lock (_lock)
            {
                if (probe is DiskProbe.Healthy or DiskProbe.Blank)
                {
                    _downSince.Remove(disk.Id);
                }
                else if (state != DiskState.Failed && !OutOfTime(disk.Id))
                {
                    continue;
                }

                switch (probe)
                {
                    case DiskProbe.Healthy when state == DiskState.Failed && _autoFailed.Remove(disk.Id):
                        // It came back with its data (a remount): fragments rebuilt elsewhere meanwhile are orphans now.
                        set.SetState(disk.Id, DiskState.Active);
                        Report(disk.Id, "active again", probe, Sweep([disk.Id], checkFiles: true));
                        changed.Add(disk.Id);
                        break;
                    case DiskProbe.Blank:
                        disk.Format();
                        _autoFailed.Remove(disk.Id);
                        set.SetState(disk.Id, DiskState.Active);
                        Report(disk.Id, "replaced and being refilled", probe, Sweep([disk.Id], checkFiles: true));
                        changed.Add(disk.Id);
                        break;
                    case DiskProbe.Missing or DiskProbe.Failed or DiskProbe.Foreign when state != DiskState.Failed:
                        _autoFailed.Add(disk.Id);
                        set.SetState(disk.Id, DiskState.Failed);
                        Report(disk.Id, "failed", probe, Sweep([disk.Id], checkFiles: false));
                        changed.Add(disk.Id);
                        break;
                }
            }
        }

        if (changed.Count > 0)
        {
            TopologyChanged?.Invoke();
        }

        return changed;
    }

    /// <summary>Whether a disk whose probe just failed has been down for the whole down-out interval (first failure noted).</summary>
    private bool OutOfTime(string diskId)
    {
        var now = _services.Time.GetUtcNow();
        if (!_downSince.TryGetValue(diskId, out var since))
        {
            _downSince[diskId] = since = now;
            if (DownOutInterval > TimeSpan.Zero)
            {
                LogMessages.DiskDown(_services.Logger, diskId, DownOutInterval.TotalSeconds);
            }
        }

        if (now - since < DownOutInterval)
        {
            return false;
        }

        _downSince.Remove(diskId);
        return true;
    }

    /// <summary>Probes the disks every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _services.Time, cancellationToken).ConfigureAwait(false);
                CheckOnce();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                LogMessages.DiskMonitorFailed(_services.Logger, e);
            }
        }
    }

    /// <summary>
    /// Queues every referenced segment that has a fragment on one of <paramref name="disks"/> (every segment when
    /// null) and is short of a fragment: on a disk that is failed or draining, or (with <paramref name="checkFiles"/>)
    /// whose file is missing on an active disk; or whose fragments crowd a failure domain (<see cref="Crowding"/>).
    /// Returns how many it queued.
    /// </summary>
    public int Sweep(IReadOnlyCollection<string>? disks, bool checkFiles)
    {
        var set = _services.Storage;
        var queued = 0;
        foreach (var segment in _services.Index.ReferencedSegments())
        {
            if (segment.IsTiered || segment.Disks.All(d => d.Length == 0) || (disks is not null && !segment.Disks.Any(disks.Contains)))
            {
                continue;
            }

            var lost = 0;
            var moving = false;
            for (var i = 0; i < segment.Disks.Count; i++)
            {
                var diskId = segment.Disks[i];
                switch (set.StateOf(diskId))
                {
                    case DiskState.Failed:
                        lost++;
                        break;
                    case DiskState.Draining:
                        moving = true;
                        break;
                    case DiskState.Active when checkFiles && (disks is null || disks.Contains(diskId)) && !set.Absent.Contains(diskId):
                        // An absent node's files are unknown, not lost: the down-out interval decides that.
                        if (set.Disk(diskId)?.LastWriteTime(new FragmentId(segment.Segment, i)) is null)
                        {
                            lost++;
                        }

                        break;
                }
            }

            moving |= Crowding.Excess(set, segment.Disks, segment.DataShards, segment.ParityShards, set.DomainLevelOf(segment.DataShards, segment.ParityShards, null)).Count > 0;
            if ((lost > 0 || moving) && _services.Repairs.Enqueue(segment.Segment, segment.ParityShards - lost))
            {
                queued++;
            }
        }

        return queued;
    }

    /// <summary>
    /// Takes <paramref name="failed"/> as disks this monitor declared failed: a cluster's new coordinator adopts the
    /// failures its predecessor declared, so that such a disk coming back healthy is made active again.
    /// </summary>
    public void Adopt(IEnumerable<string> failed)
    {
        lock (_lock)
        {
            _autoFailed.UnionWith(failed);
        }
    }

    /// <summary>
    /// Sweeps once after an operator changed the state of several disks (a node drained, replaced or activated) and
    /// raises <see cref="TopologyChanged"/>; returns how many segments it queued.
    /// </summary>
    public int OnStatesSet(IReadOnlyCollection<string> diskIds, DiskState state)
    {
        lock (_lock)
        {
            _autoFailed.ExceptWith(diskIds);
        }

        var queued = Sweep(diskIds, checkFiles: state == DiskState.Active);
        TopologyChanged?.Invoke();
        return queued;
    }

    /// <summary>Sweeps after an operator changed a disk's state (drain, fail, activate) and raises <see cref="TopologyChanged"/>.</summary>
    public int OnStateSet(string diskId, DiskState state)
    {
        lock (_lock)
        {
            _autoFailed.Remove(diskId);
        }

        var queued = Sweep([diskId], checkFiles: state == DiskState.Active);
        TopologyChanged?.Invoke();
        return queued;
    }

    private void Report(string disk, string state, DiskProbe probe, int segments) =>
        LogMessages.DiskStateChanged(_services.Logger, disk, state, probe.ToString(), segments);
}
