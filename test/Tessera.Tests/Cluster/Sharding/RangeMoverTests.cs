using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;
using Tessera.Cluster.Index.Sharding;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// The range directory and range moves between two real etcd clusters (index groups), with a third as the control
/// plane, driven by writers that behave as the index store does: every write is a Txn that compares its group's fence.
/// </summary>
public sealed class RangeMoverTests
{
    private static readonly byte[] Latest = [0x02, (byte)'L'];
    private static readonly byte[] References = [0x06, (byte)'R'];

    [Fact]
    public async Task ASplitOnlyRewritesTheDirectoryAndRoutesEachHalf()
    {
        await using var etcd = await Groups.StartAsync();
        using var directory = await etcd.OpenDirectoryAsync();
        var mover = new RangeMover(directory, new TestLayout());
        Assert.Single(directory.Snapshot.Ranges);
        var fenceRevision = await etcd.FenceRevisionAsync("g1");

        var (left, right) = await mover.SplitAsync(C("b", "m"), Within.Ct);
        Assert.Equal(2, directory.Snapshot.Ranges.Count);
        Assert.Equal(left.Id, directory.Route(C("b", "a")).RangeId);
        Assert.Equal(right.Id, directory.Route(C("b", "m")).RangeId);
        Assert.Equal(right.Id, directory.Route(C("c", "a")).RangeId);
        Assert.All(directory.Snapshot.Ranges, r => Assert.Equal("g1", r.Record.Group));
        Assert.Equal(fenceRevision, await etcd.FenceRevisionAsync("g1")); // The group was not written.
        await Assert.ThrowsAsync<ArgumentException>(() => mover.SplitAsync(C("b", "m"), Within.Ct));
        Assert.Equal(2, directory.Routes(C("b", ""), C("b", "zzz")).Count);
        Assert.Single(directory.Routes(C("a", ""), C("a", "z")));
    }

