using System.Diagnostics;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// etcd's limits (128 operations per Txn, 1.5 MiB per request, neither raised) hold for the largest multipart upload S3
/// allows: 10,000 parts are stored in parallel, completed, read back, moved, deleted and collected as garbage, and an
/// upload of many parts is aborted, with every Txn the store sent counted.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreManyPartsTests(IndexGroupsFixture etcd)
{
    private const int Writers = 4;

    [Fact]
    public void TenThousandPartsCompleteReadBackAndAreCollectedWithinEtcdsLimits()
    {
        const int Parts = 10_000;
        var (a, b) = etcd.Groups();
        var time = new ManualTimeProvider(Now);
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "big/m"), new MemoryBucketCatalog(), time);
        store.CreateBucket(new BucketInfo("big", "alice", Now, "us-east-1", VersioningState.Unversioned));
        Assert.True(store.CreateUpload(new MultipartUpload("big", "movie.mkv", "u1", Now, "alice", new ObjectManifest { Key = "movie.mkv", VersionId = "", StorageClass = "STANDARD_IA" })));

        var clock = Stopwatch.StartNew();
        var segments = StoreParts(store, "movie.mkv", "u1", Parts);
        var stored = clock.Elapsed;
        var listed = new List<UploadPart>();
        for (var marker = 0; store.ListParts("big", "movie.mkv", "u1", marker, 1000) is { } page; marker = page.NextPartNumberMarker)
        {
            listed.AddRange(page.Parts);
            if (!page.IsTruncated)
            {
                break;
            }
        }

        Assert.Equal(segments.Select(s => s.Segment), listed.Select(p => p.Segment.Segment));

        store.Stats.Reset();
        clock.Restart();
        var manifest = new ObjectManifest { Key = "movie.mkv", VersionId = "", ETag = "f00d-10000", Size = segments.Sum(s => s.Size), LastModified = Now, StorageClass = "STANDARD_IA", Segments = segments };
        var completed = store.CompleteUpload("big", "movie.mkv", "u1", [.. Enumerable.Range(1, Parts)], manifest);
        var completion = (clock.Elapsed, store.Stats.Txns, store.Stats.MaxCompares, store.Stats.MaxOps, store.Stats.MaxBytes);
        Assert.Equal(CompleteStatus.Completed, completed.Status);
        AssertWithinLimits(store.Stats);
        var chunks = Count(b, [0x0D, (byte)'S']);
        Assert.InRange(chunks, 2, 20);

        // Read back: the version and the listing carry every segment, in order, with its disks.
        var read = store.GetObject("big", "movie.mkv")!;
        Assert.Equal(Parts, read.Segments.Count);
        Assert.True(read.Segments.Zip(segments).All(p => SegmentComparer.Instance.Equals(p.First, p.Second)), "The version's segments are not the parts'.");
        Assert.Equal(Parts, store.ListObjects("big", new ListObjectsQuery("", null, null, 10)).Objects.Single().Segments.Count);
        Assert.NotNull(store.GetCompletedUpload("big", "movie.mkv", "u1"));
        Assert.Null(store.GetUpload("big", "movie.mkv", "u1"));

        // The parts' references now resolve to the version; repair can move a fragment of one of them.
        var middle = segments[Parts / 2];
        Assert.True(store.IsSegmentReferenced(middle.Segment));
        var owner = store.FindSegmentOwner(middle.Segment)!;
        Assert.Equal((read.VersionId, (string?)null, 0, "STANDARD_IA"), (owner.VersionId, owner.UploadId, owner.PartNumber, owner.StorageClass));
        Assert.True(store.ReplaceSegmentDisks(middle.Segment, middle.Disks, ["n9-disk0", .. middle.Disks.Skip(1)]));
        Assert.Equal("n9-disk0", store.GetObject("big", "movie.mkv")!.Segments[Parts / 2].Disks[0]);
        Assert.Equal("n9-disk0", store.GetSegment(middle.Segment)!.Disks[0]);
        Assert.Equal(Parts, store.ReferencedSegments().Count());

        // Deleting it queues its 10,000 segments as garbage, which the collector takes 1,000 at a time.
        var removed = store.DeleteObject("big", "movie.mkv").Removed!;
        Assert.Equal(Parts, removed.Segments.Count);
        Assert.False(store.IsSegmentReferenced(middle.Segment));
        var collected = new HashSet<Guid>();
        for (var round = 0; round < 20; round++)
        {
            var due = store.PeekGarbage(DateTimeOffset.MaxValue, 1000);
            if (due.Count == 0)
            {
                break;
            }

            collected.UnionWith(due.Select(g => g.Segment.Segment));
            store.RemoveGarbage(due);
        }

        Assert.Equal(segments.Select(s => s.Segment).ToHashSet(), collected);
        Assert.Empty(store.PeekGarbage(DateTimeOffset.MaxValue, 1000));
        Assert.Equal(0, Count(b, [0x0D, (byte)'S']) + Count(b, [0x06, (byte)'R']) + Count(b, [0x09, (byte)'P']) + Count(b, [0x04, (byte)'G']));
        AssertWithinLimits(store.Stats);
        Within.Log($"{Parts} parts stored by {Writers} writers in {stored.TotalSeconds:F1} s; completed in {completion.Elapsed.TotalMilliseconds:F0} ms with {completion.Txns} Txns, its segments in {chunks} chunks "
            + $"(at most {completion.MaxCompares} compares, {completion.MaxOps} operations, {completion.MaxBytes} bytes in one); "
            + $"after reads, a move, the delete and garbage collection: at most {store.Stats.MaxCompares} compares, {store.Stats.MaxOps} operations, {store.Stats.MaxBytes} bytes in one Txn");
    }

    [Fact]
    public void AnAbortOfManyPartsQueuesThemAllAsGarbageWithinEtcdsLimits()
    {
        const int Parts = 1_500;
        var (a, b) = etcd.Groups();
        using var store = ShardedIndex.Store(ShardedIndex.Directory(a, b, "big/m"), new MemoryBucketCatalog(), new ManualTimeProvider(Now));
        store.CreateBucket(new BucketInfo("big", "alice", Now, "us-east-1", VersioningState.Unversioned));
        Assert.True(store.CreateUpload(new MultipartUpload("big", "a.iso", "u1", Now, "alice", new ObjectManifest { Key = "a.iso", VersionId = "" })));
        var segments = StoreParts(store, "a.iso", "u1", Parts);

        store.Stats.Reset();
        Assert.Equal(AbortResult.Aborted, store.AbortUpload("big", "a.iso", "u1"));
        AssertWithinLimits(store.Stats);
        var abort = store.Stats.Txns;
        Assert.Equal(segments.Select(s => s.Segment).Order(), store.PeekGarbage(DateTimeOffset.MaxValue, 10_000).Select(g => g.Segment.Segment).Order());
        Assert.Empty(store.ReferencedSegments());
        store.RemoveGarbage(store.PeekGarbage(DateTimeOffset.MaxValue, 10_000));
        Assert.Empty(store.PeekGarbage(DateTimeOffset.MaxValue, 10_000));
        Assert.Equal(0, Count(a, [0x0D, (byte)'S']) + Count(a, [0x06, (byte)'R']) + Count(a, [0x09, (byte)'P']) + Count(a, [0x0F, (byte)'T']));
        Within.Log($"abort of {Parts} parts: {abort} Txns (the released segments staged in a chunk set first)");
    }

    /// <summary>Stores parts 1..<paramref name="parts"/> from <see cref="Writers"/> threads; returns their segments in part order.</summary>
    private static List<SegmentManifest> StoreParts(EtcdIndexStore store, string key, string uploadId, int parts)
    {
        var segments = Enumerable.Range(1, parts).Select(n => new SegmentManifest
        {
            PartNumber = n,
            Segment = Guid.NewGuid(),
            Size = 5 << 20,
            ETag = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            DataShards = 4,
            ParityShards = 2,
            ShardSize = 1 << 20,
            Disks = [.. Enumerable.Range(0, 6).Select(d => $"n{(n + d) % 3 + 1}-disk{d}")],
        }).ToList();
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            for (var n = w; n < parts; n += Writers)
            {
                var result = store.PutPart("big", key, uploadId, new UploadPart(n + 1, segments[n], Now, "CRC32C", "AAAAAA=="));
                if (result.Status != PutPartStatus.Stored)
                {
                    throw new InvalidOperationException($"Part {n + 1}: {result.Status}.");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(5)), "The parts were not stored in 5 minutes.");
        }

        return segments;
    }

    private static void AssertWithinLimits(TxnStats stats)
    {
        Assert.InRange(stats.MaxCompares, 1, EtcdIndexOptions.EtcdMaxTxnOps);
        Assert.InRange(stats.MaxOps, 1, EtcdIndexOptions.EtcdMaxTxnOps);
        Assert.InRange(stats.MaxBytes, 1, EtcdIndexOptions.EtcdMaxRequestBytes);
    }
}
