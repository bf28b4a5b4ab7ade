using System.Text;
using System.Text.Json;

namespace Tessera.Server;

/// <summary>
/// Every setting of <c>tessera server</c>, each declared once (see <see cref="Setting"/>). Adding a setting is a new
/// field here, in <see cref="All"/>, and a property on <see cref="ServerOptions"/>: its flag, variable, file key,
/// validation and reference section follow from the declaration.
/// </summary>
internal static class Settings
{
    /// <summary><c>disks</c>.</summary>
    public static readonly Setting Disks = new()
    {
        Key = "disks",
        Env = "TESSERA_DISKS",
        Heading = "positional arguments, `TESSERA_DISKS`",
        IsList = true,
        Help = "A data directory (holds disk1..disk6 and meta), or the disk directories: /mnt/disk{1...6}.",
        Description = """
            One directory: the embedded default. It holds six disks `disk1` … `disk6` and the index in `meta`
            (`tessera server ./data`). Several directories, or MinIO's ellipsis (`/mnt/disk{1...6}`, ranges multiply), are
            the disks themselves. In the file, a disk is a path or an object with `path`, `zone`, `rack`, `node`, `weight`.
            Unset labels make the disk its own domain (zone and rack = the disk id, node = this machine).
            """,
        Apply = static (o, v) => o.Disks = [.. v.Select(DiskOf)],
    };

    /// <summary><c>address</c>.</summary>
    public static readonly Setting Address = new()
    {
        Key = "address",
        Flag = "--address",
        Env = "TESSERA_ADDRESS",
        Help = "HOST:PORT to listen on (default 127.0.0.1:9000).",
        Description = """
            `HOST:PORT` to listen on. Default `127.0.0.1:9000`. `:9000` listens on every interface.
            """,
        Apply = static (o, v) => o.Address = Setting.Single("address", v),
    };

    /// <summary><c>metaDir</c>.</summary>
    public static readonly Setting MetaDir = new()
    {
        Key = "metaDir",
        Flag = "--meta-dir",
        Env = "TESSERA_META_DIR",
        Help = "Directory of the index (default meta inside one data directory).",
        Description = """
            Where the RocksDB index and the generated root credentials live. Default: `meta` inside a single data directory,
            otherwise `tessera-meta` beside the first disk.
            """,
        Apply = static (o, v) => o.MetaDir = Setting.Single("metaDir", v),
    };

    /// <summary><c>region</c>.</summary>
    public static readonly Setting Region = new()
    {
        Key = "region",
        Flag = "--region",
        Env = "TESSERA_REGION",
        Help = "Region to answer for (default us-east-1).",
        Description = """
            The region the store answers for. Signatures must be scoped to it (AuthorizationHeaderMalformed otherwise), and a
            CreateBucket location constraint must name it. Default `us-east-1`.
            """,
        Apply = static (o, v) => o.Region = Setting.Single("region", v),
    };

    /// <summary><c>domains</c>.</summary>
    public static readonly Setting Domains = new()
    {
        Key = "domains",
        Flag = "--domain",
        Env = "TESSERA_DOMAINS",
        Heading = "`--domain` (repeatable), `TESSERA_DOMAINS` (comma-separated)",
        IsList = true,
        Help = "Domain for virtual-hosted-style buckets (repeatable; default localhost).",
        Description = """
            Domains for virtual-hosted-style requests: Host `bucket.s3.example.com` addresses `bucket` when
            `s3.example.com` is listed. Default `localhost`. Path-style requests always work.
            """,
        Apply = static (o, v) => o.Domains = [.. v],
    };

    /// <summary><c>rootUser</c>.</summary>
    public static readonly Setting RootUser = new()
    {
        Key = "rootUser",
        Env = "TESSERA_ROOT_USER",
        Heading = "`TESSERA_ROOT_USER` (or `TESSERA_ROOT_USER_FILE`)",
        IsSecret = true,
        Help = "The root access key.",
        Description = """
            The root access key and secret key (at least 8 characters). When neither is set, a pair is generated on first
            start, kept in `metaDir/root-credentials.json` (mode 0600) and printed.
            """,
        Apply = static (o, v) => o.RootUser = Setting.Single("rootUser", v),
    };

