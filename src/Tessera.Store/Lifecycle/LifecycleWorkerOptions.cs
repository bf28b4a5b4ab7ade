namespace Tessera.Store;

/// <summary>How the <see cref="LifecycleWorker"/> runs.</summary>
public sealed record LifecycleWorkerOptions
{
    /// <summary>The length of a lifecycle day: rules count in it, and a pass starts at each of its boundaries. Default 24 h.</summary>
    public TimeSpan Day { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Versions and uploads listed per second at most; 0 = unlimited. Default 1,000.</summary>
    public long ScanRate { get; init; } = 1000;

    /// <summary>Entries per listing page (at most 1,000, the index's page limit). Default 1,000.</summary>
    public int PageSize { get; init; } = 1000;
}
