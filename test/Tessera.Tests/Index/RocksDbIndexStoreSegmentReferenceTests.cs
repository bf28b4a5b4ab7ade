using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreSegmentReferenceTests
{
    private static readonly DateTimeOffset Far = DateTimeOffset.MaxValue;

    [Fact]
    public void APutReferencesItsSegmentsAndAnOverwriteReleasesTheOldOnes()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var first = f.Store.PutObject("b", StoreFixture.Manifest("k", segments: 3)).Stored!;
        Assert.All(first.Segments, s => Assert.Equal(new SegmentReference("b", "k", first.Sequence), f.Store.FindSegmentReference(s.Segment)));
        Assert.False(f.Store.IsSegmentReferenced(Guid.NewGuid()));

        var second = f.Store.PutObject("b", StoreFixture.Manifest("k", segments: 2)).Stored!;
        Assert.All(first.Segments, s => Assert.False(f.Store.IsSegmentReferenced(s.Segment)));
        Assert.All(second.Segments, s => Assert.Equal(new SegmentReference("b", "k", second.Sequence), f.Store.FindSegmentReference(s.Segment)));
        AssertGarbageIsExactly(f.Store, first);

        f.Store.DeleteObject("b", "k");
        Assert.All(second.Segments, s => Assert.False(f.Store.IsSegmentReferenced(s.Segment)));
        AssertGarbageIsExactly(f.Store, first, second);
    }

    [Fact]
    public void VersionedDeletesReleaseExactlyTheVersionRemoved()
    {
        using var f = new StoreFixture();
        var bucket = f.CreateBucket("v", VersioningState.Enabled);
        var v1 = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;
        var v2 = f.Store.PutObject("v", StoreFixture.Manifest("k", segments: 2)).Stored!;

        // A delete marker removes nothing: both versions keep their segments.
        var marker = f.Store.DeleteObject("v", "k").DeleteMarker!;
        Assert.All(v1.Segments.Concat(v2.Segments), s => Assert.True(f.Store.IsSegmentReferenced(s.Segment)));
        AssertGarbageIsExactly(f.Store);

        // Deleting a specific (non-current) version releases its segments only.
        f.Store.DeleteObject("v", "k", v1.VersionId);
        Assert.All(v1.Segments, s => Assert.False(f.Store.IsSegmentReferenced(s.Segment)));
        Assert.All(v2.Segments, s => Assert.True(f.Store.IsSegmentReferenced(s.Segment)));
        f.Store.DeleteObject("v", "k", marker.VersionId);
        Assert.All(v2.Segments, s => Assert.True(f.Store.IsSegmentReferenced(s.Segment)));
        AssertGarbageIsExactly(f.Store, v1);

        // Suspended: a delete marker replaces the null version, releasing it.
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Suspended });
        var n = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;
        Assert.True(f.Store.IsSegmentReferenced(n.Segments[0].Segment));
        f.Store.DeleteObject("v", "k");
        Assert.False(f.Store.IsSegmentReferenced(n.Segments[0].Segment));
        Assert.All(v2.Segments, s => Assert.True(f.Store.IsSegmentReferenced(s.Segment)));
        AssertGarbageIsExactly(f.Store, v1, n);
    }

    [Fact]
    public void ReplaceManifestKeepsTheReferencesAndEverythingSurvivesAReopen()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        var old = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;
        var current = f.Store.PutObject("v", StoreFixture.Manifest("k", segments: 2)).Stored!;
        var removed = f.Store.PutObject("v", StoreFixture.Manifest("gone")).Stored!;
        f.Store.DeleteObject("v", "gone", removed.VersionId);
        Assert.True(f.Store.ReplaceManifest("v", old with { Tags = [new("t", "1")] }));
        Assert.True(f.Store.ReplaceManifest("v", current with { Tags = [new("t", "2")] }));
        Assert.Equal(new SegmentReference("v", "k", old.Sequence), f.Store.FindSegmentReference(old.Segments[0].Segment));
        Assert.All(current.Segments, s => Assert.Equal(new SegmentReference("v", "k", current.Sequence), f.Store.FindSegmentReference(s.Segment)));

        var store = f.Reopen();
        Assert.All(old.Segments.Concat(current.Segments), s => Assert.True(store.IsSegmentReferenced(s.Segment)));
        Assert.False(store.IsSegmentReferenced(removed.Segments[0].Segment));
        AssertGarbageIsExactly(store, removed);
    }

    [Fact]
    public void AVersionMayNotListASegmentAnotherVersionOwns()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("v", VersioningState.Enabled);
        var owner = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;

        // Reusing it (same key, other key, other bucket) would queue it as garbage while still listed: refused.
        Assert.Throws<ArgumentException>(() => f.Store.PutObject("v", StoreFixture.Manifest("k") with { Segments = owner.Segments }));
        Assert.Throws<ArgumentException>(() => f.Store.PutObject("b", StoreFixture.Manifest("other") with { Segments = owner.Segments }));
        var twice = StoreFixture.Manifest("k2");
        Assert.Throws<ArgumentException>(() => f.Store.PutObject("b", twice with { Segments = [twice.Segments[0], twice.Segments[0]] }));
        Assert.Null(f.Store.GetObject("b", "other"));
        Assert.Null(f.Store.GetObject("b", "k2"));
        Assert.Equal(owner.Sequence, f.Store.GetObject("v", "k")!.Sequence);
        Assert.Equal(new SegmentReference("v", "k", owner.Sequence), f.Store.FindSegmentReference(owner.Segments[0].Segment));
    }

    [Fact]
    public void ADatabaseWithoutReferencesGetsThemRebuiltOnOpen()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("v", VersioningState.Enabled);
        var kept = Enumerable.Range(0, 1500).Select(i => f.Store.PutObject("b", StoreFixture.Manifest($"k{i % 1200}")).Stored!).TakeLast(1200).ToList();
        var versions = new[] { f.Store.PutObject("v", StoreFixture.Manifest("x", segments: 3)).Stored!, f.Store.PutObject("v", StoreFixture.Manifest("x")).Stored! };
        f.Store.DeleteObject("v", "x");
        var live = kept.Concat(versions).SelectMany(m => m.Segments).ToList();
        f.Store.Dispose();

        // What a build before segment references left: no 06 'R' records and no layout mark.
        Assert.Equal(live.Count, RawIndex.DeleteWithPrefix(f.Path, [0x06, (byte)'R']));
        Assert.Equal(1, RawIndex.DeleteWithPrefix(f.Path, [0x07, (byte)'M']));

        var store = f.Reopen();
        Assert.All(kept, m => Assert.Equal(new SegmentReference("b", m.Key, m.Sequence), store.FindSegmentReference(m.Segments[0].Segment)));
        Assert.All(versions.SelectMany(m => m.Segments), s => Assert.True(store.IsSegmentReferenced(s.Segment)));
        Assert.All(store.PeekGarbage(Far, 1000), g => Assert.False(store.IsSegmentReferenced(g.Segment.Segment)));
    }

    [Fact]
    public void ADatabaseFromANewerBuildIsRefused()
    {
        using var f = new StoreFixture();
        f.Store.Dispose();
        RawIndex.Put(f.Path, [0x07, (byte)'M'], [0, 0, 0, 0, 0, 0, 0, (byte)(RocksDbIndexStore.CurrentLayout + 1)]);
        Assert.Throws<InvalidDataException>(() => f.Reopen());
    }

    /// <summary>The garbage queue holds exactly the segments of <paramref name="dropped"/>, none of them referenced.</summary>
    private static void AssertGarbageIsExactly(RocksDbIndexStore store, params ObjectManifest[] dropped)
    {
        var garbage = store.PeekGarbage(Far, 1000);
        Assert.Equal(dropped.SelectMany(m => m.Segments).Select(s => s.Segment).Order(), garbage.Select(g => g.Segment.Segment).Order());
        Assert.All(garbage, g => Assert.False(store.IsSegmentReferenced(g.Segment.Segment)));
    }
}