    /// <summary><c>rootPassword</c>.</summary>
    public static readonly Setting RootPassword = new()
    {
        Key = "rootPassword",
        Env = "TESSERA_ROOT_PASSWORD",
        Heading = "`TESSERA_ROOT_PASSWORD` (or `TESSERA_ROOT_PASSWORD_FILE`)",
        IsSecret = true,
        Help = "The root secret key.",
        Description = """
            The root secret key, set together with `rootUser` (see there).
            """,
        Apply = static (o, v) => o.RootPassword = Setting.Single("rootPassword", v),
    };

    /// <summary><c>usersFile</c>.</summary>
    public static readonly Setting UsersFile = new()
    {
        Key = "usersFile",
        Flag = "--users-file",
        Env = "TESSERA_USERS_FILE",
        Help = "JSON list of users {accessKey, secretKey, canonicalId, displayName}.",
        Description = """
            A JSON list of further users: `[{"accessKey": "…", "secretKey": "…", "canonicalId": "…", "displayName": "…"}]`.
            `canonicalId` defaults to the SHA-256 of the access key. Each user owns the buckets it creates; other users get
            AccessDenied on them. In a cluster (`etcd`) a node publishes these users to etcd at start, each unless etcd
            already holds a user with that access key (etcd's record stays), and every node authenticates every user
            in etcd: one node's file is enough (docs/design/cluster.md).
            """,
        Apply = static (o, v) => o.UsersFile = Setting.Single("usersFile", v),
    };

    /// <summary><c>ec</c>.</summary>
    public static readonly Setting Ec = new()
    {
        Key = "ec",
        Flag = "--ec",
        Env = "TESSERA_EC",
        Help = "Erasure code k+m[@level] (default 4+2).",
        Description = """
            The erasure code `k+m`, or `k+m@level` to name the failure-domain level too (it then overrides `domainLevel`).
            Default `4+2` with six or more disks; with fewer, a third of the disks (at least one) carry parity. The code must fit the disks and domains: placement refuses at start a policy that losing one
            domain would break.
            """,
        Apply = static (o, v) => o.ErasureCode = Setting.Single("ec", v),
    };

    /// <summary><c>storageClasses</c>.</summary>
    public static readonly Setting StorageClasses = new()
    {
        Key = "storageClasses",
        Flag = "--storage-class",
        Env = "TESSERA_STORAGE_CLASSES",
        Heading = "`--storage-class CLASS=k+m[@level]` (repeatable), `TESSERA_STORAGE_CLASSES` (`CLASS=k+m[@level],…`)",
        IsList = true,
        Help = "Erasure code and domain level of a storage class, CLASS=k+m[@level] (repeatable), e.g. STANDARD_IA=8+4@rack.",
        Description = """
            The erasure code of particular storage classes and, after `@`, the failure-domain level they spread over (default:
            `domainLevel`), e.g. `{"REDUCED_REDUNDANCY": "4+1@disk", "STANDARD_IA": "8+4@rack"}`; objects of other classes
            (STANDARD included) use `ec`. A PUT, copy or multipart part with `x-amz-storage-class`
            is coded with its class's policy; every policy is validated against the disks and domains at start.
            `CLASS=tier:NAME` puts a class in the remote tier `NAME` (see `tiers`): a lifecycle transition (or
            `tessera admin transition`) to it moves the version's bytes there; a PUT naming the class is written to the
            disks with `ec`, and stays there until a transition moves it.
            """,
        Apply = static (o, v) => AddClasses(o, v),
    };

    /// <summary><c>tiers</c>.</summary>
    public static readonly Setting Tiers = new()
    {
        Key = "tiers",
        Flag = "--tier",
        Env = "TESSERA_TIERS",
        Heading = "`--tier NAME=URL` (repeatable), `TESSERA_TIERS` (`NAME=URL,…`)",
        IsList = true,
        Help = "A remote tier, NAME=http[s]://ACCESS_KEY:SECRET_KEY@host:port/bucket[/prefix/][?region=R] (repeatable).",
        Description = """
            Remote tiers: other S3-compatible stores (Amazon S3, MinIO, another Tessera) that hold the bytes of objects
            transitioned to a storage class placed in them (`storageClasses`: `CLASS=tier:NAME`), as MinIO's tiers do,
            e.g. `{"COLD": "http://AKID:SECRET@10.0.0.5:9000/tessera-tier/site-a/"}`. The URL names the endpoint, the
            bucket (which must exist), a key prefix, the credentials (percent-encoded) and, with `?region=`, the region
            (default `us-east-1`). The store owns everything under the prefix: its garbage collector deletes remote objects
            there that no version references, so two stores must never share one. Reads of tiered objects stream from the
            tier; while it does not answer they fail with 503 ServiceUnavailable and transitions wait. Prefer the file or
            the variable to the flag: the URL holds a secret.
            """,
        Apply = static (o, v) => AddTiers(o, v),
    };

