namespace Tessera.Server;

/// <summary>
/// Every setting of <c>tessera server</c>, resolved. Each is declared once in <see cref="Settings"/> (flag,
/// environment variable, file key, parser, description); docs/reference/configuration.md is generated from there.
/// Tests set these directly.
/// </summary>
public sealed class ServerOptions
{
    /// <summary><c>address</c>: where to listen. Default <c>127.0.0.1:9000</c>.</summary>
    public string Address { get; set; } = "127.0.0.1:9000";

    /// <summary>
    /// Positional arguments, <c>disks</c>: one data directory (which then holds disk1…disk6 and
    /// meta), or the disk directories themselves (MinIO style, <c>/mnt/disk{1...6}</c> expands).
    /// </summary>
    public List<DiskOptions> Disks { get; set; } = [];

    /// <summary><c>metaDir</c>: where the index lives.</summary>
    public string? MetaDir { get; set; }

    /// <summary><c>region</c>: the region to answer for. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary><c>domains</c>: virtual-hosted-style domains. Default <c>localhost</c>.</summary>
    public List<string> Domains { get; set; } = ["localhost"];

    /// <summary><c>usersFile</c>: JSON list of further users.</summary>
    public string? UsersFile { get; set; }

    /// <summary><c>rootUser</c>: the root access key.</summary>
    public string? RootUser { get; set; }

    /// <summary><c>rootPassword</c>: the root secret key.</summary>
    public string? RootPassword { get; set; }

    /// <summary><c>ec</c>: the erasure code as <c>k+m</c>. Default 4+2 (fewer disks: fitted to them).</summary>
    public string? ErasureCode { get; set; }

    /// <summary><c>storageClasses</c>: the erasure code of particular S3 storage classes; others use <c>ec</c>.</summary>
    public Dictionary<string, string> StorageClasses { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Remote tiers by name: the URL of each (see the <c>tiers</c> setting).</summary>
    public Dictionary<string, string> Tiers { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>shardSize</c>: bytes per shard of a stripe. Default 262144.</summary>
    public int ShardSize { get; set; } = 256 * 1024;

    /// <summary><c>domainLevel</c>: disk, node, rack or zone. Default disk.</summary>
    public string DomainLevel { get; set; } = "disk";

    /// <summary><c>gcGraceSeconds</c>: seconds before garbage fragments go. Default 300.</summary>
    public int GarbageGraceSeconds { get; set; } = 300;

    /// <summary>
    /// <c>bodyIdleTimeout</c>: seconds a request body may
    /// send nothing before RequestTimeout. Default 20.
    /// </summary>
    public int BodyIdleTimeout { get; set; } = 20;

    /// <summary><c>lifecycleDay</c>: seconds in a lifecycle day. Default 86400.</summary>
    public int LifecycleDaySeconds { get; set; } = 86400;

    /// <summary><c>lifecycleScanRate</c>: versions and uploads per second the lifecycle worker lists at most; 0 = unlimited. Default 1000.</summary>
    public long LifecycleScanRate { get; set; } = 1000;

    /// <summary><c>restoreDelay</c>: seconds a RestoreObject waits before it copies (a simulated retrieval). Default 0.</summary>
    public int RestoreDelaySeconds { get; set; }

    /// <summary><c>maxUploads</c>: request bodies read at once; 0 = no cap. Default 256.</summary>
    public int MaxUploads { get; set; } = 256;

    /// <summary>
    /// <c>maxUploadsPerConnection</c>: /// request bodies read at once on one connection; 0 = no cap. Default 8.
    /// </summary>
    public int MaxUploadsPerConnection { get; set; } = 8;

    /// <summary>
    /// <c>maxMultipartUploads</c>: multipart
    /// uploads in progress per user; 0 = no cap. Default 10000.
    /// </summary>
    public int MaxMultipartUploads { get; set; } = 10_000;

    /// <summary><c>minPartSize</c>: smallest multipart part but the last, bytes. Default 5 MiB (S3's).</summary>
    public long MinPartSize { get; set; } = 5L * 1024 * 1024;

    /// <summary>
    /// <c>scrubRate</c>: bytes per second the background scrubber reads
    /// at most; 0 = unlimited. Default 50 MiB/s.
    /// </summary>
    public long ScrubRate { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// <c>scrubInterval</c>: seconds between scrub passes; 0 = no
    /// background scrub. Default 86400 (daily).
    /// </summary>
    public int ScrubInterval { get; set; } = 86400;

    /// <summary>Bytes per second repair writes at most (rebuilt fragment data), 0 = unlimited.</summary>
    public long RepairBandwidth { get; set; } = 200L * 1024 * 1024;

    /// <summary>Segments repaired at once in the background, 0 = no background repair.</summary>
    public int RepairWorkers { get; set; } = 2;

    /// <summary>Seconds between disk health probes (failed and replaced disks are found by them), 0 = off.</summary>
    public int DiskCheckInterval { get; set; } = 10;

    /// <summary>
    /// <c>snapshotInterval</c>: seconds between index
    /// snapshots onto the data disks; 0 = none. Default 900.
    /// </summary>
    public int SnapshotInterval { get; set; } = 900;

    /// <summary>
    /// <c>smallObjectCopies</c>: write a segment as
    /// m + 1 copies (RS(1, m)) when that takes no more disk space than RS(k, m) (<see cref="Storage.ErasurePolicy.CopySmallSegments"/>).
    /// Default true.
    /// </summary>
    public bool SmallObjectCopies { get; set; } = true;

    /// <summary><c>nodeId</c>: this node's id in a cluster; null = the machine name.</summary>
    public string? NodeId { get; set; }

    /// <summary><c>storageAddress</c>: where this node serves its disks to the others; null = no storage port.</summary>
    public string? StorageAddress { get; set; }

    /// <summary><c>clusterSecret</c>: the secret nodes authenticate each other with.</summary>
    public string? ClusterSecret { get; set; }

    /// <summary><c>etcd</c>: the control plane's endpoints; null = a single node.</summary>
    public string? Etcd { get; set; }

    /// <summary><c>indexNode</c>: the node holding the cluster's index.</summary>
    public string? IndexNode { get; set; }

    /// <summary>
    /// <c>indexGroups</c>: the etcd clusters of the range-sharded index (<c>NAME=URL[,URL...]</c> entries separated by
    /// <c>;</c>, or <c>control</c>); null = the index on <see cref="IndexNode"/>.
    /// </summary>
    public string? IndexGroups { get; set; }

    /// <summary><c>leaseTtl</c>: seconds a registration outlives its last keep-alive. Default 10.</summary>
    public int LeaseTtl { get; set; } = 10;

    /// <summary><c>clusterWait</c>: seconds a starting node waits for enough nodes. Default 120.</summary>
    public int ClusterWait { get; set; } = 120;

    /// <summary><c>downOutInterval</c>: seconds a disk may fail its probes before it is declared failed; null = 0 alone, 600 in a cluster.</summary>
    public int? DownOutInterval { get; set; }

    /// <summary><c>quiet</c>: no banner, warnings-only logging.</summary>
    public bool Quiet { get; set; }
}
