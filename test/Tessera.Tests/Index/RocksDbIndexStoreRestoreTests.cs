using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreRestoreTests
{
    [Fact]
    public void SwapRestoreIsACompareAndSetThatReferencesTheRestoredSegments()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        RestoreIndexContract.Run(f.Store, "v");
    }

    [Fact]
    public void ARestoreSurvivesAReopen()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var stored = f.Store.PutObject("b", StoreFixture.Manifest("k") with { StorageClass = "DEEP_ARCHIVE" }).Stored!;
        var copy = new SegmentManifest { Segment = Guid.NewGuid(), Size = 10, DataShards = 2, ParityShards = 1, Disks = ["d1", "d2", "d3"] };
        var restore = new ObjectRestore { Days = 1, Requested = f.Time.GetUtcNow(), Expiry = f.Time.GetUtcNow().AddDays(2), Segments = [copy] };
        Assert.True(f.Store.SwapRestore("b", "k", stored.VersionId, null, restore));

        var store = f.Reopen();
        Assert.True(ObjectRestore.SameState(restore, store.GetObject("b", "k")!.Restore));
        Assert.True(store.IsSegmentReferenced(copy.Segment));
        Assert.Equal(new SegmentReference("b", "k", stored.Sequence), store.FindSegmentReference(copy.Segment));

        // Overwriting the unversioned object releases the copy with the version.
        store.PutObject("b", StoreFixture.Manifest("k"));
        Assert.False(store.IsSegmentReferenced(copy.Segment));
        Assert.Contains(store.PeekGarbage(DateTimeOffset.MaxValue, 100), g => g.Segment.Segment == copy.Segment);
    }
}
