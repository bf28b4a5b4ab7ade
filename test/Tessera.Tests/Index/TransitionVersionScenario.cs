using Tessera.Index;

namespace Tessera.Tests.Index;

/// <summary>
/// <see cref="IIndexStore.TransitionVersion"/> on any store: a noncurrent multi-segment version moved to new segments,
/// the latest one moved by class only, stale and invalid swaps refused, and the segment references and garbage exact.
/// </summary>
internal static class TransitionVersionScenario
{
    private static readonly DateTimeOffset When = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    public static void Run(IIndexStore store, string bucket, int segments = 3)
    {
        store.CreateBucket(new BucketInfo(bucket, "alice", When, "us-east-1", VersioningState.Enabled));
        var v1 = store.PutObject(bucket, Version("k", segments) with { UserMetadata = [new("colour", "blue")], Tags = [new("t", "1")], Checksums = [new("CRC32", "AAAAAA==")] }).Stored!;
        var v2 = store.PutObject(bucket, Version("k", 1)).Stored!;
        var garbageBefore = Garbage(store);

        // A noncurrent version to new segments: everything but its segments and class stays.
        var moved = v1.Segments.Select(s => Segment(s.PartNumber, k: 8, m: 4)).ToList();
        Assert.True(store.TransitionVersion(bucket, "k", v1.VersionId, [.. v1.Segments.Select(s => s.Segment)], moved, "STANDARD_IA"));
        var read = store.GetObject(bucket, "k", v1.VersionId)!;
        Assert.Equal(Render(v1 with { StorageClass = "STANDARD_IA", Segments = moved }), Render(read));
        Assert.Equal(v2.VersionId, store.GetObject(bucket, "k")!.VersionId);
        Assert.Equal("STANDARD", store.GetObject(bucket, "k")!.StorageClass);
        Assert.All(v1.Segments, s => Assert.False(store.IsSegmentReferenced(s.Segment)));
        Assert.All(moved, s => Assert.True(store.IsSegmentReferenced(s.Segment)));
        Assert.All(moved, s =>
        {
            var owner = store.FindSegmentOwner(s.Segment)!;
            Assert.Equal((bucket, "k", v1.VersionId, "STANDARD_IA", 8), (owner.Bucket, owner.Key, owner.VersionId, owner.StorageClass, owner.Segment.DataShards));
        });
        Assert.Equal(Render(moved[^1]), Render(store.GetSegment(moved[^1].Segment)!));
        var referenced = store.ReferencedSegments().Select(s => s.Segment).ToHashSet();
        Assert.Superset(moved.Select(s => s.Segment).ToHashSet(), referenced);
        Assert.Empty(v1.Segments.Select(s => s.Segment).Intersect(referenced));
        Assert.Equal(garbageBefore.Concat(v1.Segments.Select(s => s.Segment)).Order(), Garbage(store).Order());

        // The compare: a stale segment list, a missing version, a delete marker.
        Assert.False(store.TransitionVersion(bucket, "k", v1.VersionId, [.. v1.Segments.Select(s => s.Segment)], [.. v1.Segments.Select(s => Segment(s.PartNumber))], "GLACIER"));
        Assert.False(store.TransitionVersion(bucket, "k", "nope", [Guid.NewGuid()], [Segment(0)], "GLACIER"));
        var marker = store.DeleteObject(bucket, "k").DeleteMarker!;
        Assert.False(store.TransitionVersion(bucket, "k", marker.VersionId, [], [], "GLACIER"));
        Assert.Equal("STANDARD_IA", store.GetObject(bucket, "k", v1.VersionId)!.StorageClass);

        // A change of class only (the same segments): no garbage, the references stay.
        var garbage = Garbage(store);
        Assert.True(store.TransitionVersion(bucket, "k", v2.VersionId, [v2.Segments[0].Segment], v2.Segments, "GLACIER"));
        Assert.Equal("GLACIER", store.GetObject(bucket, "k", v2.VersionId)!.StorageClass);
        Assert.True(store.IsSegmentReferenced(v2.Segments[0].Segment));
        Assert.Equal(garbage.Order(), Garbage(store).Order());

        // The latest version: the latest pointer follows.
        store.DeleteObject(bucket, "k", marker.VersionId);
        var latest = store.GetObject(bucket, "k")!;
        var again = new List<SegmentManifest> { Segment(0, k: 8, m: 4) };
        Assert.True(store.TransitionVersion(bucket, "k", latest.VersionId, [latest.Segments[0].Segment], again, "STANDARD_IA"));
        Assert.Equal(again[0].Segment, store.GetObject(bucket, "k")!.Segments[0].Segment);
        Assert.Equal("STANDARD_IA", store.GetObject(bucket, "k")!.StorageClass);
        Assert.Equal("STANDARD_IA", Assert.Single(store.ListObjects(bucket, new ListObjectsQuery("", null, null, 10)).Objects).StorageClass);

        // A new segment some version holds already, or a count that differs: caller bugs.
        var current = store.GetObject(bucket, "k")!;
        Assert.Throws<ArgumentException>(() => store.TransitionVersion(bucket, "k", current.VersionId, [current.Segments[0].Segment], [moved[0]], "GLACIER"));
        Assert.Throws<ArgumentException>(() => store.TransitionVersion(bucket, "k", current.VersionId, [current.Segments[0].Segment], [], "GLACIER"));
        Assert.Equal(again[0].Segment, store.GetObject(bucket, "k")!.Segments[0].Segment);

        // Deleting a moved version releases its new segments.
        store.DeleteObject(bucket, "k", v1.VersionId);
        Assert.All(moved, s => Assert.False(store.IsSegmentReferenced(s.Segment)));
        Assert.Superset(moved.Select(s => s.Segment).ToHashSet(), Garbage(store).ToHashSet());
    }

    private static List<Guid> Garbage(IIndexStore store) => [.. store.PeekGarbage(DateTimeOffset.MaxValue, 100_000).Select(g => g.Segment.Segment)];

    private static string Render(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static SegmentManifest Segment(int part, int k = 4, int m = 2) => new()
    {
        PartNumber = part,
        Segment = Guid.NewGuid(),
        Size = 1000,
        ETag = "0123456789abcdef0123456789abcdef",
        DataShards = k,
        ParityShards = m,
        ShardSize = 4096,
        Disks = [.. Enumerable.Range(1, k + m).Select(i => "d" + i)],
    };

    private static ObjectManifest Version(string key, int segments) => new()
    {
        Key = key,
        VersionId = "",
        ETag = segments > 1 ? $"abc-{segments}" : "abc",
        Size = 1000 * segments,
        LastModified = When,
        Segments = [.. Enumerable.Range(1, segments).Select(i => Segment(segments > 1 ? i : 0))],
    };
}
