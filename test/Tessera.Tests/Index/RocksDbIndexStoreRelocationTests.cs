using Tessera.Index;

namespace Tessera.Tests.Index;

/// <summary>Repair's view of the index: finding a segment and moving its fragments with a compare-and-set.</summary>
public sealed class RocksDbIndexStoreRelocationTests
{
    [Fact]
    public void AVersionsSegmentMovesAtomicallyAndTheLatestPointerFollows()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b", VersioningState.Enabled);
        var old = f.Store.PutObject("b", StoreFixture.Manifest("k", segments: 2)).Stored!;
        var latest = f.Store.PutObject("b", StoreFixture.Manifest("k", segments: 2)).Stored!;
        var segment = latest.Segments[1].Segment;
        Assert.Equal(new[] { "d1", "d2", "d3" }, f.Store.GetSegment(segment)!.Disks);
        Assert.Null(f.Store.GetSegment(Guid.NewGuid()));

        // A stale expectation changes nothing.
        Assert.False(f.Store.ReplaceSegmentDisks(segment, ["d1", "d2", "dX"], ["d1", "d9", "d3"]));
        Assert.True(f.Store.ReplaceSegmentDisks(segment, ["d1", "d2", "d3"], ["d1", "d9", "d3"]));
        Assert.False(f.Store.ReplaceSegmentDisks(segment, ["d1", "d2", "d3"], ["d1", "d8", "d3"]));

        Assert.Equal(new[] { "d1", "d9", "d3" }, f.Store.GetSegment(segment)!.Disks);
        var current = f.Store.GetObject("b", "k")!;
        Assert.Equal(new[] { "d1", "d9", "d3" }, current.Segments[1].Disks);
        Assert.Equal(new[] { "d1", "d2", "d3" }, current.Segments[0].Disks);
        Assert.Equal(latest.Sequence, current.Sequence);
        Assert.Equal(current.Segments[1].Disks, f.Store.GetObject("b", "k", latest.VersionId)!.Segments[1].Disks);

        // An older version moves without touching the latest pointer.
        var oldSegment = old.Segments[0].Segment;
        Assert.True(f.Store.ReplaceSegmentDisks(oldSegment, ["d1", "d2", "d3"], ["d7", "d2", "d3"]));
        Assert.Equal("d7", f.Store.GetObject("b", "k", old.VersionId)!.Segments[0].Disks[0]);
        Assert.Equal("d1", f.Store.GetObject("b", "k")!.Segments[0].Disks[0]);
        var owner = f.Store.FindSegmentOwner(oldSegment)!;
        Assert.Equal(("b", "k", old.VersionId, (string?)null), (owner.Bucket, owner.Key, owner.VersionId, owner.UploadId));

        // A deleted version's segment is gone: nothing to move.
        f.Store.DeleteObject("b", "k", old.VersionId);
        Assert.Null(f.Store.GetSegment(oldSegment));
        Assert.False(f.Store.ReplaceSegmentDisks(oldSegment, ["d7", "d2", "d3"], ["d1", "d2", "d3"]));
        Assert.Throws<ArgumentException>(() => f.Store.ReplaceSegmentDisks(segment, ["d1"], ["d1", "d2"]));
    }

    [Fact]
    public void APartsSegmentMovesAndTheCompletedObjectKeepsTheMove()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var (upload, parts) = Multipart.Start(f, "b", "k", 1, 2);
        var segment = parts[2].Segment.Segment;
        var owner = f.Store.FindSegmentOwner(segment)!;
        Assert.Equal((upload.UploadId, 2, (string?)null), (owner.UploadId, owner.PartNumber, owner.VersionId));

        Assert.True(f.Store.ReplaceSegmentDisks(segment, ["d1", "d2", "d3"], ["d4", "d2", "d3"]));
        Assert.Equal("d4", f.Store.GetSegment(segment)!.Disks[0]);
        Assert.Equal("d4", f.Store.ListParts("b", "k", upload.UploadId, 0, 10)!.Parts.Single(p => p.PartNumber == 2).Segment.Disks[0]);

        // A gateway that read the parts before the move completes with the old disks: the stored ones win.
        var completed = f.Store.CompleteUpload("b", "k", upload.UploadId, [1, 2], Multipart.Assemble(upload, [parts[1], parts[2]]));
        Assert.Equal(CompleteStatus.Completed, completed.Status);
        Assert.Equal("d4", f.Store.GetObject("b", "k")!.Segments[1].Disks[0]);
        Assert.Null(f.Store.FindSegmentOwner(segment)!.UploadId);
        Assert.True(f.Store.ReplaceSegmentDisks(segment, ["d4", "d2", "d3"], ["d5", "d2", "d3"]));
        Assert.Equal("d5", f.Store.GetObject("b", "k")!.Segments[1].Disks[0]);
    }

    [Fact]
    public void ConcurrentMovesOfOneSegmentAreSerialized()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var segment = f.Store.PutObject("b", StoreFixture.Manifest("k")).Stored!.Segments[0].Segment;
        var wins = 0;
        Parallel.For(0, 16, i =>
        {
            if (f.Store.ReplaceSegmentDisks(segment, ["d1", "d2", "d3"], ["d1", "d2", $"n{i}"]))
            {
                Interlocked.Increment(ref wins);
            }
        });
        Assert.Equal(1, wins);
        Assert.StartsWith("n", f.Store.GetSegment(segment)!.Disks[2], StringComparison.Ordinal);
    }
}
