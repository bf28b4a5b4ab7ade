namespace Tessera.Cluster.Storage;

/// <summary>Timeouts of <see cref="RemoteDisk"/> calls.</summary>
public sealed record RemoteDiskOptions
{
    /// <summary>A small call (stat, delete, list, probe, header): default 5 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A reachability probe: default 2 s. Shorter than <see cref="CallTimeout"/>: a probe is the cheapest call there is,
    /// and against a link that drops packets every probe waits out its whole timeout, so the timeout sets how soon a
    /// cut node leaves placement.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>One block read: default 10 s.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one block of a fragment write, or its commit, may wait on the other node: default 10 s. A slower node
    /// loses the fragment (the write goes on with the others while k + 1 remain).
    /// </summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
