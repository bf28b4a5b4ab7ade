using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// <see cref="IIndexStore"/> on etcd, range-sharded over several etcd clusters (index groups): a
/// <see cref="IRangeDirectory"/> says which group holds which range of object coordinates (<c>bucket 00 key</c>), and
/// every record of an object lives in its coordinate's group, so each S3 mutation is one etcd Txn in one group. Key
/// layout: <see cref="EtcdIndexKeys"/>; values: <see cref="ManifestSerializer"/> and <see cref="EtcdRecords"/>.
/// </summary>
/// <remarks>
/// <para><b>Fence.</b> Every request to a group, read or write, is one Txn whose first compare is the group's fence
/// (<see cref="GroupFence"/>) against the generation of the route it used. When the fence moved (a range moved or is
/// moving) the store refreshes the directory and retries the call from scratch
/// (<see cref="EtcdIndexOptions.MaxFenceRetries"/>, then 503). Writes to a frozen range wait
/// (<see cref="EtcdIndexOptions.FrozenWait"/>, then 503); reads proceed.</para>
/// <para><b>Object mutations</b> (PutObject, ReplaceManifest, DeleteObject, CreateUpload, CompleteUpload,
/// AbortUpload, ReplaceSegmentDisks) are optimistic transactions in place of RocksDB's object locks
/// (<see cref="ObjectMutation"/>): they read what they need at one revision R, then commit one Txn that compares the
/// fence, the mod revision of the object's guard (<c>0C 'K' bucket 00 key</c>; absent = 0), the bucket's marker when
/// they need the bucket, and whatever else they relied on, and puts the guard, so two mutations of one object conflict;
/// the loser retries from its reads after a jittered backoff (<see cref="EtcdIndexOptions.MaxAttempts"/>, then 503).
/// PutPart does not take the guard: it compares the upload record and its own part record, so parts of one upload
/// upload in parallel without conflicts; CompleteUpload and AbortUpload compare the upload record and that no part
/// changed since R (a compare over the part prefix), so a part stored after they read fails them.</para>
/// <para><b>Sequences</b> without a counter: a new version or upload of a key gets max(R + 1, newest sequence of that
/// key + 1), so a key's sequences (and generated version ids, <c>v</c> + 16 hex digits) increase, also after its range
/// moved to a group whose revisions are lower. They are not unique across keys.</para>
/// <para><b>Buckets.</b> Records stay in the <see cref="IBucketCatalog"/> given to the store. Every group also holds a
/// marker <c>01 'B' bucket</c> whose value is the bucket's versioning state: object mutations decide versioning from
/// it and compare it, and a mutation that finds none answers NoSuchBucket (or retries while the catalog still has the
/// bucket: a DeleteBucket may be about to put it back). CreateBucket writes the record, then the markers;
/// UpdateBucket the markers, then the record; DeleteBucket deletes the markers group by group, each in a Txn that
/// compares that the bucket's latest, version, upload and part keyspaces in that group are empty, puts them all back
/// when a group is not empty (BucketNotEmpty), and deletes the record when all are gone. A write racing a DeleteBucket
/// therefore either commits before the marker of its group is deleted (and the delete is refused) or finds no marker.
/// Bucket changes of one bucket are serialized in this instance; like <c>EtcdBucketCatalog</c>, the catalog has one
/// writer, so bucket changes go through one store instance while object mutations may come from any.</para>
/// <para><b>etcd's limits</b> (1.5 MiB a request, 128 operations a Txn) hold for any call: parts are deleted with one
/// DeleteRange, a completion does not rewrite its parts' segment references (they resolve through the completion
/// link <c>0E 'X'</c>), a manifest larger than <see cref="EtcdIndexOptions.MaxInlineManifestBytes"/> keeps its
/// segments in a chunk set written before the commit, and released segments beyond
/// <see cref="EtcdIndexOptions.MaxInlineGarbageBytes"/> go to a chunk set named by the garbage batch. The store refuses
/// to send a Txn over the limits (a bug, not a state): <see cref="Stats"/> counts what it sent.</para>
/// <para><b>Reads</b> are linearizable: a read-only Txn with the fence compare goes through the leader; the reads of one
/// call to one group are at one revision. A listing walks the bucket's routes in key order, one revision per group.
/// Calls that ask every group (garbage, segment lookups, ReferencedSegments) merge their answers; a record found in a
/// group that no longer routes its coordinate is a copy left by a move and is ignored.</para>
/// </remarks>
public sealed partial class EtcdIndexStore : IIndexStore
{
    /// <summary>The S3 version id of the version an unversioned or suspended bucket writes.</summary>
    public const string NullVersionId = "null";

    private const int BucketLockStripes = 64;

    private readonly IRangeDirectory _directory;
    private readonly IBucketCatalog _buckets;
    private readonly Lock[] _bucketLocks = [.. Enumerable.Range(0, BucketLockStripes).Select(_ => new Lock())];
    private int _disposed;

    /// <summary>Creates the store over <paramref name="directory"/>'s groups.</summary>
    /// <param name="directory">Where the ranges live (not disposed here; its groups' clients neither).</param>
    /// <param name="buckets">The bucket records (an <c>EtcdBucketCatalog</c> in a cluster).</param>
    /// <param name="time">Clock for garbage timestamps, delete markers and completions.</param>
    /// <param name="options">Tuning; defaults when null.</param>
    public EtcdIndexStore(IRangeDirectory directory, IBucketCatalog buckets, TimeProvider time, EtcdIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentNullException.ThrowIfNull(time);
        Options = options ?? new EtcdIndexOptions();
        Options.Validate();
        _directory = directory;
        _buckets = buckets;
        Time = time;
    }

    /// <summary>The options.</summary>
    internal EtcdIndexOptions Options { get; }

    /// <summary>The clock.</summary>
    internal TimeProvider Time { get; }

    /// <summary>What the store sent to etcd (tests check etcd's limits with it).</summary>
    internal TxnStats Stats { get; } = new();

    /// <summary>Marks the store disposed; the directory and its clients belong to the caller.</summary>
    public void Dispose() => Interlocked.Exchange(ref _disposed, 1);

    /// <summary>Not supported: etcd has its own snapshots (<c>etcdctl snapshot save</c> of each index group).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public IndexSnapshotInfo WriteSnapshot(Stream destination) =>
        throw new NotSupportedException("The etcd index has no index snapshots of its own: back up each index group with etcdctl snapshot save.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private Lock BucketLock(string bucket) => _bucketLocks[(uint)StringComparer.Ordinal.GetHashCode(bucket) % BucketLockStripes];
}