    /// <summary><c>shardSize</c>.</summary>
    public static readonly Setting ShardSize = new()
    {
        Key = "shardSize",
        Flag = "--shard-size",
        Env = "TESSERA_SHARD_SIZE",
        Help = "Bytes per shard of a stripe (default 262144).",
        Description = """
            Bytes of each shard of a stripe (4 KiB to 16 MiB). Default 262144: a 1 MiB stripe for 4+2.
            """,
        Apply = static (o, v) => o.ShardSize = (int)Setting.Integer("shardSize", v, 4096, 16 * 1024 * 1024),
    };

    /// <summary><c>domainLevel</c>.</summary>
    public static readonly Setting DomainLevel = new()
    {
        Key = "domainLevel",
        Flag = "--domain-level",
        Env = "TESSERA_DOMAIN_LEVEL",
        Help = "Failure-domain level fragments spread over: disk, node, rack, zone (default disk).",
        Description = """
            The failure-domain level fragments spread over: `disk`, `node`, `rack` or `zone`. Default `disk`.
            """,
        Apply = static (o, v) => o.DomainLevel = Setting.Single("domainLevel", v),
    };

    /// <summary><c>gcGraceSeconds</c>.</summary>
    public static readonly Setting GcGrace = new()
    {
        Key = "gcGraceSeconds",
        Flag = "--gc-grace",
        Env = "TESSERA_GC_GRACE",
        Help = "Seconds before fragments of replaced versions are deleted (default 300).",
        Description = """
            Seconds the fragments of replaced and deleted versions wait before deletion, so reads that began on the old
            version finish. Default 300.
            """,
        Apply = static (o, v) => o.GarbageGraceSeconds = (int)Setting.Integer("gcGraceSeconds", v, 0, int.MaxValue),
    };

    /// <summary><c>minPartSize</c>.</summary>
    public static readonly Setting MinPartSize = new()
    {
        Key = "minPartSize",
        Flag = "--min-part-size",
        Env = "TESSERA_MIN_PART_SIZE",
        Help = "Smallest multipart part but the last, bytes (default 5242880, as S3).",
        Description = """
            Smallest size, in bytes, of every part of a multipart upload but the last (CompleteMultipartUpload answers
            EntityTooSmall below it). Default 5242880, as Amazon S3; lower it only for tests.
            """,
        Apply = static (o, v) => o.MinPartSize = Setting.Integer("minPartSize", v, 1),
    };

    /// <summary><c>scrubRate</c>.</summary>
    public static readonly Setting ScrubRate = new()
    {
        Key = "scrubRate",
        Flag = "--scrub-rate",
        Env = "TESSERA_SCRUB_RATE",
        Help = "Bytes per second the background scrubber reads at most, 0 = unlimited (default 52428800).",
        Description = """
            Bytes per second the background scrubber reads at most (a token bucket over the blocks it verifies); `0` means
            unlimited. Default 52428800 (50 MiB/s).
            """,
        Apply = static (o, v) => o.ScrubRate = Setting.Integer("scrubRate", v, 0),
    };

    /// <summary><c>scrubInterval</c>.</summary>
    public static readonly Setting ScrubInterval = new()
    {
        Key = "scrubInterval",
        Flag = "--scrub-interval",
        Env = "TESSERA_SCRUB_INTERVAL",
        Help = "Seconds between scrub passes, 0 = off (default 86400).",
        Description = """
            Seconds between scrub passes, the first one interval after the start; `0` turns the background scrub off. A pass
            reads every fragment of every referenced segment and verifies every block checksum, checks each fragment header
            against its manifest, and counts missing and corrupt fragments, fragments no manifest references (orphans, left to
            the garbage collector) and disks whose directory is missing or unreadable. It repairs nothing; the summary is logged
            (event 1010, and 1011 when it found damage). Default 86400 (daily).
            """,
        Apply = static (o, v) => o.ScrubInterval = (int)Setting.Integer("scrubInterval", v, 0, int.MaxValue),
    };

