using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using Tessera.Linearizability;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// Issue 16's "split and move under load": a bucket of 20,000 objects in one range on group g1 is split at its middle
/// key and the upper half moves to g2 while (a) the register workload runs on keys on both sides of the boundary
/// through three gateways that cache the directory, (b) writers overwrite and create keys of the moving range, counting
/// acknowledged writes, and (c) a lister pages through the bucket again and again. Every key's register history is
/// linearizable, no acknowledged write is lost, no write to the moving range waits more than 2 s, every LIST holds each
/// key once (and every key committed before it began), and after the grace period g1 keeps nothing of the range, and
/// neither group keeps a chunk set no record names.
/// </summary>
public sealed class LargeMoveUnderLoadTests
{
    private const string Bucket = "b";
    private const int BigObjects = 40;
    private const int BigSegments = 40;
    private const int Writers = 3;
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>The issue's 20,000 objects (<c>TESSERA_MOVE_OBJECTS</c> overrides, for measuring).</summary>
    private static int Objects => int.TryParse(Environment.GetEnvironmentVariable("TESSERA_MOVE_OBJECTS"), CultureInfo.InvariantCulture, out var n) ? n : 20_000;

    [Fact]
    public async Task HalfOfTwentyThousandKeysMovesUnderTheRegisterWorkloadWritersAndListings()
    {
        var n = Objects;
        var clusters = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => EtcdCluster.StartAsync(1, Within.Ct)));
        try
        {
            using var control = clusters[0].Client();
            using var g1 = clusters[1].Client();
            using var g2 = clusters[2].Client();
            var prefix = "/t" + Guid.NewGuid().ToString("n")[..8] + "/";
            var groupPrefix = prefix + "idx/";
            GroupRecord Group(string name, int i) => new() { Name = name, Endpoints = clusters[i].Endpoints, KeyPrefix = groupPrefix };
            var groups = new[] { Group("g1", 1), Group("g2", 2) };

            // Small inline limit: the 40-segment manifests of the big objects are kept in chunk sets.
            var options = new EtcdIndexOptions { MaxInlineManifestBytes = 1024 };
            using var gateways = await IndexGateways.OpenAsync(control, prefix, groups, 3, options, Bucket);
            var stores = gateways.Stores;

            // The coordinator's own directory and mover.
            using var coordinator = await EtcdRangeDirectory.OpenAsync(control, new ControlPlaneOptions { KeyPrefix = prefix }, groups, cancellationToken: Within.Ct);
            var mover = new RangeMover(coordinator, EtcdIndexLayout.Instance);

            // 1. Load: n small objects and 40 big ones (chunked manifests), all in one range on g1.
            var boundary = K(n / 2);
            var baseKeys = Enumerable.Range(0, n).Select(K).ToList();
            var bigKeys = Enumerable.Range(0, BigObjects).Select(j => K(j * (n / BigObjects)) + "-big").ToList();
            var clock = Stopwatch.StartNew();
            await ParallelAsync(16, baseKeys.Count + bigKeys.Count, (i, worker) =>
            {
                var key = i < baseKeys.Count ? baseKeys[i] : bigKeys[i - baseKeys.Count];
                var manifest = i < baseKeys.Count ? StoreFixture.Manifest(key, etag: "e0") : StoreFixture.Manifest(key, etag: "big0", segments: BigSegments);
                Assert.Equal(PutObjectStatus.Committed, stores[worker % stores.Count].PutObject(Bucket, manifest).Status);
            });
            var loadTime = clock.Elapsed;
            Within.Log($"loaded {n:N0} objects and {BigObjects} chunked ones in {loadTime.TotalSeconds:F1} s ({(n + BigObjects) / loadTime.TotalSeconds:F0}/s)");
            Assert.Equal(BigObjects, (await ChunkSetsAsync(g1, groupPrefix)).Sets);

            // 2. Split at the middle key: the directory only.
            await mover.SplitAsync(IndexCoordinates.Of(Bucket, boundary), Within.Ct);
            bool Moving(string key) => string.CompareOrdinal(key, boundary) >= 0;

            // 3. The load: register workload, writers of the moving range, a lister.
            var registerKeys = Enumerable.Range(0, 10).Select(i => K(n / 4) + "-r" + i).Concat(Enumerable.Range(0, 10).Select(i => K(3 * n / 4) + "-r" + i)).ToList();
            var running = true;
            var register = RegisterWorkload.RunAsync(stores, Bucket, registerKeys, () => Volatile.Read(ref running), seed: 1600);
            var writes = new Writes();
            var writers = Enumerable.Range(0, Writers).Select(w => OnThread(() => Write(stores[w % stores.Count], w, n, writes, () => Volatile.Read(ref running))))
                .Append(OnThread(() => WriteBig(stores[0], bigKeys.Where(Moving).ToList(), writes, () => Volatile.Read(ref running))))
                .ToList();
            var listings = new Listings(baseKeys.Concat(bigKeys).ToHashSet(StringComparer.Ordinal), registerKeys.ToHashSet(StringComparer.Ordinal), writes);
            var lister = OnThread(() => listings.Run(stores[2], () => Volatile.Read(ref running)));

            await Within.Seconds(30, WhenAsync(() => writes.Acknowledged >= 100 && listings.Count >= 1), "100 acknowledged writes and a LIST before the move");

            // 4. The move of the upper half, while all of that runs.
            var moveStart = Stopwatch.GetTimestamp();
            listings.MoveStart = moveStart;
            var report = await mover.MoveAsync(IndexCoordinates.Of(Bucket, boundary), "g2", Grace, Within.Ct);
            var moveEnd = Stopwatch.GetTimestamp();
            listings.MoveEnd = moveEnd;

            // A full LIST begun after the move, then stop.
            var listsBefore = listings.Count;
            await Within.Seconds(60, WhenAsync(() => listings.Count >= listsBefore + 2), "two LISTs after the move");
            Volatile.Write(ref running, false);
            var run = await register;
            foreach (var thread in writers.Append(lister))
            {
                await thread;
            }

            // 5. The register histories.
            var result = LinearizabilityChecker.Check(RegisterModel.Instance, run.History, TimeSpan.FromSeconds(120));

            // Longest wait of a write to the moving range, from the clients: register writes and the writers'.
            var registerWrites = run.History.Where(o => RegisterWorkload.IsWrite(o.Input) && Moving(o.Input.Key)).Select(o => (o.Call, o.Return, Ok: !o.IsIndeterminate));
            var movingWrites = writes.Attempts.Concat(registerWrites).ToList();
            var longest = movingWrites.Max(a => Stopwatch.GetElapsedTime(a.Call, a.Return));
            var acknowledgedTimes = movingWrites.Where(a => a.Ok).Select(a => a.Return).Where(t => t > moveStart && t < moveEnd).Order().ToList();
            var gap = acknowledgedTimes.Zip(acknowledgedTimes.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).DefaultIfEmpty().Max();

            Within.Log($"move of {n / 2:N0} objects: {report.PreCopied:N0} records pre-copied in {report.PreCopyTime.TotalSeconds:F2} s ({report.PreCopied / report.PreCopyTime.TotalSeconds:F0} records/s, {n / 2 / report.PreCopyTime.TotalSeconds:F0} keys/s) over {report.PreCopyRounds} rounds, "
                + $"{report.DeltaCopied} in the frozen delta; writes held {report.Frozen.TotalMilliseconds:F0} ms ({string.Join(", ", report.FrozenPhases.Select(p => $"{p.Phase} {p.Took.TotalMilliseconds:F0} ms"))}); {report.DependentsDropped} chunk sets no copied record named any more dropped from g2; {report.Removed:N0} records removed from g1 after {Grace.TotalSeconds:F0} s");
            Within.Log($"clients: {movingWrites.Count:N0} writes to the moving range ({writes.Acknowledged:N0} acknowledged by the writers, {writes.Failed} failed), the slowest {longest.TotalMilliseconds:F0} ms, the longest gap between acknowledgements during the move {gap.TotalMilliseconds:F0} ms; "
                + $"{listings.Count} LISTs ({listings.DuringMove} begun during the move, {listings.AfterMove} after), the slowest {listings.Slowest.TotalMilliseconds:F0} ms");
            Within.Log($"register: {run.Summary}; checker: {result.Outcome}, {run.History.Count:N0} operations checked in {result.Elapsed.TotalMilliseconds:F0} ms");

            Assert.True(result.IsOk, result.ToString());
            Assert.True(run.Succeeded >= 200, $"only {run.Succeeded} register operations succeeded");
            Assert.Empty(listings.Violations);
            Assert.True(listings.DuringMove >= 1, "no LIST began during the move");
            Assert.True(longest <= MaxPause, $"a write to the moving range took {longest.TotalMilliseconds:F0} ms");
            Assert.True(gap <= MaxPause, $"writes to the moving range paused {gap.TotalMilliseconds:F0} ms");
            Assert.Equal(0, writes.Failed);

            // 6. Nothing acknowledged is lost: every written key reads back (GET through another gateway) ...
            var written = writes.Latest.Keys.ToList();
            await ParallelAsync(8, written.Count, (i, worker) =>
            {
                var key = written[i];
                Assert.Equal(writes.Latest[key], stores[(worker + 1) % stores.Count].GetObject(Bucket, key)?.ETag);
            });

            // ... and a final LIST holds exactly the keys there are, each with its last acknowledged value.
            var existingRegisterKeys = registerKeys.Where(k => stores[1].GetObject(Bucket, k) is not null).ToHashSet(StringComparer.Ordinal);
            var final = ListAll(stores[1]);
            var expected = baseKeys.Concat(bigKeys).Concat(writes.Created).Concat(existingRegisterKeys).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Count, final.Count);
            Assert.Equal(expected, final.Select(o => o.Key).ToList());
            foreach (var manifest in final.Where(o => !existingRegisterKeys.Contains(o.Key)))
            {
                var etag = writes.Latest.TryGetValue(manifest.Key, out var last) ? last : manifest.Key.EndsWith("-big", StringComparison.Ordinal) ? "big0" : "e0";
                Assert.True(etag == manifest.ETag, $"{manifest.Key}: listed {manifest.ETag}, acknowledged {etag}");
            }

            Within.Log($"final LIST: {final.Count:N0} keys ({n:N0} loaded, {BigObjects} big, {writes.Created.Count} created, {existingRegisterKeys.Count} register keys); {written.Count:N0} written keys read back");

            // 7. After the grace period g1 holds nothing of the range; no chunk set is left that no record names.
            Assert.Equal("g2", coordinator.Route(IndexCoordinates.Of(Bucket, boundary)).Group.Name);
            var rangeStart = IndexCoordinates.Of(Bucket, boundary);
            foreach (var space in EtcdIndexLayout.Instance.ObjectSpaces)
            {
                Assert.Equal(0, await CountAsync(g1, groupPrefix, [.. space, .. rangeStart], [.. space, .. IndexCoordinates.BucketEnd(Bucket)]));
                Assert.True(await CountAsync(g2, groupPrefix, [.. space, .. IndexCoordinates.BucketStart(Bucket)], [.. space, .. rangeStart]) == 0, "g2 holds records of the range that stayed");
            }

            var references = await ScanAsync(g1, groupPrefix, EtcdIndexLayout.Instance.ReferenceSpace, EtcdIndexKeys.End(EtcdIndexLayout.Instance.ReferenceSpace), keysOnly: false);
            Assert.DoesNotContain(references, kv => EtcdIndexLayout.Instance.ReferenceOwner(kv.Value.Span).AsSpan().SequenceCompareTo(rangeStart) >= 0);
            var (setsInG1, orphansInG1) = await ChunkSetsAsync(g1, groupPrefix);
            var (setsInG2, orphansInG2) = await ChunkSetsAsync(g2, groupPrefix);
            Within.Log($"chunk sets: g1 {setsInG1} ({orphansInG1.Count} named by no record), g2 {setsInG2} ({orphansInG2.Count} named by no record)");
            Assert.Empty(orphansInG1);
            Assert.Empty(orphansInG2);
            Assert.True(setsInG2 >= BigObjects / 2, $"g2 holds {setsInG2} chunk sets for {BigObjects / 2} big objects");
        }
        finally
        {
            foreach (var cluster in clusters)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    private static string K(int i) => "k" + i.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writer <paramref name="w"/> of <see cref="Writers"/>: overwrites keys of the moving range it alone writes (index
    /// mod <see cref="Writers"/>), and creates new ones there, 5 ms apart.
    /// </summary>
    private static void Write(IIndexStore index, int w, int n, Writes writes, Func<bool> keepGoing)
    {
        var random = new Random(w);
        for (var serial = 0; keepGoing(); serial++)
        {
            var i = n / 2 + (random.Next(n / 2 / Writers) * Writers) + w;
            var create = random.Next(10) < 3;
            var key = create ? $"{K(i)}-w{w}-{serial}" : K(i);
            writes.Attempt(index, key, $"w{w}-{serial}", created: create, segments: 1);
            Thread.Sleep(5);
        }
    }

    /// <summary>Overwrites the big objects of the moving range (new chunk sets each time), 20 ms apart.</summary>
    private static void WriteBig(IIndexStore index, List<string> keys, Writes writes, Func<bool> keepGoing)
    {
        for (var serial = 0; keepGoing(); serial++)
        {
            writes.Attempt(index, keys[serial % keys.Count], $"big{serial + 1}", created: false, segments: BigSegments);
            Thread.Sleep(20);
        }
    }

    /// <summary>A task on a thread of its own (the index calls block).</summary>
    private static Task OnThread(Action body) => Task.Factory.StartNew(body, Within.Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on <paramref name="workers"/> threads.</summary>
    private static Task ParallelAsync(int workers, int count, Action<int, int> body)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, workers).Select(worker => OnThread(() =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                body(i, worker);
            }
        })));
    }

    private static async Task WhenAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20, Within.Ct);
        }
    }

    private static List<ObjectManifest> ListAll(IIndexStore index)
    {
        var listed = new List<ObjectManifest>();
        string? marker = null;
        do
        {
            var page = index.ListObjects(Bucket, new ListObjectsQuery("", null, marker, 1000));
            listed.AddRange(page.Objects);
            marker = page.IsTruncated ? page.NextMarker ?? page.Objects[^1].Key : null;
        }
        while (marker is not null);
        return listed;
    }

    private static async Task<long> CountAsync(EtcdClient client, string groupPrefix, byte[] from, byte[] to)
    {
        var prefix = Encoding.UTF8.GetBytes(groupPrefix);
        var response = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFrom([.. prefix, .. from]), RangeEnd = ByteString.CopyFrom([.. prefix, .. to]), CountOnly = true }, cancellationToken: Within.Ct);
        return response.Count;
    }

    /// <summary>Every record of <c>[from, to)</c> in a group (keys with the group's prefix).</summary>
    private static async Task<List<Mvccpb.KeyValue>> ScanAsync(EtcdClient client, string groupPrefix, byte[] from, byte[] to, bool keysOnly)
    {
        var prefix = Encoding.UTF8.GetBytes(groupPrefix);
        var records = new List<Mvccpb.KeyValue>();
        var key = ByteString.CopyFrom([.. prefix, .. from]);
        var end = ByteString.CopyFrom([.. prefix, .. to]);
        while (true)
        {
            var page = await client.GetAsync(new RangeRequest { Key = key, RangeEnd = end, Limit = 2000, KeysOnly = keysOnly }, cancellationToken: Within.Ct);
            records.AddRange(page.Kvs);
            if (!page.More)
            {
                return records;
            }

            key = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }
    }

    /// <summary>The chunk sets of a group, and those that no version, latest pointer, garbage batch or staged marker names.</summary>
    private static async Task<(int Sets, List<Guid> Orphans)> ChunkSetsAsync(EtcdClient client, string groupPrefix)
    {
        var length = Encoding.UTF8.GetByteCount(groupPrefix);
        var chunkSpace = EtcdIndexKeys.ChunkSpace.ToArray();
        var sets = (await ScanAsync(client, groupPrefix, chunkSpace, EtcdIndexKeys.End(chunkSpace), keysOnly: true))
            .Select(kv => new Guid(kv.Key.Span[(length + 2)..(length + 18)])).ToHashSet();
        var named = new HashSet<Guid>();
        foreach (var space in new[] { IndexKeys.LatestSpace.ToArray(), IndexKeys.VersionSpace.ToArray() })
        {
            foreach (var kv in await ScanAsync(client, groupPrefix, space, EtcdIndexKeys.End(space), keysOnly: false))
            {
                foreach (var dependent in EtcdIndexLayout.Instance.Dependents(kv.Key.Span[length..], kv.Value.Span))
                {
                    named.Add(new Guid(dependent.AsSpan(2, 16)));
                }
            }
        }

        var garbage = IndexKeys.GarbageSpace.ToArray();
        foreach (var kv in await ScanAsync(client, groupPrefix, garbage, EtcdIndexKeys.End(garbage), keysOnly: false))
        {
            named.UnionWith(GarbageBatch.Decode(kv.Value.Span).Sets);
        }

        var staged = EtcdIndexKeys.StagedSpace.ToArray();
        foreach (var kv in await ScanAsync(client, groupPrefix, staged, EtcdIndexKeys.End(staged), keysOnly: true))
        {
            named.Add(EtcdIndexKeys.SetOfStagedKey(kv.Key.Span[length..]));
        }

        return (sets.Count, [.. sets.Where(s => !named.Contains(s))]);
    }

    /// <summary>The writers' attempts to the moving range and what was acknowledged.</summary>
    private sealed class Writes
    {
        private readonly ConcurrentQueue<(long Call, long Return, bool Ok)> _attempts = new();
        private int _acknowledged;
        private int _failed;

        /// <summary>Each written key's last acknowledged ETag (one writer per key).</summary>
        public ConcurrentDictionary<string, string> Latest { get; } = new(StringComparer.Ordinal);

        /// <summary>Keys created, with when their creation was acknowledged.</summary>
        public ConcurrentDictionary<string, long> CreatedAt { get; } = new(StringComparer.Ordinal);

        /// <summary>Keys whose creation was attempted.</summary>
        public ConcurrentDictionary<string, byte> Tried { get; } = new(StringComparer.Ordinal);

        public IReadOnlyCollection<string> Created => [.. CreatedAt.Keys];

        public IEnumerable<(long Call, long Return, bool Ok)> Attempts => _attempts;

        public int Acknowledged => Volatile.Read(ref _acknowledged);

        public int Failed => Volatile.Read(ref _failed);

        public void Attempt(IIndexStore index, string key, string etag, bool created, int segments)
        {
            if (created)
            {
                Tried[key] = 0;
            }

            var call = Stopwatch.GetTimestamp();
            try
            {
                var status = index.PutObject(Bucket, StoreFixture.Manifest(key, etag: etag, segments: segments)).Status;
                var done = Stopwatch.GetTimestamp();
                Assert.Equal(PutObjectStatus.Committed, status);
                Latest[key] = etag;
                if (created)
                {
                    CreatedAt[key] = done;
                }

                _attempts.Enqueue((call, done, true));
                Interlocked.Increment(ref _acknowledged);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                // A 503 (the range stayed frozen, etcd did not answer): the write may or may not have happened, and the
                // test fails on it (writes.Failed), since a move must not make writes fail.
                _attempts.Enqueue((call, Stopwatch.GetTimestamp(), false));
                Interlocked.Increment(ref _failed);
                Within.Log($"write of {key} failed: {e.Message}");
            }
        }
    }

    /// <summary>A lister paging through the bucket, 1,000 keys a page, checking each LIST as it ends.</summary>
    private sealed class Listings(HashSet<string> loaded, HashSet<string> registerKeys, Writes writes)
    {
        private int _count;

        private long _moveStart = long.MaxValue;
        private long _moveEnd = long.MaxValue;

        public long MoveStart { get => Interlocked.Read(ref _moveStart); set => Interlocked.Exchange(ref _moveStart, value); }

        public long MoveEnd { get => Interlocked.Read(ref _moveEnd); set => Interlocked.Exchange(ref _moveEnd, value); }

        public int Count => Volatile.Read(ref _count);

        public int DuringMove { get; private set; }

        public int AfterMove { get; private set; }

        public TimeSpan Slowest { get; private set; }

        public ConcurrentQueue<string> Violations { get; } = new();

        public void Run(IIndexStore index, Func<bool> keepGoing)
        {
            while (keepGoing())
            {
                var began = Stopwatch.GetTimestamp();

                // Every key loaded, and every key whose creation was acknowledged before the LIST began, must be in it.
                var required = writes.CreatedAt.Where(c => c.Value < began).Select(c => c.Key).ToList();
                List<string> keys;
                try
                {
                    keys = [.. ListAll(index).Select(o => o.Key)];
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    Violations.Enqueue($"LIST {Count + 1} failed: {e.Message}");
                    continue;
                }

                var took = Stopwatch.GetElapsedTime(began);
                Slowest = took > Slowest ? took : Slowest;
                var name = $"LIST {Count + 1} ({(began < MoveStart ? "before" : began < MoveEnd ? "during" : "after")} the move)";
                for (var i = 1; i < keys.Count; i++)
                {
                    if (string.CompareOrdinal(keys[i - 1], keys[i]) >= 0)
                    {
                        Violations.Enqueue($"{name}: {keys[i]} after {keys[i - 1]} (listed twice or out of order)");
                    }
                }

                var listed = keys.ToHashSet(StringComparer.Ordinal);
                foreach (var key in loaded.Concat(required).Where(k => !listed.Contains(k)).Take(10))
                {
                    Violations.Enqueue($"{name}: {key} missing");
                }

                foreach (var key in keys.Where(k => !loaded.Contains(k) && !registerKeys.Contains(k) && !writes.Tried.ContainsKey(k)).Take(10))
                {
                    Violations.Enqueue($"{name}: {key} was never written");
                }

                DuringMove += began >= MoveStart && began < MoveEnd ? 1 : 0;
                AfterMove += began >= MoveEnd ? 1 : 0;
                Interlocked.Increment(ref _count);
            }
        }
    }
}
