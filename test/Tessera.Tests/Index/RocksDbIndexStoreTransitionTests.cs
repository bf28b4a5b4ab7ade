using Tessera.Index;

namespace Tessera.Tests.Index;

/// <summary><see cref="RocksDbIndexStore.TransitionVersion"/>, and that a moved version survives a reopen.</summary>
public sealed class RocksDbIndexStoreTransitionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]
    public void TransitionVersionSwapsSegmentsAsACompareAndSet(int segments)
    {
        using var directory = new TempDirectory();
        using (var store = new RocksDbIndexStore(directory.Path, TimeProvider.System))
        {
            TransitionVersionScenario.Run(store, "t", segments);
        }

        using var reopened = new RocksDbIndexStore(directory.Path, TimeProvider.System);
        Assert.Equal("STANDARD_IA", reopened.GetObject("t", "k")!.StorageClass);
        Assert.All(reopened.GetObject("t", "k")!.Segments, s => Assert.True(reopened.IsSegmentReferenced(s.Segment)));
    }

    [Fact]
    public void ATaggingThatReadTheVersionBeforeATransitionDoesNotUndoIt()
    {
        using var directory = new TempDirectory();
        using var store = new RocksDbIndexStore(directory.Path, TimeProvider.System);
        store.CreateBucket(new BucketInfo("t", "alice", DateTimeOffset.UnixEpoch, "us-east-1", VersioningState.Unversioned));
        var segment = new SegmentManifest { Segment = Guid.NewGuid(), Size = 1, DataShards = 1, ParityShards = 1, ShardSize = 4096, Disks = ["d1", "d2"] };
        var read = store.PutObject("t", new ObjectManifest { Key = "k", VersionId = "", Segments = [segment] }).Stored!;
        var moved = segment with { Segment = Guid.NewGuid() };
        Assert.True(store.TransitionVersion("t", "k", "null", [segment.Segment], [moved], "STANDARD_IA"));

        Assert.True(store.ReplaceManifest("t", read with { Tags = [new("a", "b")] }));
        var stored = store.GetObject("t", "k")!;
        Assert.Equal(("STANDARD_IA", moved.Segment, "b"), (stored.StorageClass, stored.Segments[0].Segment, stored.Tags[0].Value));
    }
}