    /// <summary><c>repairBandwidth</c>.</summary>
    public static readonly Setting RepairBandwidth = new()
    {
        Key = "repairBandwidth",
        Flag = "--repair-bandwidth",
        Env = "TESSERA_REPAIR_BANDWIDTH",
        Help = "Bytes per second repair writes at most, 0 = unlimited (default 209715200).",
        Description = """
            Bytes per second of rebuilt fragment data that repair writes at most (a token bucket shared by the two repair
            workers); `0` means unlimited. Default 209715200 (200 MiB/s). `tessera admin status` shows the throughput repair
            actually reached, which `tessera durability --store` feeds into the model.
            """,
        Apply = static (o, v) => o.RepairBandwidth = Setting.Integer("repairBandwidth", v, 0),
    };

    /// <summary><c>repairWorkers</c>.</summary>
    public static readonly Setting RepairWorkers = new()
    {
        Key = "repairWorkers",
        Flag = "--repair-workers",
        Env = "TESSERA_REPAIR_WORKERS",
        Help = "Segments repaired at once in the background, 0 = none (default 2).",
        Description = """
            Segments repaired at once in the background, always the least redundant first. `0` turns background repair off
            (damage is still found and queued; `tessera admin status` shows the queue). Default 2.
            """,
        Apply = static (o, v) => o.RepairWorkers = (int)Setting.Integer("repairWorkers", v, 0, 1024),
    };

    /// <summary><c>diskCheckInterval</c>.</summary>
    public static readonly Setting DiskCheckInterval = new()
    {
        Key = "diskCheckInterval",
        Flag = "--disk-check-interval",
        Env = "TESSERA_DISK_CHECK_INTERVAL",
        Help = "Seconds between disk health probes, 0 = off (default 10).",
        Description = """
            Seconds between disk health probes. A probe checks that the disk directory is there, carries the disk's identity
            file (`tessera-disk.id`) and takes a small synced write. A disk that fails it is marked failed and its fragments are
            queued for repair elsewhere; a blank directory where a disk was (a replacement) is formatted and refilled; a disk
            that failed a probe and passes again is active again. `0` turns the probes off. Default 10.
            """,
        Apply = static (o, v) => o.DiskCheckInterval = (int)Setting.Integer("diskCheckInterval", v, 0, int.MaxValue),
    };

    /// <summary><c>snapshotInterval</c>.</summary>
    public static readonly Setting SnapshotInterval = new()
    {
        Key = "snapshotInterval",
        Flag = "--snapshot-interval",
        Env = "TESSERA_SNAPSHOT_INTERVAL",
        Help = "Seconds between index snapshots onto the data disks, 0 = off (default 900).",
        Description = """
            Seconds between index snapshots, the first one interval after the start; `0` turns them off. Each snapshot is a
            consistent copy of the whole index (one RocksDB snapshot, streamed while requests go on) written to every data disk
            as `index-snapshots/snapshot-<utc time>-<sequence>.tsnap`; the two newest are kept per disk. With the fragment
            trailers and completion records they let `tessera admin recover-index` rebuild a lost metadata directory
            ([index recovery](../design/index-recovery.md)). Logged as event 2000 (2001 on failure). Default 900.
            """,
        Apply = static (o, v) => o.SnapshotInterval = (int)Setting.Integer("snapshotInterval", v, 0, int.MaxValue),
    };

    /// <summary><c>smallObjectCopies</c>.</summary>
    public static readonly Setting SmallObjectCopies = new()
    {
        Key = "smallObjectCopies",
        Flag = "--small-object-copies",
        Env = "TESSERA_SMALL_OBJECT_COPIES",
        Help = "Write objects small enough that m+1 copies take no more space than k+m fragments as copies (default true).",
        Description = """
            Store a segment (an object, or a part) as m + 1 copies, that is RS(1, m), when that takes no more disk space than its
            class's RS(k, m): up to 11,240 bytes for RS(4,2) and RS(8,4), 15,336 for RS(10,4), 35,816 for RS(17,3) (and never
            more than one shard). The copies survive the same m failures, spread over the class's failure domains like its
            fragments; a PUT writes and fsyncs m + 1 files instead of k + m, and a GET reads one file instead of k. The banner
            prints the limit. `false` codes every segment. Default `true`. See [small objects](../design/erasure-coding.md#small-objects-as-copies).
            """,
        Apply = static (o, v) => o.SmallObjectCopies = Setting.Boolean("smallObjectCopies", v),
    };