    [Fact]
    public async Task AMoveUnderFencedWritesLosesNothingAndLeavesNoCopyBehind()
    {
        await using var etcd = await Groups.StartAsync();
        using var directory = await etcd.OpenDirectoryAsync();
        var mover = new RangeMover(directory, new TestLayout());
        await mover.SplitAsync(C("b", "m"), Within.Ct);

        // 400 keys on each side of the boundary, each with a reference record owned by it.
        var writer = new FencedWriter(directory);
        for (var i = 0; i < 400; i++)
        {
            await writer.PutAsync(C("b", "a" + i.ToString("D4")), "v0");
            await writer.PutAsync(C("b", "n" + i.ToString("D4")), "v0");
        }

        // Writers keep overwriting keys on both sides, and deleting some, while the right half moves to g2.
        using var stop = new CancellationTokenSource();
        var acknowledged = new ConcurrentDictionary<string, string?>();
        var longestWait = TimeSpan.Zero;
        var writes = 0;
        var tasks = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var own = new FencedWriter(directory);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var key = (random.Next(2) == 0 ? "a" : "n") + random.Next(400).ToString("D4");
                lock (acknowledged)
                {
                    // One writer per key at a time keeps "the last acknowledged value" well defined.
                    if (acknowledged.ContainsKey("busy:" + key))
                    {
                        continue;
                    }

                    acknowledged["busy:" + key] = null;
                }

                var value = random.Next(10) == 0 ? null : $"w{w}-{n}";
                var clock = Stopwatch.StartNew();
                if (value is null)
                {
                    await own.DeleteAsync(C("b", key));
                }
                else
                {
                    await own.PutAsync(C("b", key), value);
                }

                lock (acknowledged)
                {
                    if (clock.Elapsed > longestWait)
                    {
                        longestWait = clock.Elapsed;
                    }

                    acknowledged[key] = value;
                    acknowledged.TryRemove("busy:" + key, out _);
                    writes++;
                }
            }
        })).ToList();

        await Task.Delay(300, Within.Ct);
        var report = await mover.MoveAsync(C("b", "m"), "g2", TimeSpan.FromMilliseconds(200), Within.Ct);
        await Task.Delay(300, Within.Ct);
        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"move: {report.PreCopied} records pre-copied, {report.DeltaCopied} in the delta, writes to the range waited {report.Frozen.TotalMilliseconds:F0} ms, {report.Removed} removed from g1; {writes} writes meanwhile, the longest took {longestWait.TotalMilliseconds:F0} ms");

        Assert.True(writes > 50, $"only {writes} writes ran during the move");
        Assert.Equal("g2", directory.Route(C("b", "n")).Group.Name);
        Assert.Equal("g1", directory.Route(C("b", "a")).Group.Name);
        Assert.Equal(2, directory.Snapshot.Groups["g1"].Record.Generation - 1); // frozen (+1), flipped (+1)

        // Every key holds its last acknowledged value, in the group the directory names, and only there.
        var g1 = await etcd.ReadAllAsync("g1");
        var g2 = await etcd.ReadAllAsync("g2");
        for (var i = 0; i < 400; i++)
        {
            foreach (var side in new[] { "a", "n" })
            {
                var key = side + i.ToString("D4");
                var expected = acknowledged.TryGetValue(key, out var last) ? last : "v0";
                var (here, there) = side == "a" ? (g1, g2) : (g2, g1);
                Assert.True(expected == here.GetValueOrDefault(Encoding.UTF8.GetString(Latest) + "b\0" + key), $"{key}: expected {expected ?? "(deleted)"}, found {here.GetValueOrDefault(Encoding.UTF8.GetString(Latest) + "b\0" + key) ?? "(nothing)"}");
                Assert.False(there.ContainsKey(Encoding.UTF8.GetString(Latest) + "b\0" + key), $"{key} left behind");
                Assert.Equal(expected is not null, here.ContainsKey(Encoding.UTF8.GetString(References) + "b\0" + key));
                Assert.False(there.ContainsKey(Encoding.UTF8.GetString(References) + "b\0" + key), $"reference of {key} left behind");
            }
        }
    }

    [Fact]
    public async Task AWriterWithAnOldDirectoryIsFencedAfterAMoveAndGetsThroughAfterARefresh()
    {
        await using var etcd = await Groups.StartAsync();
        using var directory = await etcd.OpenDirectoryAsync();
        using var stale = await etcd.OpenDirectoryAsync();
        var mover = new RangeMover(directory, new TestLayout());
        await mover.SplitAsync(C("b", "m"), Within.Ct);
        await stale.RefreshAsync(Within.Ct);
        var staleWriter = new FencedWriter(stale, refresh: false);
        Assert.True(await staleWriter.TryPutAsync(C("b", "x"), "before"));

        // The negative control of the fence: a writer that does not re-read the directory after the move must fail.
        await mover.MoveAsync(C("b", "m"), "g2", TimeSpan.Zero, Within.Ct);
        Assert.False(await staleWriter.TryPutAsync(C("b", "x"), "after the move"), "a write routed by the old directory landed");
        await stale.RefreshAsync(Within.Ct);
        Assert.True(await staleWriter.TryPutAsync(C("b", "x"), "after a refresh"));
        Assert.Equal("after a refresh", (await etcd.ReadAllAsync("g2"))[Encoding.UTF8.GetString(Latest) + "b\0x"]);
    }

    [Fact]
    public async Task AMoveThatDiedAfterItsFreezeIsResumedByRunningItAgain()
    {
        await using var etcd = await Groups.StartAsync();
        using var directory = await etcd.OpenDirectoryAsync();
        var mover = new RangeMover(directory, new TestLayout());
        await mover.SplitAsync(C("b", "m"), Within.Ct);
        var writer = new FencedWriter(directory);
        for (var i = 0; i < 300; i++)
        {
            await writer.PutAsync(C("b", "n" + i.ToString("D4")), "v" + i);
        }

        // What a mover leaves when it dies right after step 2: the range frozen, g1 at generation 2 in the directory
        // and in its fence, and a partial copy in g2 (here: one stray record the resumed move must clear).
        await etcd.FreezeAsync(directory, C("b", "m"), "g2");
        await etcd.PutRawAsync("g2", Encoding.UTF8.GetString(Latest) + "b\0n9999", "stray");
        await directory.RefreshAsync(Within.Ct);
        Assert.True(directory.Route(C("b", "n0001")).Frozen);
        var held = writer.PutAsync(C("b", "n0001"), "written while frozen");
        await Task.Delay(200, Within.Ct);
        Assert.False(held.IsCompleted, "a write to a frozen range went through");

        var report = await mover.MoveAsync(C("b", "m"), "g2", TimeSpan.Zero, Within.Ct);
        await held;
        TestContext.Current.TestOutputHelper?.WriteLine($"resumed: {report.DeltaCopied} records copied after the fence, {report.Removed} removed from g1");
        Assert.Equal(0, report.PreCopied);
        Assert.Equal("g2", directory.Route(C("b", "n0001")).Group.Name);
        Assert.False(directory.Route(C("b", "n0001")).Frozen);
        var g2 = await etcd.ReadAllAsync("g2");
        Assert.Equal("written while frozen", g2[Encoding.UTF8.GetString(Latest) + "b\0n0001"]);
        Assert.Equal("v299", g2[Encoding.UTF8.GetString(Latest) + "b\0n0299"]);
        Assert.False(g2.ContainsKey(Encoding.UTF8.GetString(Latest) + "b\0n9999"));
        Assert.DoesNotContain((await etcd.ReadAllAsync("g1")).Keys, k => k.Contains("b\0n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABusyRangeIsSplitAtTheMedianOfItsWritesAndItsRightHalfMovesToTheIdleGroup()
    {
        await using var etcd = await Groups.StartAsync();
        using var directory = await etcd.OpenDirectoryAsync();
        var mover = new RangeMover(directory, new TestLayout());
        var splitter = new RangeSplitter(directory, mover, Latest, new SplitPolicy { MaxWrittenKeysPerInterval = 100, MaxKeys = 10_000, MoveGrace = TimeSpan.Zero });
        var writer = new FencedWriter(directory);
        for (var i = 0; i < 50; i++)
        {
            await writer.PutAsync(C("cold", i.ToString("D4")), "x");
        }

        Assert.Empty(await splitter.PassAsync(Within.Ct)); // The first pass only notes the revision.
        Assert.Empty(await splitter.PassAsync(Within.Ct)); // Nothing written since: no split (negative control).

        // 300 distinct keys written under one prefix in one interval: over the limit of 100.
        for (var i = 0; i < 300; i++)
        {
            await writer.PutAsync(C("hot", "k" + i.ToString("D4")), "x");
        }

        var decision = Assert.Single(await splitter.PassAsync(Within.Ct));
        TestContext.Current.TestOutputHelper?.WriteLine($"split for {decision.Reason} ({decision.Keys} keys written) at {Encoding.UTF8.GetString(decision.At).Replace('\0', '/')}; right half moved: {decision.Move}");
        Assert.Equal("load", decision.Reason);
        Assert.Equal(300, decision.Keys);
        Assert.Equal(C("hot", "k0150"), decision.At); // The median of the written keys, not of all keys.
        Assert.Equal("g1", directory.Route(C("hot", "k0149")).Group.Name);
        Assert.Equal("g2", directory.Route(C("hot", "k0150")).Group.Name);
        Assert.NotNull(decision.Move);
        var g2 = await etcd.ReadAllAsync("g2");
        Assert.Equal(150, g2.Keys.Count(k => k.StartsWith(Encoding.UTF8.GetString(Latest) + "hot\0", StringComparison.Ordinal)));

        // Size: a range over its key limit is split at its median key, and stays put when no group holds fewer ranges.
        var bySize = new RangeSplitter(directory, mover, Latest, new SplitPolicy { MaxWrittenKeysPerInterval = long.MaxValue, MaxKeys = 100 });
        var sized = await bySize.PassAsync(Within.Ct);
        Assert.Contains(sized, d => d.Reason == "size");
    }

    private static byte[] C(string bucket, string key) => Encoding.UTF8.GetBytes(bucket + "\0" + key);

    /// <summary>Object records at 02 'L' coordinate; references at 06 'R' coordinate whose value names the owner.</summary>
    private sealed class TestLayout : IShardLayout
    {
        public IReadOnlyList<byte[]> ObjectSpaces { get; } = [Latest];

        public byte[] ReferenceSpace => References;

        public byte[] ReferenceOwner(ReadOnlySpan<byte> value) => value.ToArray();

        public IEnumerable<byte[]> Dependents(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => [];
    }

    /// <summary>Writes as the index store does: a Txn comparing the group's fence; a fence failure re-reads the directory.</summary>
    private sealed class FencedWriter(EtcdRangeDirectory directory, bool refresh = true)
    {
        public int FenceFailures { get; private set; }

        public Task PutAsync(byte[] coordinate, string value) => WriteAsync(coordinate, value);

        public Task DeleteAsync(byte[] coordinate) => WriteAsync(coordinate, null);

        public async Task<bool> TryPutAsync(byte[] coordinate, string value)
        {
            var route = directory.Route(coordinate);
            return await TryWriteAsync(route, coordinate, value);
        }

        private async Task WriteAsync(byte[] coordinate, string? value)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var route = directory.Route(coordinate);
                if (route.Frozen)
                {
                    await Task.Delay(20, Within.Ct);
                    await directory.RefreshAsync(Within.Ct);
                    continue;
                }

                if (await TryWriteAsync(route, coordinate, value))
                {
                    return;
                }

                FenceFailures++;
                if (refresh)
                {
                    await directory.RefreshAsync(Within.Ct);
                }
            }

            throw new InvalidOperationException("The write never got through.");
        }

        private static async Task<bool> TryWriteAsync(RangeRoute route, byte[] coordinate, string? value)
        {
            var prefix = Encoding.UTF8.GetBytes(route.Group.KeyPrefix);
            var latest = ByteString.CopyFrom([.. prefix, .. Latest, .. coordinate]);
            var reference = ByteString.CopyFrom([.. prefix, .. References, .. coordinate]);
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = DirectoryKeys.Fence(route.Group.KeyPrefix), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = DirectoryKeys.FenceValue(route.Generation) });
            if (value is null)
            {
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = latest } });
                txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = reference } });
            }
            else
            {
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = latest, Value = ByteString.CopyFromUtf8(value) } });
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = reference, Value = ByteString.CopyFrom(coordinate) } });
            }

            var response = await route.Group.Client.TransactionAsync(txn, cancellationToken: Within.Ct);
            return response.Succeeded;
        }
    }

    /// <summary>Three single-member etcd clusters: the control plane and index groups g1 and g2.</summary>
    private sealed class Groups : IAsyncDisposable
    {
        private readonly EtcdCluster[] _clusters;
        private readonly EtcdClient _control;
        private readonly string _prefix = "/t" + Guid.NewGuid().ToString("n")[..8] + "/";

        private Groups(EtcdCluster[] clusters)
        {
            _clusters = clusters;
            _control = clusters[0].Client();
        }

        public static async Task<Groups> StartAsync()
        {
            var clusters = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => EtcdCluster.StartAsync(1, Within.Ct)));
            return new Groups(clusters);
        }

        public Task<EtcdRangeDirectory> OpenDirectoryAsync() => EtcdRangeDirectory.OpenAsync(
            _control,
            new ControlPlaneOptions { KeyPrefix = _prefix },
            [Group("g1", 1), Group("g2", 2)],
            cancellationToken: Within.Ct);

        public async Task<long> FenceRevisionAsync(string group)
        {
            using var client = _clusters[group == "g1" ? 1 : 2].Client();
            var response = await client.GetAsync(new RangeRequest { Key = DirectoryKeys.Fence(_prefix + "idx/") }, cancellationToken: Within.Ct);
            return response.Kvs[0].ModRevision;
        }

        /// <summary>Writes what step 2 of a move writes (the range frozen, the source's generation raised, in the directory and the fence).</summary>
        public async Task FreezeAsync(EtcdRangeDirectory directory, byte[] start, string target)
        {
            await directory.RefreshAsync(Within.Ct);
            var snapshot = directory.Snapshot;
            var (range, _) = snapshot.Ranges[snapshot.IndexOf(start)];
            var (group, _) = snapshot.Groups[range.Group];
            var keys = new DirectoryKeys(_prefix);
            var frozen = range with { Frozen = true, MovingTo = target };
            var raised = group with { Generation = group.Generation + 1 };
            await _control.PutAsync(new PutRequest { Key = EtcdKeys.Bytes(keys.Range(start)), Value = ByteString.CopyFrom(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(frozen, ShardingJsonContext.Default.RangeRecord)) }, cancellationToken: Within.Ct);
            await _control.PutAsync(new PutRequest { Key = EtcdKeys.Bytes(keys.Group(group.Name)), Value = ByteString.CopyFrom(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(raised, ShardingJsonContext.Default.GroupRecord)) }, cancellationToken: Within.Ct);
            using var client = _clusters[group.Name == "g1" ? 1 : 2].Client();
            await client.PutAsync(new PutRequest { Key = DirectoryKeys.Fence(_prefix + "idx/"), Value = DirectoryKeys.FenceValue(raised.Generation) }, cancellationToken: Within.Ct);
        }

        /// <summary>Puts one raw index key (relative to the group's prefix).</summary>
        public async Task PutRawAsync(string group, string key, string value)
        {
            using var client = _clusters[group == "g1" ? 1 : 2].Client();
            await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(_prefix + "idx/" + key), Value = ByteString.CopyFromUtf8(value) }, cancellationToken: Within.Ct);
        }

        /// <summary>Every index key of a group (relative to its prefix) and its value.</summary>
        public async Task<Dictionary<string, string>> ReadAllAsync(string group)
        {
            using var client = _clusters[group == "g1" ? 1 : 2].Client();
            var prefix = _prefix + "idx/";
            var response = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = EtcdKeys.RangeEnd(prefix) }, cancellationToken: Within.Ct);
            return response.Kvs
                .Where(kv => kv.Key.ToStringUtf8() != prefix + "fence")
                .ToDictionary(kv => kv.Key.ToStringUtf8()[prefix.Length..], kv => kv.Value.ToStringUtf8());
        }

        public async ValueTask DisposeAsync()
        {
            _control.Dispose();
            foreach (var cluster in _clusters)
            {
                await cluster.DisposeAsync();
            }
        }

        private GroupRecord Group(string name, int cluster) => new() { Name = name, Endpoints = _clusters[cluster].Endpoints, KeyPrefix = _prefix + "idx/" };
    }
}
