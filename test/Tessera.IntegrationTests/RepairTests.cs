using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using Tessera.Server;
using Tessera.Storage;
using Tessera.Store.Maintenance;

namespace Tessera.IntegrationTests;

/// <summary>
/// Fault tests on running stores: corrupted blocks, deleted fragment files, removed disk directories, a whole rack
/// taken away, a replaced disk. Every object reads back bit-exact throughout, scrub finds every injected fault,
/// repair restores full redundancy within the placement rule, and no fragment is lost or left orphaned.
/// </summary>
public sealed class RepairTests(ITestOutputHelper output)
{
    private const int ShardSize = 4096;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ScrubFindsEveryInjectedFaultAndRepairRestoresFullRedundancy()
    {
        await using var store = await RepairStore.StartAsync(4, 3, "4+2", "rack", o => o.RepairWorkers = 0);
        await store.PopulateAsync(24, 11);
        var random = new Random(7);
        var all = store.Index.ReferencedSegments().Where(s => s.Size > 0).OrderBy(_ => random.Next()).ToList();
        Assert.True(all.Count >= 20);

        // Four segments get a flipped bit in one block of one fragment, four others lose one fragment file; in each
        // four, one small segment stored as three RS(1,2) copies and three RS(4,2) ones.
        var copied = all.Where(s => s.DataShards == 1).Take(2).ToList();
        var coded = all.Where(s => s.DataShards == 4).Take(6).ToList();
        Assert.Equal((2, 6), (copied.Count, coded.Count));
        List<Tessera.Index.SegmentManifest> segments = [copied[0], .. coded[..3], copied[1], .. coded[3..]];
        var damagedData = 0;
        foreach (var segment in segments.Take(4))
        {
            var index = random.Next(segment.Disks.Count);
            damagedData += index < segment.DataShards ? 1 : 0;
            var path = FragmentPath(store, segment.Disks[index], segment.Segment, index);
            var bytes = await File.ReadAllBytesAsync(path, Ct);
            var blockStart = (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) + 4095) / 4096 * 4096;
            var stripes = (int)((segment.Size + ((long)segment.DataShards * ShardSize) - 1) / ((long)segment.DataShards * ShardSize));
            var stripe = random.Next(stripes);
            bytes[blockStart + (stripe * (ShardSize + 8)) + random.Next(10)] ^= 0x10;
            await File.WriteAllBytesAsync(path, bytes, Ct);
        }

        foreach (var segment in segments.Skip(4).Take(4))
        {
            var index = random.Next(segment.Disks.Count);
            damagedData += index < segment.DataShards ? 1 : 0;
            File.Delete(FragmentPath(store, segment.Disks[index], segment.Segment, index));
        }

        var found = await store.Server.Scrubber.ScrubOnceAsync(0, Ct);
        Assert.Equal(4, found.CorruptFragments);
        Assert.Equal(4, found.MissingFragments);
        Assert.Equal(0, found.OrphanFragments);
        Assert.Equal(8, store.Server.Repairer.Status().QueuedSegments);

        // Each damaged segment is read once; those that lost a data fragment are served by reconstruction and counted
        // (a lost parity fragment is not read at all).
        await store.AssertEverythingReadsBackAsync();
        var (_, before) = await store.AdminAsync(HttpMethod.Get, "status");
        Assert.True(damagedData > 0);
        Assert.Equal(damagedData, before.GetProperty("degradedReads").GetProperty("reads").GetInt64());
        Assert.True(before.GetProperty("degradedReads").GetProperty("blocksReconstructed").GetInt64() >= damagedData);

        // The status counts requests by S3 operation: the reads just made among them.
        var requests = before.GetProperty("requests");
        Assert.True(requests.GetProperty("GetObject").GetProperty("count").GetInt64() >= 8);
        Assert.Equal(0, requests.GetProperty("GetObject").GetProperty("serverErrors").GetInt64());
        Assert.True(requests.GetProperty("PutObject").GetProperty("count").GetInt64() > 0);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        var status = store.Server.Repairer.Status();
        Assert.Equal(8, status.FragmentsRebuilt);
        Assert.Equal(0, status.Unrecoverable);

