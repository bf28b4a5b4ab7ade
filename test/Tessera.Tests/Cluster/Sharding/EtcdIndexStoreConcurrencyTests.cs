using System.Collections.Concurrent;
using System.Diagnostics;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// Conditional puts from many threads through two <see cref="Tessera.Cluster.Index.Sharding.EtcdIndexStore"/> instances
/// (each with its own directory, as two gateways would have) decided by the per-object guard: If-None-Match has exactly
/// one winner, and a chain of If-Match updates loses none (every committed update follows exactly the version it was
/// conditioned on).
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreConcurrencyTests(IndexGroupsFixture etcd)
{
    private const int Threads = 8;
    private const int UpdatesPerThread = 6;

    [Theory]
    [InlineData("alpha")]
    [InlineData("zulu")]
    public void ConditionalPutsOnOneKeyFromTwoStoresHaveExactlyTheExpectedWinners(string key)
    {
        var (first, second) = TwoStores();
        using var disposeFirst = first;
        using var disposeSecond = second;
        IIndexStore[] stores = [first, second];

        // If-None-Match: * from every thread at once: one commits, the others are refused.
        var created = Run(i => stores[i % 2].PutObject("race", Manifest(key, "created-" + i), new WriteCondition(IfNoneMatchAny: true)).Status);
        Assert.Equal(1, created.Count(s => s == PutObjectStatus.Committed));
        Assert.Equal(Threads - 1, created.Count(s => s == PutObjectStatus.PreconditionFailed));

        // If-Match chains: each thread reads the current ETag and replaces it conditionally, again and again.
        var committed = new ConcurrentBag<(string After, string Written)>();
        var clock = Stopwatch.StartNew();
        var refused = Run(i =>
        {
            var store = stores[i % 2];
            var refusals = 0;
            for (var n = 0; n < UpdatesPerThread; n++)
            {
                var current = store.GetObject("race", key)!.ETag;
                var written = $"t{i}-{n}";
                if (store.PutObject("race", Manifest(key, written), new WriteCondition(IfMatchETag: current)).Status == PutObjectStatus.Committed)
                {
                    committed.Add((current, written));
                }
                else
                {
                    refusals++;
                }
            }

            return refusals;
        }).Sum();

        // No lost update: oldest to newest, every version after the first was written conditioned on the one before it.
        var versions = first.ListObjectVersions("race", new ListVersionsQuery(key, null, null, null, 1000)).Versions
            .Where(v => v.Manifest.Key == key).Select(v => v.Manifest.ETag).Reverse().ToList();
        Assert.Equal(committed.Count + 1, versions.Count);
        Assert.StartsWith("created-", versions[0], StringComparison.Ordinal);
        var chain = committed.ToDictionary(c => c.Written, c => c.After);
        for (var i = 1; i < versions.Count; i++)
        {
            Assert.Equal(versions[i - 1], chain[versions[i]]);
        }

        Assert.Equal(Threads * UpdatesPerThread, committed.Count + refused);
        Assert.Equal(versions[^1], second.GetObject("race", key)!.ETag);
        Within.Log($"{key}: {committed.Count} conditional updates committed and {refused} refused in {Within.Ms(clock)}; {first.Stats.Txns + second.Stats.Txns} Txns");
    }

    [Fact]
    public void UnconditionalPutsOnOneKeyFromTwoStoresAllCommitAsDistinctOrderedVersions()
    {
        var (first, second) = TwoStores();
        using var disposeFirst = first;
        using var disposeSecond = second;
        IIndexStore[] stores = [first, second];
        var clock = Stopwatch.StartNew();
        var stored = Run(i => Enumerable.Range(0, UpdatesPerThread)
            .Select(n => stores[i % 2].PutObject("race", Manifest("hot", $"t{i}-{n}")).Stored!)
            .ToList()).SelectMany(v => v).ToList();

        // Every put committed (conflicts were retried), each as its own version; the listing orders them by sequence,
        // newest first, and each version id (generated from the sequence) appears once.
        var listed = first.ListObjectVersions("race", new ListVersionsQuery("", null, null, null, 1000)).Versions.Select(v => v.Manifest).ToList();
        Assert.Equal(Threads * UpdatesPerThread, listed.Count);
        Assert.Equal(stored.Select(v => v.ETag).Order(), listed.Select(v => v.ETag).Order());
        Assert.Equal(listed.Count, listed.Select(v => v.VersionId).Distinct().Count());
        Assert.True(listed.Zip(listed.Skip(1)).All(p => p.First.Sequence > p.Second.Sequence), "Versions are not newest first by sequence.");
        Assert.Equal(listed[0].ETag, second.GetObject("race", "hot")!.ETag);
        Within.Log($"{stored.Count} unconditional puts on one key committed in {Within.Ms(clock)}; {first.Stats.Txns + second.Stats.Txns} Txns");
    }

    /// <summary>Two stores over the same groups, each with its own directory (as two gateways), and a versioned bucket "race".</summary>
    private (EtcdIndexStore First, EtcdIndexStore Second) TwoStores()
    {
        var (a, b) = etcd.Groups();
        var catalog = new MemoryBucketCatalog();
        var time = new ManualTimeProvider(Now);
        var first = ShardedIndex.Store(ShardedIndex.Directory(a, b, "race/m"), catalog, time);
        var second = ShardedIndex.Store(ShardedIndex.Directory(a, b, "race/m"), catalog, time);
        first.CreateBucket(Bucket("race", VersioningState.Enabled));
        return (first, second);
    }

    /// <summary>Runs <paramref name="work"/> on <see cref="Threads"/> threads started together; returns their results.</summary>
    private static List<T> Run<T>(Func<int, T> work)
    {
        var results = new T[Threads];
        var failures = new ConcurrentQueue<Exception>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[i] = work(i);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "A thread did not finish its conditional puts in 60 s.");
        }

        Assert.Empty(failures);
        return [.. results];
    }
}