    /// <summary><c>bodyIdleTimeout</c>.</summary>
    public static readonly Setting BodyIdleTimeout = new()
    {
        Key = "bodyIdleTimeout",
        Flag = "--body-idle-timeout",
        Env = "TESSERA_BODY_IDLE_TIMEOUT",
        Help = "Seconds a request body may send nothing before RequestTimeout (default 20).",
        Description = """
            Seconds a request body may send nothing before the request fails with 400 RequestTimeout and its connection is
            closed (Kestrel's own minimum data rate is an average from the start of the body, so a client that stalls after a
            fast start would otherwise hold its connection and its upload's open files for many minutes). Default 20, about
            Amazon S3's.
            """,
        Apply = static (o, v) => o.BodyIdleTimeout = (int)Setting.Integer("bodyIdleTimeout", v, 1, int.MaxValue),
    };

    /// <summary><c>lifecycleDay</c>.</summary>
    public static readonly Setting LifecycleDay = new()
    {
        Key = "lifecycleDay",
        Flag = "--lifecycle-day",
        Env = "TESSERA_LIFECYCLE_DAY",
        Help = "Seconds in a lifecycle day (default 86400; tests shorten it).",
        Description = """
            Seconds in a lifecycle "day": the days of lifecycle rules are counted in it, and due times round up to the next
            multiple of it from the Unix epoch, as Amazon S3 rounds to the next midnight UTC (which the default, 86400,
            gives). Shorten it only to test rules (Ceph's `rgw_lc_debug_interval`): with 10, a rule of 3 days expires an
            object 30 to 40 seconds after it was written. See [lifecycle](../design/lifecycle.md).
            """,
        Apply = static (o, v) => o.LifecycleDaySeconds = (int)Setting.Integer("lifecycleDay", v, 1, int.MaxValue),
    };

    /// <summary><c>lifecycleScanRate</c>.</summary>
    public static readonly Setting LifecycleScanRate = new()
    {
        Key = "lifecycleScanRate",
        Flag = "--lifecycle-scan-rate",
        Env = "TESSERA_LIFECYCLE_SCAN_RATE",
        Help = "Versions and uploads per second the lifecycle worker lists at most, 0 = unlimited (default 1000).",
        Description = """
            Object versions, delete markers and multipart uploads per second the lifecycle worker lists at most (a token
            bucket over the entries of its listing pages); `0` means unlimited. Default 1000. A pass over N objects under
            lifecycle rules takes at least N / rate seconds, and must fit in a lifecycle day for every due action to be
            taken within a day of its due time. See [lifecycle](../design/lifecycle.md#the-worker).
            """,
        Apply = static (o, v) => o.LifecycleScanRate = Setting.Integer("lifecycleScanRate", v, 0),
    };

    /// <summary><c>restoreDelay</c>.</summary>
    public static readonly Setting RestoreDelay = new()
    {
        Key = "restoreDelay",
        Flag = "--restore-delay",
        Env = "TESSERA_RESTORE_DELAY",
        Help = "Seconds a RestoreObject of an archived object waits before it copies (default 0).",
        Description = """
            Seconds a RestoreObject of a GLACIER or DEEP_ARCHIVE object waits before the worker copies the archived bytes
            into their temporary STANDARD copy: a simulated archive retrieval, during which HEAD answers
            `x-amz-restore: ongoing-request="true"` (tests set a few seconds to see it). Default 0: the copy starts at
            once. See [lifecycle](../design/lifecycle.md#archive-classes-and-restoreobject).
            """,
        Apply = static (o, v) => o.RestoreDelaySeconds = (int)Setting.Integer("restoreDelay", v, 0, int.MaxValue),
    };

