using Tessera.Index;

namespace Tessera.Tests.Index;

/// <summary>
/// <see cref="IIndexStore.SwapRestore"/> as every index store must implement it: a compare-and-set of a version's
/// restore state that references the restored segments like the version's own (lookups, the scrubber's walk, repair's
/// disk moves) and queues them as garbage when the restore is dropped or the version removed; other writes keep it.
/// </summary>
internal static class RestoreIndexContract
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Runs the contract in versioned bucket <paramref name="bucket"/> (created by the caller).</summary>
    public static void Run(IIndexStore store, string bucket, int segmentsPerVersion = 1)
    {
        var archived = Manifest("k", segmentsPerVersion) with { StorageClass = "GLACIER" };
        var old = store.PutObject(bucket, archived).Stored!;
        var current = store.PutObject(bucket, archived with { Segments = [.. archived.Segments.Select(s => s with { Segment = Guid.NewGuid() })] }).Stored!;
        var garbageBefore = Garbage(store);

        // Start: null → ongoing; a second start from null fails (the restore is already in progress).
        var ongoing = new ObjectRestore { Ongoing = true, Days = 2, Tier = "Bulk", Requested = T0 };
        Assert.True(store.SwapRestore(bucket, "k", current.VersionId, null, ongoing));
        Assert.False(store.SwapRestore(bucket, "k", current.VersionId, null, ongoing with { Days = 5 }));
        Assert.False(store.SwapRestore(bucket, "k", "no-such-version", null, ongoing));
        Assert.True(store.GetObject(bucket, "k")!.Restore is { Ongoing: true, Days: 2, Tier: "Bulk" });
        Assert.Null(store.GetObject(bucket, "k", old.VersionId)!.Restore);

        // Done: the restored segment is referenced by the version, everywhere a segment is looked up.
        var copy = NewSegment(0);
        var done = ongoing with { Ongoing = false, Expiry = T0.AddDays(3), Segments = [copy] };
        Assert.True(store.SwapRestore(bucket, "k", current.VersionId, ongoing, done));
        Assert.False(store.SwapRestore(bucket, "k", current.VersionId, ongoing, null));
        var read = store.GetObject(bucket, "k", current.VersionId)!;
        Assert.True(ObjectRestore.SameState(done, read.Restore));
        Assert.True(ObjectRestore.SameState(done, store.GetObject(bucket, "k")!.Restore));
        Assert.Equal(current.Segments.Select(s => s.Segment), read.Segments.Select(s => s.Segment));
        Assert.True(store.IsSegmentReferenced(copy.Segment));
        Assert.Equal(copy.Disks, store.GetSegment(copy.Segment)!.Disks);
        var owner = store.FindSegmentOwner(copy.Segment)!;
        Assert.Equal((bucket, "k", current.VersionId, "STANDARD"), (owner.Bucket, owner.Key, owner.VersionId, owner.StorageClass));
        Assert.Equal("GLACIER", store.FindSegmentOwner(current.Segments[0].Segment)!.StorageClass);
        var referenced = store.ReferencedSegments().Select(s => s.Segment).ToHashSet();
        Assert.Contains(copy.Segment, referenced);
        Assert.All(current.Segments.Concat(old.Segments), s => Assert.Contains(s.Segment, referenced));

        // Repair moves a restored fragment: a compare-and-set on its disks, the restore state following.
        Assert.True(store.ReplaceSegmentDisks(copy.Segment, copy.Disks, ["d9", .. copy.Disks.Skip(1)]));
        Assert.False(store.ReplaceSegmentDisks(copy.Segment, copy.Disks, ["d8", .. copy.Disks.Skip(1)]));
        var moved = store.GetObject(bucket, "k")!.Restore!;
        Assert.Equal("d9", moved.Segments[0].Disks[0]);
        Assert.False(store.SwapRestore(bucket, "k", current.VersionId, done, null));

        // A metadata-only replacement (tags) keeps the stored restore whatever the caller passes.
        Assert.True(store.ReplaceManifest(bucket, read with { Tags = [new("t", "1")], Restore = null }));
        var tagged = store.GetObject(bucket, "k")!;
        Assert.Equal("1", tagged.Tags.Single().Value);
        Assert.True(ObjectRestore.SameState(moved, tagged.Restore));

        // A restored segment cannot be another version's.
        Assert.Throws<ArgumentException>(() => store.SwapRestore(bucket, "k", old.VersionId, null, done with { Segments = [current.Segments[0]] }));
        Assert.Null(store.GetObject(bucket, "k", old.VersionId)!.Restore);

        // Extension: the same copy, a later expiry; nothing queued.
        var extended = moved with { Expiry = T0.AddDays(9), Requested = T0.AddDays(1) };
        Assert.True(store.SwapRestore(bucket, "k", current.VersionId, moved, extended));
        Assert.Equal(garbageBefore, Garbage(store));

        // Expiry: the copy's segment goes to the garbage queue, the version keeps its own.
        Assert.True(store.SwapRestore(bucket, "k", current.VersionId, extended, null));
        Assert.Null(store.GetObject(bucket, "k")!.Restore);
        Assert.False(store.IsSegmentReferenced(copy.Segment));
        Assert.Equal(Sorted([.. garbageBefore, copy.Segment]), Garbage(store));
        Assert.All(current.Segments, s => Assert.True(store.IsSegmentReferenced(s.Segment)));

        // Removing a version with a restored copy queues both its segments and the copy's.
        var second = NewSegment(0);
        Assert.True(store.SwapRestore(bucket, "k", old.VersionId, null, done with { Segments = [second] }));
        Assert.True(store.IsSegmentReferenced(second.Segment));
        Assert.Equal(old.VersionId, store.FindSegmentOwner(second.Segment)!.VersionId);
        store.DeleteObject(bucket, "k", old.VersionId);
        Assert.False(store.IsSegmentReferenced(second.Segment));
        Assert.Equal(Sorted([.. garbageBefore, copy.Segment, second.Segment, .. old.Segments.Select(s => s.Segment)]), Garbage(store));
        Assert.False(store.SwapRestore(bucket, "k", old.VersionId, null, ongoing));

        // A new write never carries a restore over.
        var overwrite = store.PutObject(bucket, Manifest("k", 1) with { Restore = done with { Segments = [NewSegment(0)] } }).Stored!;
        Assert.Null(overwrite.Restore);
        Assert.Null(store.GetObject(bucket, "k")!.Restore);
    }

    private static List<Guid> Sorted(List<Guid> segments) => [.. segments.Order()];

    private static List<Guid> Garbage(IIndexStore store) =>
        [.. store.PeekGarbage(DateTimeOffset.MaxValue, 10_000).Select(g => g.Segment.Segment).Order()];

    private static ObjectManifest Manifest(string key, int segments) => new()
    {
        Key = key,
        VersionId = "",
        ETag = "e",
        Size = segments,
        LastModified = T0,
        Segments = [.. Enumerable.Range(segments > 1 ? 1 : 0, segments).Select(NewSegment)],
    };

    private static SegmentManifest NewSegment(int part) =>
        new() { PartNumber = part, Segment = Guid.NewGuid(), Size = 1, ETag = "e", DataShards = 2, ParityShards = 1, ShardSize = 4096, Disks = ["d1", "d2", "d3"] };
}
