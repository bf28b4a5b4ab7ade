using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;
using Tessera.Cluster.Storage;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Tests.Cluster;

/// <summary>
/// Bucket records in a real 3-member etcd: <see cref="EtcdBucketCatalog"/> alone and as the catalog of a
/// <see cref="RocksDbIndexStore"/> (reload, migration from RocksDB, a record changed behind its back, writes etcd does
/// not confirm).
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdBucketCatalogTests(EtcdClusterFixture etcd)
{
    private static readonly DateTimeOffset Created = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private static BucketInfo Bucket(string name, VersioningState versioning = VersioningState.Unversioned, string owner = "AKOWNER") =>
        new(name, owner, Created, "us-east-1", versioning);

    private static async Task<BucketRecord?> RawAsync(EtcdClient client, ControlPlaneOptions options, string name)
    {
        var response = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(options.KeyPrefix + "buckets/" + name) }, cancellationToken: Within.Ct);
        return response.Kvs.Count == 0 ? null : JsonSerializer.Deserialize(response.Kvs[0].Value.Span, ControlJsonContext.Default.BucketRecord);
    }

    [Fact]
    public async Task CreateUpdateDeleteAndListAreInEtcdAndAReloadSeesThem()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        var catalog = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        Assert.Empty(catalog.List());
        Assert.Null(catalog.Get("photos"));

        catalog.Put(Bucket("photos"));
        catalog.Put(Bucket("logs"));
        catalog.Put(Bucket("archive-2026", VersioningState.Enabled));
        catalog.Put(Bucket("photos", VersioningState.Suspended));
        Assert.Equal(["archive-2026", "logs", "photos"], catalog.List().Select(b => b.Name));
        Assert.Equal(Bucket("photos", VersioningState.Suspended), catalog.Get("photos"));

        // The record in etcd, as etcdctl shows it.
        var raw = await RawAsync(client, options, "photos");
        Assert.Equal(new BucketRecord { Name = "photos", Owner = "AKOWNER", Created = Created, Region = "us-east-1", Versioning = "suspended" }, raw);

        catalog.Delete("logs");
        catalog.Delete("never-there");
        Assert.Null(catalog.Get("logs"));
        Assert.Null(await RawAsync(client, options, "logs"));

        // Another instance (the index node restarted) loads exactly what the first one holds.
        var reloaded = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        Assert.Equal(catalog.List(), reloaded.List());
        Assert.Equal(Bucket("archive-2026", VersioningState.Enabled), reloaded.Get("archive-2026"));
        Within.Log($"loaded at revision {reloaded.LoadedRevision}: {string.Join(", ", reloaded.List().Select(b => b.Name + "=" + b.Versioning))}");

        // The reloaded copy carries the mod revisions: it goes on writing without a conflict.
        reloaded.Put(Bucket("archive-2026", VersioningState.Suspended));
        reloaded.Delete("photos");
        Assert.Equal([Bucket("archive-2026", VersioningState.Suspended)], (await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct)).List());
    }

    [Fact]
    public async Task AnIndexWithItsBucketsInEtcdKeepsNoneInRocksDbAndStillRefusesToDeleteANonEmptyBucket()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider(Created);
        var catalog = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        using (var index = new RocksDbIndexStore(directory.Path, time, new RocksDbIndexOptions(), catalog))
        {
            Assert.Equal(BucketCreateResult.Created, index.CreateBucket(Bucket("data")).Result);
            Assert.Equal(BucketCreateResult.Exists, index.CreateBucket(Bucket("data", owner: "AKOTHER")).Result);
            Assert.True(index.UpdateBucket(Bucket("data", VersioningState.Enabled)));
            Assert.False(index.UpdateBucket(Bucket("nothere")));
            var put = index.PutObject("data", StoreFixture.Manifest("k"));
            Assert.Equal(PutObjectStatus.Committed, put.Status);
            Assert.Equal(PutObjectStatus.NoSuchBucket, index.PutObject("nothere", StoreFixture.Manifest("k")).Status);

            // The emptiness check still reads RocksDB: the object (and then its delete marker) keeps the bucket.
            Assert.Equal(BucketDeleteResult.NotEmpty, index.DeleteBucket("data"));
            Assert.Equal("enabled", (await RawAsync(client, options, "data"))!.Versioning);
        }

        // The bucket record is in etcd only: the same database opened without the catalog has none.
        using (var bare = new RocksDbIndexStore(directory.Path, time))
        {
            Assert.Empty(bare.ListBuckets());
        }

        var reloaded = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        using (var index = new RocksDbIndexStore(directory.Path, time, new RocksDbIndexOptions(), reloaded))
        {
            Assert.Equal(Bucket("data", VersioningState.Enabled), index.GetBucket("data"));
            Assert.NotNull(index.GetObject("data", "k"));
            Assert.Equal(BucketDeleteResult.NoSuchBucket, index.DeleteBucket("nothere"));
            Assert.Equal(BucketCreateResult.Created, index.CreateBucket(Bucket("empty")).Result);
            Assert.Equal(BucketDeleteResult.Deleted, index.DeleteBucket("empty"));
            Assert.Null(await RawAsync(client, options, "empty"));
        }
    }

    [Fact]
    public async Task BucketsInRocksDbMoveToEtcdOnceAndEtcdsRecordWins()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider(Created);

        // A cluster from before buckets lived in etcd: its index node's RocksDB holds them.
        using (var old = new RocksDbIndexStore(directory.Path, time))
        {
            old.CreateBucket(Bucket("alpha"));
            old.CreateBucket(Bucket("beta", VersioningState.Enabled));
            old.CreateBucket(Bucket("gamma"));
            old.PutObject("beta", StoreFixture.Manifest("obj"));
        }

        // gamma is in etcd already (a move interrupted after its put, or recover-index re-created it): etcd's record stays.
        var seed = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        seed.Put(Bucket("gamma", VersioningState.Suspended, owner: "AKETCD"));

        var catalog = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        using (var index = new RocksDbIndexStore(directory.Path, time, new RocksDbIndexOptions(), catalog))
        {
            var moved = index.MoveBucketsToCatalog();
            Assert.Equal(["alpha", "beta"], moved.Select(b => b.Name));
            Assert.Equal(["alpha", "beta", "gamma"], index.ListBuckets().Select(b => b.Name));
            Assert.Equal(Bucket("gamma", VersioningState.Suspended, owner: "AKETCD"), index.GetBucket("gamma"));
            Assert.Equal(VersioningState.Enabled, index.GetBucket("beta")!.Versioning);
            Assert.NotNull(index.GetObject("beta", "obj"));
            Assert.Empty(index.MoveBucketsToCatalog());
        }

        using (var bare = new RocksDbIndexStore(directory.Path, time))
        {
            Assert.Empty(bare.ListBuckets());
        }

        Assert.Equal("enabled", (await RawAsync(client, options, "beta"))!.Versioning);
        var again = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        Assert.Equal(["alpha", "beta", "gamma"], again.List().Select(b => b.Name));

        // A single node's store has no catalog of its own: nothing moves, its buckets stay in RocksDB.
        using var single = new TempDirectory();
        using var local = new RocksDbIndexStore(single.Path, time);
        local.CreateBucket(Bucket("stays"));
        Assert.Empty(local.MoveBucketsToCatalog());
        Assert.Single(local.ListBuckets());
    }

    [Fact]
    public async Task RecoverIndexRefusesAnIndexWhoseBucketsAreInEtcdUnlessForced()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider(Created);
        var meta = Path.Combine(directory.Path, "meta");
        using (var index = new RocksDbIndexStore(meta, time, new RocksDbIndexOptions(), await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct)))
        {
            index.CreateBucket(Bucket("inuse"));
            index.PutObject("inuse", StoreFixture.Manifest("k"));
        }

        // No bucket record in RocksDB, but objects: an index in use, not a blank one.
        var refused = Assert.Throws<InvalidOperationException>(() => Tessera.Store.Recovery.IndexRecovery.Run(meta, [], "us-east-1", "AKROOT", force: false, time, TextWriter.Null));
        Assert.Contains("buckets or objects", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(meta, "CURRENT")));
    }

    [Fact]
    public async Task ARecordChangedBehindTheCatalogFailsTheWriteAndIsReloaded()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        var catalog = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        catalog.Put(Bucket("shared"));

        // Someone else (etcdctl, a second index node by mistake) rewrites the record.
        var foreign = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        foreign.Put(Bucket("shared", VersioningState.Enabled, owner: "AKFOREIGN"));
        foreign.Put(Bucket("sneaked"));

        Assert.Throws<StorageUnavailableException>(() => catalog.Put(Bucket("shared", VersioningState.Suspended)));
        Assert.Equal(Bucket("shared", VersioningState.Enabled, owner: "AKFOREIGN"), catalog.Get("shared"));
        Assert.Equal("enabled", (await RawAsync(client, options, "shared"))!.Versioning);

        // Create over a record the copy does not know: refused, and the copy learns it.
        Assert.Throws<StorageUnavailableException>(() => catalog.Put(Bucket("sneaked", owner: "AKMINE")));
        Assert.Equal(Bucket("sneaked"), catalog.Get("sneaked"));

        // With the copy current again, the next write goes through.
        catalog.Put(Bucket("shared", VersioningState.Suspended));
        Assert.Equal("suspended", (await RawAsync(client, options, "shared"))!.Versioning);
    }

    [Fact]
    public async Task EveryIndexCallAnswersAsTheLocalIndexDoesWithTheBucketsInEtcd()
    {
        var options = EtcdClusterFixture.Options();
        using var client = etcd.Client();
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        using var served = new TempDirectory();
        using var direct = new TempDirectory();
        using var behind = new RocksDbIndexStore(served.Path, time, new RocksDbIndexOptions(), await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct));
        using var local = new RocksDbIndexStore(direct.Path, time);
        await using var node = await IndexNodeHost.StartAsync(behind);
        using var http = RemoteDisk.CreateClient();
        using var remote = node.Client(http);

        var steps = RemoteIndexStoreTests.Script(time).ToList();
        foreach (var (name, step) in steps)
        {
            var expected = RemoteIndexStoreTests.Outcome(local, step);
            var actual = RemoteIndexStoreTests.Outcome(remote, step);
            Assert.True(expected == actual, $"{name}:\nlocal  {expected}\nremote {actual}");
        }

        Assert.Equal(local.ListBuckets(), (await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct)).List());
        Within.Log($"{steps.Count} calls compared; {local.ListBuckets().Count} buckets in etcd");
    }

    /// <summary>
    /// With etcd short of a quorum a bucket write is not confirmed: 503 (StorageUnavailable), and the bucket is unknown
    /// rather than guessed until etcd answers again; then the copy holds exactly what etcd committed.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task AWriteEtcdDoesNotConfirmLeavesTheBucketUnknownUntilEtcdAnswers()
    {
        await using var cluster = await EtcdCluster.StartAsync(3, TestContext.Current.CancellationToken);
        var options = new ControlPlaneOptions { RequestTimeout = TimeSpan.FromSeconds(1) };
        using var client = cluster.Client();
        var catalog = await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct);
        catalog.Put(Bucket("before"));

        var leader = await cluster.LeaderIndexAsync(Within.Ct);
        var followers = Enumerable.Range(0, 3).Where(i => i != leader).ToList();
        foreach (var i in followers)
        {
            cluster.Pause(i);
        }

        try
        {
            Assert.Throws<StorageUnavailableException>(() => catalog.Put(Bucket("during")));

            // Unknown: not answered from a guess (the leader may commit the proposal once it has followers again).
            Assert.Throws<StorageUnavailableException>(() => catalog.Get("during"));

            // Buckets whose records were confirmed are still served from memory.
            Assert.Equal(Bucket("before"), catalog.Get("before"));
        }
        finally
        {
            foreach (var i in followers)
            {
                cluster.Resume(i);
            }
        }

        await cluster.WaitHealthyAsync(Enumerable.Range(0, 3), Within.Ct);
        BucketInfo? seen = null;
        await Within.Seconds(30, Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    seen = catalog.Get("during");
                    return;
                }
                catch (StorageUnavailableException)
                {
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                }
            }
        }, TestContext.Current.CancellationToken), "the bucket read back from etcd");
        var raw = await RawAsync(client, options, "during");
        Within.Log($"after the quorum came back the uncertain put is {(raw is null ? "absent" : "committed")} in etcd; the copy answers {(seen is null ? "absent" : "present")}");
        Assert.Equal(raw?.ToBucketInfo(), seen);
        Assert.Equal(raw?.ToBucketInfo(), (await EtcdBucketCatalog.LoadAsync(client, options, cancellationToken: Within.Ct)).Get("during"));

        // And the next write is decided on what etcd holds.
        catalog.Put(Bucket("during", VersioningState.Enabled));
        Assert.Equal("enabled", (await RawAsync(client, options, "during"))!.Versioning);
    }
}