    /// <summary><c>maxUploads</c>.</summary>
    public static readonly Setting MaxUploads = new()
    {
        Key = "maxUploads",
        Flag = "--max-uploads",
        Env = "TESSERA_MAX_UPLOADS",
        Help = "Request bodies read at once, 0 = no cap (default 256); past it, 503 SlowDown.",
        Description = """
            Request bodies read at once in the process (PUTs, parts, POSTs, XML documents). Past it a request gets 503
            SlowDown before its body is read, and every S3 client retries with back-off. Each upload holds pooled buffers and
            k + m open fragment files, so this bounds memory and file descriptors whatever the clients do. `0` means no cap.
            Default 256.
            """,
        Apply = static (o, v) => o.MaxUploads = (int)Setting.Integer("maxUploads", v, 0, int.MaxValue),
    };

    /// <summary><c>maxUploadsPerConnection</c>.</summary>
    public static readonly Setting MaxUploadsPerConnection = new()
    {
        Key = "maxUploadsPerConnection",
        Flag = "--max-uploads-per-connection",
        Env = "TESSERA_MAX_UPLOADS_PER_CONNECTION",
        Help = "Request bodies read at once on one connection, 0 = no cap (default 8).",
        Description = """
            Request bodies read at once on one connection (HTTP/2 multiplexes streams; HTTP/1.1 has one at a time). Past it,
            503 SlowDown. `0` means no cap. Default 8.
            """,
        Apply = static (o, v) => o.MaxUploadsPerConnection = (int)Setting.Integer("maxUploadsPerConnection", v, 0, int.MaxValue),
    };

    /// <summary><c>maxMultipartUploads</c>.</summary>
    public static readonly Setting MaxMultipartUploads = new()
    {
        Key = "maxMultipartUploads",
        Flag = "--max-multipart-uploads",
        Env = "TESSERA_MAX_MULTIPART_UPLOADS",
        Help = "Multipart uploads in progress per user, 0 = no cap (default 10000).",
        Description = """
            Multipart uploads one user may have in progress at once (in the buckets they own). CreateMultipartUpload past it is
            503 SlowDown until some are completed or aborted. `0` means no cap. Default 10000.
            """,
        Apply = static (o, v) => o.MaxMultipartUploads = (int)Setting.Integer("maxMultipartUploads", v, 0, int.MaxValue),
    };

    /// <summary><c>quiet</c>.</summary>
    public static readonly Setting Quiet = new()
    {
        Key = "quiet",
        Flag = "--quiet",
        Env = "TESSERA_QUIET",
        IsSwitch = true,
        Help = "No banner; log warnings only.",
        Description = """
            No banner; log warnings only.
            """,
        Apply = static (o, v) => o.Quiet = Setting.Boolean("quiet", v),
    };

    /// <summary><c>nodeId</c>.</summary>
    public static readonly Setting NodeId = new()
    {
        Key = "nodeId",
        Flag = "--node-id",
        Env = "TESSERA_NODE_ID",
        Help = "This node's id in a cluster (default the machine name).",
        Description = """
            This node's id in a cluster: its disks are named `<node-id>-disk<i>` there and labelled with it as their node, so
            placement spreads a stripe over nodes. Letters, digits, `.`, `_` and `-`. Default: the machine name.
            """,
        Apply = static (o, v) => o.NodeId = Setting.Single("nodeId", v),
    };

    /// <summary><c>storageAddress</c>.</summary>
    public static readonly Setting StorageAddress = new()
    {
        Key = "storageAddress",
        Flag = "--storage-address",
        Env = "TESSERA_STORAGE_ADDRESS",
        Help = "HOST:PORT where this node serves its disks to the other nodes (cluster mode; off by default).",
        Description = """
            `HOST:PORT` where this node serves its own disks to the other nodes of a cluster (the storage endpoint: fragment
            writes that answer after fsync, verified block reads, stat, list, delete, probe). Requests there must carry the
            cluster secret's HMAC; S3 credentials mean nothing on it, and the S3 port never serves it. Off by default: a
            single-node store serves no storage port. Needs `clusterSecret`.
            """,
        Apply = static (o, v) => o.StorageAddress = Setting.Single("storageAddress", v),
    };

    /// <summary><c>clusterSecret</c>.</summary>
    public static readonly Setting ClusterSecret = new()
    {
        Key = "clusterSecret",
        Flag = "--cluster-secret",
        Env = "TESSERA_CLUSTER_SECRET",
        IsSecret = true,
        Help = "The secret nodes of a cluster authenticate each other with (at least 16 characters).",
        Description = """
            The secret every node of a cluster shares: node-to-node requests carry an HMAC-SHA256 of their method, path, node id
            and time under it, refused when more than 5 minutes off. At least 16 characters. Prefer the variable or the file to
            the flag, which other users of the machine can see.
            """,
        Apply = static (o, v) => o.ClusterSecret = Setting.Single("clusterSecret", v),
    };

