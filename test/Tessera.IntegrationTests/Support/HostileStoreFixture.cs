using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>
/// A store for hostile-client tests: a 2-second idle-body timeout, at most 3 bodies read at once and 8 multipart
/// uploads per user (so the caps are reachable), and no background work that would change files under a test's
/// feet (scrub, snapshots, disk probes).
/// </summary>
public sealed class HostileStoreFixture : StoreFixture, IHostileTarget
{
    public const int IdleSeconds = 2;
    public const int MaxUploads = 3;
    public const int MaxMultipartUploads = 8;

    protected override void Configure(ServerOptions options)
    {
        options.BodyIdleTimeout = IdleSeconds;
        options.MaxUploads = MaxUploads;
        options.MaxMultipartUploads = MaxMultipartUploads;
        options.ScrubInterval = 0;
        options.SnapshotInterval = 0;
        options.DiskCheckInterval = 0;
    }

    public int ActiveUploads => Server.Services.Uploads.Active;

    /// <summary>Every file under the data disks (the index directory aside) with its length: what a refused request must not change.</summary>
    public IReadOnlyList<string> DiskFiles()
    {
        var meta = Path.Combine(DataDirectory, "meta");
        return System.IO.Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(meta, StringComparison.Ordinal))
            .Select(f => $"{Path.GetRelativePath(DataDirectory, f)}:{new FileInfo(f).Length}")
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
