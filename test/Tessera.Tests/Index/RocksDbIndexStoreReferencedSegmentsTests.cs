using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreReferencedSegmentsTests
{
    [Fact]
    public void EveryReferencedSegmentAppearsExactlyOnceAndGarbageNever()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("v", VersioningState.Enabled);
        var expected = new HashSet<Guid>();
        var released = new HashSet<Guid>();

        // Plain bucket: one kept object, one overwritten (its first segments are garbage), one deleted.
        var kept = f.Store.PutObject("b", StoreFixture.Manifest("kept", segments: 3)).Stored!;
        var overwritten = f.Store.PutObject("b", StoreFixture.Manifest("over", segments: 2)).Stored!;
        var current = f.Store.PutObject("b", StoreFixture.Manifest("over")).Stored!;
        var deleted = f.Store.PutObject("b", StoreFixture.Manifest("gone")).Stored!;
        f.Store.DeleteObject("b", "gone");
        expected.UnionWith(kept.Segments.Concat(current.Segments).Select(s => s.Segment));
        released.UnionWith(overwritten.Segments.Concat(deleted.Segments).Select(s => s.Segment));

        // Versioned bucket: two versions and a delete marker (no segments), one version deleted by id.
        var v1 = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;
        var v2 = f.Store.PutObject("v", StoreFixture.Manifest("k", segments: 2)).Stored!;
        var v3 = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;
        f.Store.DeleteObject("v", "k");
        f.Store.DeleteObject("v", "k", v3.VersionId);
        expected.UnionWith(v1.Segments.Concat(v2.Segments).Select(s => s.Segment));
        released.UnionWith(v3.Segments.Select(s => s.Segment));

        // Multipart: a completed upload (parts 1 and 3 used, 2 released), an open one with a replaced part, an aborted one.
        var (done, doneParts) = Multipart.Start(f, "b", "mp", 1, 2, 3);
        Assert.Equal(CompleteStatus.Completed, Multipart.Complete(f, done, doneParts, [1, 3]).Status);
        expected.UnionWith([doneParts[1].Segment.Segment, doneParts[3].Segment.Segment]);
        released.Add(doneParts[2].Segment.Segment);

        var (open, openParts) = Multipart.Start(f, "b", "open", 1, 2);
        var again = Multipart.Part(2);
        Assert.Equal(PutPartStatus.Stored, f.Store.PutPart("b", "open", open.UploadId, again).Status);
        expected.UnionWith([openParts[1].Segment.Segment, again.Segment.Segment]);
        released.Add(openParts[2].Segment.Segment);

        var (aborted, abortedParts) = Multipart.Start(f, "v", "abort", 1);
        f.Store.AbortUpload("v", "abort", aborted.UploadId);
        released.Add(abortedParts[1].Segment.Segment);

        var listed = f.Store.ReferencedSegments().Select(s => s.Segment).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(expected.Order(), listed.Order());
        Assert.Empty(released.Intersect(listed));
        Assert.All(listed, s => Assert.True(f.Store.IsSegmentReferenced(s)));

        // The manifests come back whole (disks, code), as stored.
        var part = f.Store.ReferencedSegments().Single(s => s.Segment == again.Segment.Segment);
        Assert.Equal(again.Segment.Disks, part.Disks);
        Assert.Equal((2, 1, 4096), (part.DataShards, part.ParityShards, part.ShardSize));
    }

    [Fact]
    public void AnEmptyIndexReferencesNothingAndTheWalkIsLazy()
    {
        using var f = new StoreFixture();
        Assert.Empty(f.Store.ReferencedSegments());
        f.CreateBucket("b");
        for (var i = 0; i < 50; i++)
        {
            f.Store.PutObject("b", StoreFixture.Manifest($"k{i}"));
        }

        // A view taken when enumeration starts: a write after that is not seen by the walk in progress.
        using var walk = f.Store.ReferencedSegments().GetEnumerator();
        Assert.True(walk.MoveNext());
        f.Store.PutObject("b", StoreFixture.Manifest("late"));
        var count = 1;
        while (walk.MoveNext())
        {
            count++;
        }

        Assert.Equal(50, count);
        Assert.Equal(51, f.Store.ReferencedSegments().Count());
    }
}