    /// <summary><c>etcd</c>.</summary>
    public static readonly Setting Etcd = new()
    {
        Key = "etcd",
        Flag = "--etcd",
        Env = "TESSERA_ETCD",
        Help = "Comma-separated etcd client URLs: run as a node of the cluster they coordinate (off by default).",
        Description = """
            The etcd endpoints of the cluster's control plane, comma-separated (`http://10.0.0.1:2379,http://10.0.0.2:2379`).
            With it this process is a node of a cluster: it registers itself and its disks under a lease, places fragments on
            every registered node's disks (spread over nodes: disk ids are `<nodeId>-disk<i>`, labelled with the node), and
            serves its own disks on `storageAddress`. Needs `nodeId`, `storageAddress`, `clusterSecret` and `indexNode` or `indexGroups`.
            Without it (the default) the store is a single node and needs no etcd. See [the cluster](../design/cluster.md).
            """,
        Apply = static (o, v) => o.Etcd = Setting.Single("etcd", v),
    };

    /// <summary><c>indexNode</c>.</summary>
    public static readonly Setting IndexNode = new()
    {
        Key = "indexNode",
        Flag = "--index-node",
        Env = "TESSERA_INDEX_NODE",
        Help = "The node whose RocksDB holds the cluster's index (cluster mode).",
        Description = """
            The id of the node that holds the cluster's index in its RocksDB and serves it to the other nodes' gateways on its
            storage port; it also runs the cluster's maintenance (repair, disk monitoring, garbage collection, scrub). Every node
            of a cluster names the same one. `indexGroups` replaces it with the range-sharded index on etcd (issue 16).
            """,
        Apply = static (o, v) => o.IndexNode = Setting.Single("indexNode", v),
    };

    /// <summary><c>indexGroups</c>.</summary>
    public static readonly Setting IndexGroups = new()
    {
        Key = "indexGroups",
        Flag = "--index-groups",
        Env = "TESSERA_INDEX_GROUPS",
        Help = "The etcd clusters of the range-sharded index: NAME=URL[,URL...] entries separated by ';', or 'control' (cluster mode; instead of indexNode).",
        Description = """
            Runs the cluster on the range-sharded index in etcd (issue 16) instead of one index node: every node's gateway reads
            and writes the index itself, in the **index groups** named here, routed by the range directory in the control plane
            (`/tessera/index/`). Entries `NAME=URL[,URL...]` separated by `;` (`g1=http://10.0.1.1:2379,http://10.0.1.2:2379;g2=http://10.0.2.1:2379`),
            or `control`: one group `g1` on the control plane's own etcd. A group keeps its keys under `/tessera/idx/<NAME>/` in its
            etcd. The first node to start creates the directory with one range over the whole keyspace on the first group; groups
            added to the list later join the directory (empty until ranges move to them: `tessera admin index move`). Every node
            should name the same groups. Bucket records are read from etcd by every node; garbage collection and automatic range
            splits run on the elected coordinator; index snapshots do not apply (back up each group with `etcdctl snapshot save`).
            Needs `etcd`; not with `indexNode`.
            """,
        Apply = static (o, v) => o.IndexGroups = Setting.Single("indexGroups", v),
    };

    /// <summary><c>leaseTtl</c>.</summary>
    public static readonly Setting LeaseTtl = new()
    {
        Key = "leaseTtl",
        Flag = "--lease-ttl",
        Env = "TESSERA_LEASE_TTL",
        Help = "Seconds a node's registration outlives its last keep-alive (cluster mode; default 10).",
        Description = """
            Seconds a node's registration in etcd outlives its last keep-alive (renewed every third of it): how long a node
            that died still counts as a member. Default 10.
            """,
        Apply = static (o, v) => o.LeaseTtl = (int)Setting.Integer("leaseTtl", v, 2, 3600),
    };

