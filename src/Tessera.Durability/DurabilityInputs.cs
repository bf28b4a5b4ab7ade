namespace Tessera.Durability;

/// <summary>
/// Everything the durability model needs: the code, the topology and placement rule, disk reliability,
/// repair speed, the amount of data, and the rates of correlated events for the simulator.
/// Time is in years (8766 hours, 365.25 days) unless a member says otherwise.
/// </summary>
public sealed record DurabilityInputs
{
    /// <summary>Hours in a year (365.25 days).</summary>
    public const double HoursPerYear = 8766;

    /// <summary>Data fragments per stripe (k).</summary>
    public int DataShards { get; init; } = 4;

    /// <summary>Parity fragments per stripe (m): a stripe survives the loss of any m fragments.</summary>
    public int ParityShards { get; init; } = 2;

    /// <summary>Disks in the cluster (D).</summary>
    public int Disks { get; init; } = 6;

    /// <summary>Failure domains (racks); disks are spread over them as evenly as possible.</summary>
    public int Racks { get; init; } = 1;

    /// <summary>At most this many fragments of one stripe in one rack (f); null means k + m (no limit).</summary>
    public int? MaxPerRack { get; init; }

    /// <summary>Annual failure rate of one disk, a probability (0.02 = 2%).</summary>
    public double Afr { get; init; } = 0.02;

    /// <summary>Capacity of one disk, bytes.</summary>
    public double DiskCapacityBytes { get; init; } = 20e12;

    /// <summary>Fraction of each disk that holds fragments and must be rebuilt after a failure.</summary>
    public double FillRatio { get; init; } = 0.7;

    /// <summary>Bytes per second at which the content of one failed disk is rebuilt.</summary>
    public double RepairBandwidthBytesPerSecond { get; init; } = 100e6;

    /// <summary>Time from a failure until repair starts (detection, timeouts, operator).</summary>
    public TimeSpan DetectionDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A fixed mean time to repair, overriding detection delay + rebuild time when set.</summary>
    public TimeSpan? RepairTime { get; init; }

    /// <summary>Stripes stored (S); null means a full cluster of 256 KiB shards.</summary>
    public double? Stripes { get; init; }

    /// <summary>Bytes per shard, used only to derive the stripe count of a full cluster.</summary>
    public double ShardSizeBytes { get; init; } = 262144;

    /// <summary>Whole-rack failures per rack per year (simulator only).</summary>
    public double RackFailuresPerYear { get; init; }

    /// <summary>How long a failed rack's fragments stay lost: a rack failure is destructive (fire, flood, a bad controller), its disks' data are rebuilt within this time.</summary>
    public TimeSpan RackRepairTime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Disks of a bad batch, chosen at random (simulator only).</summary>
    public int BatchDisks { get; init; }

    /// <summary>Multiplier of the failure rate of the bad batch.</summary>
    public double BatchMultiplier { get; init; } = 1;

    /// <summary>Power events per year in the whole cluster; each takes out a fraction of one rack's disks.</summary>
    public double PowerEventsPerYear { get; init; }

    /// <summary>Fraction of a rack's disks a power event takes out.</summary>
    public double PowerEventFraction { get; init; } = 0.5;

    /// <summary>How long disks taken out by a power event stay down; the simulator counts their fragments as missing meanwhile (a pessimistic bound: data that come back were unavailable, not lost).</summary>
    public TimeSpan PowerOutage { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Fragments per stripe (n = k + m).</summary>
    public int Width => DataShards + ParityShards;

    /// <summary>The effective per-rack limit f.</summary>
    public int PerRackLimit => MaxPerRack ?? Width;

    /// <summary>Disk failure rate per year: λ = −ln(1 − AFR), so that P(fail within a year) = AFR.</summary>
    public double LambdaPerYear => -Math.Log(1 - Afr);

    /// <summary>Bytes to rebuild for one failed disk.</summary>
    public double BytesToRebuild => DiskCapacityBytes * FillRatio;

    /// <summary>Mean time to repair one disk, hours: detection delay + bytes to rebuild / repair bandwidth (or <see cref="RepairTime"/>).</summary>
    public double MttrHours => RepairTime?.TotalHours ?? (DetectionDelay.TotalHours + (BytesToRebuild / RepairBandwidthBytesPerSecond / 3600));

    /// <summary>Repair rate per year: μ = 1 / MTTR.</summary>
    public double MuPerYear => HoursPerYear / MttrHours;

    /// <summary>The stripe count: <see cref="Stripes"/>, or the stripes that fill every disk to the fill ratio.</summary>
    public double StripeCount => Stripes ?? Math.Max(1, Math.Floor(Disks * BytesToRebuild / (Width * ShardSizeBytes)));

    /// <summary>Disks in rack r: disk d is in rack ⌊d·R/D⌋.</summary>
    public int RackSize(int rack) => (int)((((long)(rack + 1) * Disks) + Racks - 1) / Racks) - (int)((((long)rack * Disks) + Racks - 1) / Racks);

    /// <summary>Throws <see cref="ArgumentException"/> when the inputs cannot describe a cluster.</summary>
    public void Validate()
    {
        if (DataShards < 1 || ParityShards < 0)
        {
            throw new ArgumentException("Need k >= 1 and m >= 0.");
        }

        if (Disks < Width)
        {
            throw new ArgumentException($"{Disks} disks cannot hold {Width} fragments of a stripe on distinct disks.");
        }

        if (Racks < 1 || Racks > Disks)
        {
            throw new ArgumentException("Need 1 <= racks <= disks.");
        }

        if (PerRackLimit < 1 || Enumerable.Range(0, Racks).Sum(r => Math.Min(PerRackLimit, RackSize(r))) < Width)
        {
            throw new ArgumentException($"At most {PerRackLimit} fragments per rack over {Racks} racks cannot place {Width} fragments.");
        }

        if (Afr is <= 0 or >= 1)
        {
            throw new ArgumentException("AFR must be in (0, 1).");
        }

        if (FillRatio is < 0 or > 1 || DiskCapacityBytes <= 0 || RepairBandwidthBytesPerSecond <= 0)
        {
            throw new ArgumentException("Need a positive disk size and repair bandwidth and a fill ratio in [0, 1].");
        }

        if (MttrHours <= 0)
        {
            throw new ArgumentException("The repair time must be positive.");
        }

        if (StripeCount < 1 || BatchDisks < 0 || BatchDisks > Disks || BatchMultiplier <= 0)
        {
            throw new ArgumentException("Need at least one stripe, 0 <= batch disks <= disks and a positive batch multiplier.");
        }

        if (RackFailuresPerYear < 0 || PowerEventsPerYear < 0 || PowerEventFraction is < 0 or > 1)
        {
            throw new ArgumentException("Event rates must be >= 0 and the power event fraction in [0, 1].");
        }
    }
}