        var clean = await store.Server.Scrubber.ScrubOnceAsync(0, Ct);
        Assert.True(clean.Clean, $"{clean.MissingFragments} missing, {clean.CorruptFragments} corrupt after repair.");
        Assert.Equal(0, clean.OrphanFragments);
        store.AssertFullRedundancyAndNoOrphans("rack", 2);
        await store.AssertEverythingReadsBackAsync();
        Assert.Equal(damagedData, store.Server.Store.ReadDamage.Reads); // Repaired: the second pass met nothing.
    }

    [Fact]
    public async Task ASmallObjectLosingTwoOfItsThreeCopiesReadsBackAndIsRepaired()
    {
        await using var store = await RepairStore.StartAsync(6, 1, "4+2", "disk", o => o.RepairWorkers = 0);
        var bucket = await store.PopulateAsync(0, 93);
        var data = Names.RandomBytes(3000, 94);
        await store.PutAsync(bucket, "small", data);
        var segment = store.SegmentOf("small");
        Assert.Equal((1, 2, 3), (segment.DataShards, segment.ParityShards, segment.Disks.Count));

        // The data copy and one parity copy gone: m = 2 losses, the last copy (data times a constant) serves the read.
        File.Delete(FragmentPath(store, segment.Disks[0], segment.Segment, 0));
        File.Delete(FragmentPath(store, segment.Disks[2], segment.Segment, 2));
        await store.AssertEverythingReadsBackAsync();

        // The server reports a read's damage after it has sent the last byte, which the client may have by then.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (store.Server.Store.ReadDamage.Reads == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, Ct);
        }

        Assert.Equal(1, store.Server.Store.ReadDamage.Reads);
        Assert.Equal(1, store.Server.Repairer.Status().QueuedSegments);

        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, store.Server.Repairer.Status().FragmentsRebuilt);
        store.AssertFullRedundancyAndNoOrphans("disk", 1);
        Assert.True((await store.Server.Scrubber.ScrubOnceAsync(0, Ct)).Clean);
        await store.AssertEverythingReadsBackAsync();
        Assert.Equal(1, store.Server.Store.ReadDamage.Reads);
    }

    [Fact]
    public async Task ACopyThatMeetsALostFragmentReportsItForRepair()
    {
        await using var store = await RepairStore.StartAsync(6, 1, "4+2", "disk", o => o.RepairWorkers = 0);
        var bucket = await store.PopulateAsync(0, 91);
        var data = Names.RandomBytes(50_000, 92);
        await store.PutAsync(bucket, "source", data);
        var segment = store.SegmentOf("source");
        File.Delete(FragmentPath(store, segment.Disks[1], segment.Segment, 1));

        await store.Client.CopyObjectAsync(bucket, "source", bucket, "copy", Ct);
        store.Objects[(bucket, "copy", null)] = data;
        Assert.Equal(1, store.Server.Store.ReadDamage.Reads);
        Assert.Equal(1, store.Server.Repairer.Status().QueuedSegments);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(30));
        store.AssertFullRedundancyAndNoOrphans("disk", 1);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task ARackTakenAwayIsRebuiltOnTheOtherRacksWhileReadsGoOn()
    {
        await using var store = await RepairStore.StartAsync(4, 3, "4+2", "rack");
        var bucket = await store.PopulateAsync(30, 23);
        var set = store.Server.Store.Storage;
        string[] rack1 = ["disk1", "disk2", "disk3"];
        var onRack = store.Index.ReferencedSegments().Sum(s => s.Disks.Count(rack1.Contains));
        Assert.True(onRack > 20);

        foreach (var disk in rack1)
        {
            Directory.Delete(store.DiskPaths[int.Parse(disk[4..], System.Globalization.CultureInfo.InvariantCulture) - 1], recursive: true);
        }

        // Before anyone notices: reads reconstruct (each stripe loses at most two fragments with the rack).
        await store.AssertEverythingReadsBackAsync();

        var changed = store.Server.DiskMonitor.CheckOnce();
        Assert.Equal(rack1, changed.Order(StringComparer.Ordinal));
        Assert.All(rack1, d => Assert.Equal(DiskState.Failed, set.StateOf(d)));

        // Reads race the background repair and stay bit-exact.
        var watch = Stopwatch.StartNew();
        while (store.Server.Repairer.Status() is { QueuedSegments: > 0 } or { InProgress: > 0 })
        {
            await store.AssertEverythingReadsBackAsync();
        }

        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        var status = store.Server.Repairer.Status();
        output.WriteLine($"Rack repair: {status.FragmentsRebuilt} fragments, {status.BytesRebuilt} bytes in {watch.Elapsed.TotalSeconds:F2} s; {status.MeasuredBytesPerSecond / (1 << 20):F1} MiB/s while repairing");
        Assert.Equal(onRack, status.FragmentsRebuilt);
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Any(rack1.Contains));
        store.AssertFullRedundancyAndNoOrphans("rack", 2);

        var scrub = await store.Server.Scrubber.ScrubOnceAsync(0, Ct);
        Assert.Equal((0L, 0L, 0L, 3), (scrub.MissingFragments, scrub.CorruptFragments, scrub.OrphanFragments, scrub.FailedDisks));

        // New writes avoid the failed disks and still keep two fragments per rack at most.
        await store.PutAsync(bucket, "after", Names.RandomBytes(50_000, 99));
        store.AssertFullRedundancyAndNoOrphans("rack", 2);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task ADiskDownForLessThanTheDownOutIntervalIsNotDeclaredFailedAndNothingIsRepaired()
    {
        await using var store = await RepairStore.StartAsync(7, 1, "4+2", "disk", o => o.DownOutInterval = 2);
        await store.PopulateAsync(10, 31);
        var path = store.DiskPaths[2];

        // Gone (a node rebooting, a cable pulled): probes fail, but within the interval nothing is declared or queued.
        Directory.Move(path, path + ".away");
        Assert.Empty(store.Server.DiskMonitor.CheckOnce());
        Assert.Equal(DiskState.Active, store.Server.Store.Storage.StateOf("disk3"));
        Assert.Contains("disk3", store.Server.DiskMonitor.Down.Keys);
        Assert.Equal(0, store.Server.Repairer.Status().QueuedSegments);
        await store.AssertEverythingReadsBackAsync();

        // Back before the interval ran out: forgotten, still active, still nothing to repair.
        Directory.Move(path + ".away", path);
        Assert.Empty(store.Server.DiskMonitor.CheckOnce());
        Assert.Empty(store.Server.DiskMonitor.Down);

        // Gone for longer than the interval: declared failed on the first probe after it, and repaired.
        Directory.Move(path, path + ".away");
        Assert.Empty(store.Server.DiskMonitor.CheckOnce());
        await Task.Delay(TimeSpan.FromSeconds(2.2), Ct);
        Assert.Equal(["disk3"], store.Server.DiskMonitor.CheckOnce());
        Assert.Equal(DiskState.Failed, store.Server.Store.Storage.StateOf("disk3"));
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk3"));
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task WritesWhileARackIsAbsentAreSpreadOverThePresentOnesAndRespreadWhenItReturns()
    {
        // Three racks of four disks, RS(4,2) over racks: two fragments per rack. With rack3 absent (its node's
        // registration lapsed), new segments go three and three to rack1 and rack2: writes go on, degraded.
        await using var store = await RepairStore.StartAsync(3, 4, "4+2", "rack");
        var set = store.Server.Store.Storage;
        var rack3 = set.Disks.Where(d => d.Labels.Rack == "rack3").Select(d => d.Id).ToList();
        Assert.True(set.SetAbsent(rack3));
        await store.PopulateAsync(12, 41);
        // Crowded: a rack holds more than a third of the fragments (RS(4,2): 3 of 6; small objects as RS(1,2) copies: 2 of 3).
        var crowded = store.Index.ReferencedSegments().Count(s => s.Disks.Count(d => d.Length > 0) == s.Disks.Count
            && s.Disks.GroupBy(d => set.KnownDisk(d)!.Labels.Rack).Any(g => g.Count() > s.Disks.Count / 3));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Any(rack3.Contains));
        Assert.True(crowded > 10, $"{crowded} crowded segments");
        await store.AssertEverythingReadsBackAsync();

        // While it is away, repair leaves them be (there is nowhere better).
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Any(rack3.Contains));

        // Back: a sweep finds the crowded segments and repair moves one fragment per crowded rack to rack3.
        Assert.True(set.SetAbsent([]));
        var queued = store.Server.DiskMonitor.Sweep(null, checkFiles: false);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{crowded} segments written crowded while rack3 was absent; {queued} queued when it returned; {store.Server.Repairer.Status().FragmentsRebuilt} fragments moved");
        Assert.Equal(crowded, queued);

        // The fragments moved away are orphans now; the collector takes them after its grace period.
        var collected = store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        Assert.Equal(store.Server.Repairer.Status().FragmentsRebuilt, collected.Orphans);
        store.AssertFullRedundancyAndNoOrphans("rack", 2);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task ConcurrentRepairsOfOneSegmentNeverLoseTheWinnersFragments()
    {
        await using var store = await RepairStore.StartAsync(4, 3, "4+2", "rack", o => o.RepairWorkers = 0);
        await store.PopulateAsync(10, 51);
        var set = store.Server.Store.Storage;
        foreach (var disk in new[] { "disk1", "disk2", "disk3" })
        {
            set.SetState(disk, DiskState.Failed);
        }

        // Four repairs of every segment at once: they choose the same new disks, one commits, the others must not
        // delete the files the winner committed (same names) when their compare-and-set fails.
        var outcomes = await Task.WhenAll(store.Index.ReferencedSegments().ToList()
            .SelectMany(s => Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.Server.Repairer.RepairAsync(s.Segment, new HashSet<int>(), Ct), Ct))));
        Assert.Contains(RepairOutcome.Repaired, outcomes);
        Assert.DoesNotContain(RepairOutcome.Unrecoverable, outcomes);
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Any(d => d is "disk1" or "disk2" or "disk3"));

        // The copies on the failed disks are orphans now; the collector removes them, and nothing else.
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(1), sweepOrphans: true);
        store.AssertFullRedundancyAndNoOrphans("rack", 2);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task AStorageClassKeepsItsOwnDomainLevelThroughRepair()
    {
        // STANDARD spreads RS(4,2) over disks (a rack may hold 3 of 6); STANDARD_IA spreads the same code over racks.
        await using var store = await RepairStore.StartAsync(4, 3, "4+2", "disk", o => o.StorageClasses["STANDARD_IA"] = "4+2@rack");
        var bucket = await store.PopulateAsync(4, 61);
        for (var i = 0; i < 30; i++)
        {
            var data = Names.RandomBytes(10_000 + i, 600 + i);
            await store.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = $"ia/{i}", InputStream = new MemoryStream(data), StorageClass = Amazon.S3.S3StorageClass.StandardInfrequentAccess }, Ct);
            store.Objects[(bucket, $"ia/{i}", null)] = data;
        }

        var set = store.Server.Store.Storage;
        int MaxPerRack(string prefix) => store.Index.ReferencedSegments()
            .Where(s => store.Index.FindSegmentOwner(s.Segment)!.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Max(s => s.Disks.GroupBy(d => set.KnownDisk(d)!.Labels.Rack).Max(g => g.Count()));
        Assert.Equal(2, MaxPerRack("ia/"));

        var (status, body) = await store.AdminAsync(HttpMethod.Get, "object", ("bucket", bucket), ("key", "ia/0"));
        Assert.Equal(200, status);
        Assert.Equal("rack", body.GetProperty("segments")[0].GetProperty("domainLevel").GetString());

        // Two disks of rack4 fail (a whole rack could take 3 fragments of a STANDARD stripe with it): the rack-level
        // class is rebuilt keeping two per rack at most, the disk-level class anywhere.
        foreach (var disk in new[] { "disk10", "disk11" })
        {
            Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/" + disk, ("state", "failed"))).Status);
        }

        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, store.Server.Repairer.Status().Unrecoverable);
        var left = store.Index.ReferencedSegments().Where(s => s.Disks.Any(d => d is "disk10" or "disk11")).ToList();
        Assert.True(left.Count == 0, $"{left.Count} segments left on the failed disks, e.g. {string.Join("; ", left.Take(3).Select(s => $"{store.Index.FindSegmentOwner(s.Segment)!.Key} {store.Index.FindSegmentOwner(s.Segment)!.StorageClass} {string.Join(',', s.Disks)}"))}; status {store.Server.Repairer.Status()}");
        Assert.Equal(2, MaxPerRack("ia/"));
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task RepairsBlockedByPlacementGoAheadWhenADiskIsAdded()
    {
        await using var store = await RepairStore.StartAsync(6, 1, "4+2", "disk", o => o.RepairWorkers = 0);
        await store.PopulateAsync(12, 71);
        Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/disk3", ("state", "failed"))).Status);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(30));
        var blocked = store.Server.Repairer.Status().Blocked;
        Assert.True(blocked > 0);
        Assert.Contains(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk3"));

        // The queue is empty, but the store is short of redundancy: the CLI says so instead of 100 %.
        var waiting = await CliAsync(store, "status");
        Assert.Contains($"{blocked} segments wait for a disk", waiting, StringComparison.Ordinal);
        Assert.DoesNotContain("100%", waiting, StringComparison.Ordinal);

        var (status, body) = await store.AdminAsync(HttpMethod.Post, "disks", ("path", Path.Combine(store.Directory, "disk7")));
        Assert.Equal(200, status);
        Assert.Equal(store.Index.ReferencedSegments().Count(s => s.Disks.Contains("disk3")), blocked);
        Assert.Equal(blocked, body.GetProperty("queued").GetInt32());
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, store.Server.Repairer.Status().Blocked);
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk3"));
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(1), sweepOrphans: true);
        store.AssertFullRedundancyAndNoOrphans("disk", 1);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task ARackLostForGoodIsRebuiltSpreadOverTheOthersAndRespreadWhenARackIsAdded()
    {
        // RS(4,2) over three racks of four disks: two fragments per rack. Rack3 is lost for good; two racks cannot hold
        // six fragments two by two, so repair rebuilds them three and three (six fragments crowded beat four within the
        // rule: any two disks may fail again). A new rack then takes one fragment from each crowded rack.
        await using var store = await RepairStore.StartAsync(3, 4, "4+2", "rack", o => o.RepairWorkers = 0);
        await store.PopulateAsync(12, 43);
        var set = store.Server.Store.Storage;
        string[] rack3 = [.. set.Disks.Where(d => d.Labels.Rack == "rack3").Select(d => d.Id)];
        foreach (var disk in rack3)
        {
            Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/" + disk, ("state", "failed"))).Status);
        }

        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        var status = store.Server.Repairer.Status();
        Assert.Equal((0L, 0L), (status.Blocked, status.Unrecoverable));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Any(rack3.Contains) || s.Disks.Any(d => d.Length == 0));
        var rebuilt = status.FragmentsRebuilt;
        await store.AssertEverythingReadsBackAsync();

        var added = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (code, body) = await store.AdminAsync(HttpMethod.Post, "disks", ("path", Path.Combine(store.Directory, $"new{i}")), ("rack", "rack4"));
            Assert.Equal(200, code);
            added.Add(body.GetProperty("id").GetString()!);
        }

        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"rack3 lost: {rebuilt} fragments rebuilt on rack1 and rack2; rack4 added: {store.Server.Repairer.Status().FragmentsRebuilt - rebuilt} fragments moved to it");
        Assert.True(store.Index.ReferencedSegments().All(s => s.Disks.Any(added.Contains)));
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(1), sweepOrphans: true);
        foreach (var disk in rack3)
        {
            Directory.Delete(store.DiskPaths[int.Parse(disk[4..], System.Globalization.CultureInfo.InvariantCulture) - 1], recursive: true);
        }

        store.AssertFullRedundancyAndNoOrphans("rack", 2);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task RepairOfAFailedDiskResumesAfterARestart()
    {
        await using var store = await RepairStore.StartAsync(4, 3, "4+2", "rack", o => o.RepairWorkers = 0);
        await store.PopulateAsync(16, 81);
        var onDisk = store.Index.ReferencedSegments().Count(s => s.Disks.Contains("disk2"));
        Assert.True(onDisk > 0);
        Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/disk2", ("state", "failed"))).Status);
        Assert.Equal(onDisk, store.Server.Repairer.Status().QueuedSegments);

        // Stopped before any repair ran: the queue is gone with the process, the failed state is not.
        await store.RestartAsync();
        Assert.Equal(DiskState.Failed, store.Server.Store.Storage.StateOf("disk2"));
        Assert.Equal(onDisk, store.Server.Repairer.Status().QueuedSegments);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk2"));
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(1), sweepOrphans: true);
        store.AssertFullRedundancyAndNoOrphans("rack", 2);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task AReplacedDiskIsRefilledWithinAMinuteWithoutARestart()
    {
        await using var store = await RepairStore.StartAsync(6, 1, "4+2", "disk", o => o.DiskCheckInterval = 1);
        await store.PopulateAsync(20, 31);
        var set = store.Server.Store.Storage;
        var path = store.DiskPaths[2];
        Directory.Delete(path, recursive: true);
        await WaitForAsync(() => set.StateOf("disk3") == DiskState.Failed, TimeSpan.FromSeconds(30));
        await store.AssertEverythingReadsBackAsync();

        // With six disks for RS(4,2) there is nowhere else to rebuild: the repairs wait for the disk (small objects'
        // three copies move to another disk at once).
        await WaitForAsync(() => store.Server.Repairer.Status() is { QueuedSegments: 0, InProgress: 0, Blocked: > 0 }, TimeSpan.FromSeconds(30));

        Directory.CreateDirectory(path);
        var watch = Stopwatch.StartNew();
        await WaitForAsync(
            () => set.StateOf("disk3") == DiskState.Active && store.Server.Repairer.Status() is { QueuedSegments: 0, InProgress: 0 }
                && store.FragmentFiles().Count(f => f.Disk == "disk3") == store.Index.ReferencedSegments().Count(s => s.Disks.Contains("disk3"))
                && store.Index.ReferencedSegments().All(s => s.DataShards == 1 || s.Disks.Contains("disk3")),
            TimeSpan.FromSeconds(60));
        output.WriteLine($"Replaced disk refilled in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1));
        Assert.Equal((0L, 0L), (store.Server.Repairer.Status().Blocked, store.Server.Repairer.Status().Unrecoverable));
        store.AssertFullRedundancyAndNoOrphans("disk", 1);
        Assert.True((await store.Server.Scrubber.ScrubOnceAsync(0, Ct)).Clean);
        await store.AssertEverythingReadsBackAsync();
    }

    [Fact]
    public async Task AdminShowsWhereFragmentsLiveAndDrainFailAndAddMoveThem()
    {
        await using var store = await RepairStore.StartAsync(4, 3, "4+2", "rack");
        var bucket = await store.PopulateAsync(12, 41);

        var (status, body) = await store.AdminAsync(HttpMethod.Get, "object", ("bucket", bucket), ("key", "multi"));
        Assert.Equal(200, status);
        var segments = body.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(3, segments.Count);
        foreach (var segment in segments)
        {
            var fragments = segment.GetProperty("fragments").EnumerateArray().ToList();
            Assert.Equal(6, fragments.Count);
            Assert.All(fragments, f => Assert.True(f.GetProperty("present").GetBoolean()));
            Assert.All(fragments.GroupBy(f => f.GetProperty("rack").GetString()), g => Assert.True(g.Count() <= 2));
            Assert.Equal(["data", "data", "data", "data", "parity", "parity"], fragments.Select(f => f.GetProperty("kind").GetString()));
        }

        Assert.Equal(404, (await store.AdminAsync(HttpMethod.Get, "object", ("bucket", bucket), ("key", "nope"))).Status);

        // The CLI prints the same, by domain.
        var text = await CliAsync(store, "object", bucket, "multi");
        Assert.Contains("rack1", text, StringComparison.Ordinal);
        Assert.Contains("parity", text, StringComparison.Ordinal);

        // Drain disk4: its fragments move, none is left referenced there.
        var (drained, drainBody) = await store.AdminAsync(HttpMethod.Post, "disks/disk4", ("state", "draining"));
        Assert.Equal(200, drained);
        Assert.True(drainBody.GetProperty("queued").GetInt32() > 0);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk4"));
        await store.AssertEverythingReadsBackAsync();

        // Rack2 may drain entirely (three racks of three still hold two fragments each), and one disk of rack3 too;
        // a second disk of rack3 would leave 3 + 1 + 2 places for 6 fragments at 2 per rack: refused.
        foreach (var disk in new[] { "disk5", "disk6", "disk8" })
        {
            Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/" + disk, ("state", "draining"))).Status);
        }

        var (refused, refusal) = await store.AdminAsync(HttpMethod.Post, "disks/disk9", ("state", "draining"));
        Assert.Equal(409, refused);
        Assert.Contains("rack", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
        foreach (var disk in new[] { "disk5", "disk6", "disk8" })
        {
            Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/" + disk, ("state", "active"))).Status);
        }

        // Add a disk in a fifth rack and fail disk7: new writes and the rebuilt fragments may use the new disk.
        var added = Path.Combine(store.Directory, "disk13");
        var (addStatus, addBody) = await store.AdminAsync(HttpMethod.Post, "disks", ("path", added), ("rack", "rack5"));
        Assert.Equal(200, addStatus);
        Assert.Equal("disk13", addBody.GetProperty("id").GetString());
        Assert.Equal(400, (await store.AdminAsync(HttpMethod.Post, "disks", ("path", added))).Status);
        Assert.Equal(200, (await store.AdminAsync(HttpMethod.Post, "disks/disk7", ("state", "failed"))).Status);
        await store.RepairUntilIdleAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 20; i++)
        {
            await store.PutAsync(bucket, $"new/{i}", Names.RandomBytes(20_000, 500 + i));
        }

        Assert.Contains(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk13"));
        Assert.DoesNotContain(store.Index.ReferencedSegments(), s => s.Disks.Contains("disk7") || s.Disks.Contains("disk4"));
        await store.AssertEverythingReadsBackAsync();

        // Stale copies left on the drained disk are orphans now: the collector removes them, nothing else.
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(1), sweepOrphans: true);
        var files = store.FragmentFiles();
        Assert.DoesNotContain(files, f => f.Disk == "disk4");
        var set = store.Server.Store.Storage;
        store.AssertFullRedundancyAndNoOrphans("rack", 2);

        // The status shows the states, the measured repair rate, and the queue as empty.
        var (ok, state) = await store.AdminAsync(HttpMethod.Get, "status");
        Assert.Equal(200, ok);
        var disks = state.GetProperty("disks").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!, d => d.GetProperty("state").GetString());
        Assert.Equal(13, disks.Count);
        Assert.Equal(("draining", "failed", "active", "active"), (disks["disk4"], disks["disk7"], disks["disk13"], disks["disk5"]));
        var repair = state.GetProperty("repair");
        Assert.Equal(0, repair.GetProperty("queued").GetInt32());
        Assert.True(repair.GetProperty("measuredBytesPerSecond").GetDouble() > 0);
        Assert.True(repair.GetProperty("fragmentsRebuilt").GetInt64() > 0);
        var cli = await CliAsync(store, "status");
        Assert.Contains("disk13", cli, StringComparison.Ordinal);
        Assert.Contains("100%", cli, StringComparison.Ordinal);
        output.WriteLine(cli);

        // The topology survives a restart: states and the added disk come back from topology.json.
        Assert.Equal(DiskState.Draining, set.StateOf("disk4"));
        var topology = TopologyStore.Load(Path.Combine(store.Directory, "meta"));
        Assert.Equal("disk13", Assert.Single(topology.Added).Id);
        Assert.Equal(DiskState.Failed, topology.States["disk7"]);
        Assert.Equal(DiskState.Draining, topology.States["disk4"]);

        // Only the root user may call the admin API.
        using var http = new HttpClient();
        var alice = new AdminClient(http, store.Server.Endpoint, "NOBODY", "nothing-secret", "us-east-1");
        var (denied, _) = await alice.SendAsync(HttpMethod.Get, "status", [], Ct);
        Assert.Equal(403, denied);
    }

    private static async Task<string> CliAsync(RepairStore store, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        string[] common = ["--endpoint", store.Server.Endpoint.ToString(), "--access-key", StoreFixture.RootKey, "--secret-key", StoreFixture.RootSecret];
        var code = await AdminCommand.Create().Parse([.. args, .. common]).InvokeAsync(config, Ct);
        Assert.True(code == 0, $"tessera admin {string.Join(' ', args)} exited {code}: {error}{output}");
        return output.ToString();
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not reached within {timeout}.");
            await Task.Delay(100, Ct);
        }
    }

    private static string FragmentPath(RepairStore store, string disk, Guid segment, int index)
    {
        var name = $"{segment:N}.{index}";
        return Path.Combine(store.DiskPaths[int.Parse(disk[4..], System.Globalization.CultureInfo.InvariantCulture) - 1], "fragments", name[..2], name);
    }
}