    /// <summary><c>clusterWait</c>.</summary>
    public static readonly Setting ClusterWait = new()
    {
        Key = "clusterWait",
        Flag = "--cluster-wait",
        Env = "TESSERA_CLUSTER_WAIT",
        Help = "Seconds a starting node waits for enough nodes to hold the erasure policy (default 120).",
        Description = """
            Seconds a starting node waits for the registered nodes' disks to hold every erasure policy, and for the index node
            to register, before it gives up with exit code 2. Default 120.
            """,
        Apply = static (o, v) => o.ClusterWait = (int)Setting.Integer("clusterWait", v, 1, 86400),
    };

    /// <summary><c>downOutInterval</c>.</summary>
    public static readonly Setting DownOutInterval = new()
    {
        Key = "downOutInterval",
        Flag = "--down-out-interval",
        Env = "TESSERA_DOWN_OUT_INTERVAL",
        Help = "Seconds a disk may fail its probes before it is declared failed and repaired elsewhere (default 0; 600 in a cluster).",
        Description = """
            Seconds a disk must fail its probes without a break before it is declared failed and its fragments are rebuilt
            elsewhere (Ceph's `mon_osd_down_out_interval`). Meanwhile reads are degraded and writes skip it, but nothing is
            moved: a node that reboots does not set off a storm of repair. Default 0 (at once) for a single node, whose disks are
            local; 600 when `etcd` is set.
            """,
        Apply = static (o, v) => o.DownOutInterval = (int)Setting.Integer("downOutInterval", v, 0, int.MaxValue),
    };

    /// <summary>Every setting, in the reference's order.</summary>
    public static readonly IReadOnlyList<Setting> All = [Disks, Address, MetaDir, Region, Domains, RootUser, RootPassword, UsersFile, Ec, StorageClasses, Tiers, ShardSize, DomainLevel, GcGrace, MinPartSize, ScrubRate, ScrubInterval, RepairBandwidth, RepairWorkers, DiskCheckInterval, SnapshotInterval, SmallObjectCopies, BodyIdleTimeout, LifecycleDay, LifecycleScanRate, RestoreDelay, MaxUploads, MaxUploadsPerConnection, MaxMultipartUploads, NodeId, StorageAddress, ClusterSecret, Etcd, IndexNode, IndexGroups, LeaseTtl, ClusterWait, DownOutInterval, Quiet];

    /// <summary>The setting with this configuration-file key, or null.</summary>
    public static Setting? ByKey(string key) => All.FirstOrDefault(s => s.Key == key);

    /// <summary>The "## Keys" section of docs/reference/configuration.md, generated from <see cref="All"/>.</summary>
    public static string Reference()
    {
        var text = new StringBuilder();
        foreach (var s in All)
        {
            var names = s.Heading ?? (s.Flag is null ? $"`{s.Env}`" : $"`{s.Flag}`, `{s.Env}`");
            text.Append("### `").Append(s.Key).Append("` — ").Append(names).Append('\n');
            text.Append(s.Description).Append("\n\n");
        }

        return text.ToString().TrimEnd() + "\n";
    }

    private static DiskOptions DiskOf(string value) =>
        value.StartsWith('{')
            ? JsonSerializer.Deserialize(value, ConfigJson.Default.DiskOptions) ?? throw new ArgumentException("disks: an empty disk object.")
            : new DiskOptions { Path = value };

    private static void AddTiers(ServerOptions options, IReadOnlyList<string> entries)
    {
        foreach (var (name, url) in Pairs(entries, "Tier: expected NAME=http[s]://ACCESS_KEY:SECRET_KEY@host:port/bucket/prefix/."))
        {
            _ = Tiering.TierOptions.Parse(name, url); // Refused here, with the setting's name, when malformed.
            options.Tiers[name] = url;
        }
    }

    private static void AddClasses(ServerOptions options, IReadOnlyList<string> entries)
    {
        foreach (var (storageClass, code) in Pairs(entries, "Storage class: expected CLASS=k+m, e.g. REDUCED_REDUNDANCY=4+1."))
        {
            options.StorageClasses[storageClass] = code;
        }
    }

    /// <summary>Splits <c>NAME=VALUE</c> entries at their first '=' (both sides trimmed); <paramref name="expected"/> when one has no name.</summary>
    private static IEnumerable<(string Name, string Value)> Pairs(IReadOnlyList<string> entries, string expected)
    {
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException(expected);
            }

            yield return (entry[..eq].Trim(), entry[(eq + 1)..].Trim());
        }
    }
}
