using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreObjectTests
{
    private static readonly DateTimeOffset Far = DateTimeOffset.MaxValue;

    [Fact]
    public void PutThenGetReturnsTheStoredManifest()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var manifest = StoreFixture.Manifest("dir/ключ 😀", versionId: "ignored") with { ContentType = "text/plain", UserMetadata = [new("a", "1")] };
        var result = f.Store.PutObject("b", manifest with { Sequence = 12345 });
        Assert.Equal(PutObjectStatus.Committed, result.Status);
        Assert.Null(result.Replaced);
        var stored = result.Stored!;
        Assert.Equal("null", stored.VersionId);
        Assert.NotEqual(12345UL, stored.Sequence);
        Assert.True(IndexGen.Same(manifest with { Sequence = stored.Sequence, VersionId = "null" }, stored));
        Assert.True(IndexGen.Same(stored, f.Store.GetObject("b", manifest.Key)!));
        Assert.True(IndexGen.Same(stored, f.Store.GetObject("b", manifest.Key, "null")!));
        Assert.Null(f.Store.GetObject("b", manifest.Key, "other"));
        Assert.Null(f.Store.GetObject("b", "dir/"));
        Assert.Null(f.Store.GetObject("missing-bucket", manifest.Key));
    }

    [Fact]
    public void PutIntoAMissingBucketFails()
    {
        using var f = new StoreFixture();
        Assert.Equal(PutObjectStatus.NoSuchBucket, f.Store.PutObject("nope", StoreFixture.Manifest("k")).Status);
        Assert.True(f.Store.DeleteObject("nope", "k").NoSuchBucket);
    }

    [Fact]
    public void OverwriteReplacesTheNullVersionAndQueuesItsSegments()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var first = f.Store.PutObject("b", StoreFixture.Manifest("k", "e1", segments: 2)).Stored!;
        f.Time.Advance(TimeSpan.FromMinutes(1));
        var second = f.Store.PutObject("b", StoreFixture.Manifest("k", "e2"));
        Assert.Equal(PutObjectStatus.Committed, second.Status);
        Assert.True(IndexGen.Same(first, second.Replaced!));
        Assert.True(second.Stored!.Sequence > first.Sequence);
        Assert.Equal("e2", f.Store.GetObject("b", "k")!.ETag);
        Assert.Equal("e2", f.Store.GetObject("b", "k", "null")!.ETag);

        var garbage = f.Store.PeekGarbage(Far, 100);
        Assert.Equal(2, garbage.Count);
        Assert.Equal(first.Segments.Select(s => s.Segment), garbage.Select(g => g.Segment.Segment));
        Assert.All(garbage, g => Assert.Equal(f.Time.GetUtcNow(), g.Queued));
        Assert.True(garbage[0].Sequence != garbage[1].Sequence);
        Assert.Empty(f.Store.PeekGarbage(f.Time.GetUtcNow(), 100));

        f.Store.RemoveGarbage(garbage);
        Assert.Empty(f.Store.PeekGarbage(Far, 100));
    }

    [Fact]
    public void PeekGarbageIsOldestFirstAndBounded()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var queuedAt = new List<DateTimeOffset>();
        for (var i = 0; i < 5; i++)
        {
            f.Store.PutObject("b", StoreFixture.Manifest("k"));
            queuedAt.Add(f.Time.GetUtcNow());
            f.Time.Advance(TimeSpan.FromSeconds(10));
        }

        // The first put replaced nothing; puts 2..5 queued the previous segment at their own time.
        var all = f.Store.PeekGarbage(Far, 100);
        Assert.Equal(queuedAt.Skip(1), all.Select(g => g.Queued));
        Assert.Equal(2, f.Store.PeekGarbage(Far, 2).Count);
        Assert.Equal(queuedAt.Skip(1).Take(2), f.Store.PeekGarbage(queuedAt[3], 100).Select(g => g.Queued));
        Assert.Empty(f.Store.PeekGarbage(Far, 0));
    }

    [Fact]
    public void DeleteInAnUnversionedBucketRemovesTheObject()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var stored = f.Store.PutObject("b", StoreFixture.Manifest("k", segments: 3)).Stored!;
        var deleted = f.Store.DeleteObject("b", "k");
        Assert.False(deleted.NoSuchBucket);
        Assert.True(IndexGen.Same(stored, deleted.Removed!));
        Assert.Null(deleted.DeleteMarker);
        Assert.Null(f.Store.GetObject("b", "k"));
        Assert.Null(f.Store.GetObject("b", "k", includeDeleteMarker: true));
        Assert.Equal(3, f.Store.PeekGarbage(Far, 100).Count);

        var again = f.Store.DeleteObject("b", "k");
        Assert.False(again.NoSuchBucket);
        Assert.Null(again.Removed);
    }

    [Fact]
    public void ConditionalPuts()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var ifNoneMatch = new WriteCondition(IfNoneMatchAny: true);
        Assert.Equal(PutObjectStatus.PreconditionFailed, f.Store.PutObject("b", StoreFixture.Manifest("k", "x"), new WriteCondition(IfMatchETag: "x")).Status);
        Assert.Equal(PutObjectStatus.Committed, f.Store.PutObject("b", StoreFixture.Manifest("k", "e1"), ifNoneMatch).Status);
        Assert.Equal(PutObjectStatus.PreconditionFailed, f.Store.PutObject("b", StoreFixture.Manifest("k", "e2"), ifNoneMatch).Status);
        Assert.Equal(PutObjectStatus.PreconditionFailed, f.Store.PutObject("b", StoreFixture.Manifest("k", "e2"), new WriteCondition(IfMatchETag: "nope")).Status);
        Assert.Equal("e1", f.Store.GetObject("b", "k")!.ETag);
        Assert.Empty(f.Store.PeekGarbage(Far, 10));
        Assert.Equal(PutObjectStatus.Committed, f.Store.PutObject("b", StoreFixture.Manifest("k", "e2"), new WriteCondition(IfMatchETag: "e1")).Status);
        Assert.Equal("e2", f.Store.GetObject("b", "k")!.ETag);
    }

    [Fact]
    public async Task ExactlyOneOfRacingIfNoneMatchWritersWins()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        for (var round = 0; round < 5; round++)
        {
            var key = $"race-{round}";
            using var barrier = new Barrier(8);
            var writers = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            {
                barrier.SignalAndWait(TimeSpan.FromSeconds(30));
                return f.Store.PutObject("b", StoreFixture.Manifest(key, $"writer-{i}"), new WriteCondition(IfNoneMatchAny: true));
            }));
            var results = await Task.WhenAll(writers);
            Assert.Single(results, r => r.Status == PutObjectStatus.Committed);
            Assert.Equal(7, results.Count(r => r.Status == PutObjectStatus.PreconditionFailed));
            var winner = results.Single(r => r.Status == PutObjectStatus.Committed).Stored!;
            Assert.Equal(winner.ETag, f.Store.GetObject("b", key)!.ETag);
        }

        Assert.Empty(f.Store.PeekGarbage(Far, 10));
    }

    [Fact]
    public async Task APutIntoAConcurrentlyDeletedBucketNeverSurvives()
    {
        using var f = new StoreFixture();
        for (var round = 0; round < 40; round++)
        {
            var bucket = $"b{round}";
            f.CreateBucket(bucket);
            using var barrier = new Barrier(2);
            var put = Task.Run(() =>
            {
                barrier.SignalAndWait(TimeSpan.FromSeconds(30));
                return f.Store.PutObject(bucket, StoreFixture.Manifest("k"));
            });
            var delete = Task.Run(() =>
            {
                barrier.SignalAndWait(TimeSpan.FromSeconds(30));
                return f.Store.DeleteBucket(bucket);
            });
            var (putResult, deleteResult) = (await put, await delete);
            if (deleteResult == BucketDeleteResult.Deleted)
            {
                Assert.Equal(PutObjectStatus.NoSuchBucket, putResult.Status);
                Assert.Null(f.Store.GetBucket(bucket));
                Assert.Null(f.Store.GetObject(bucket, "k"));
                Assert.Empty(f.Store.ListObjects(bucket, new ListObjectsQuery("", null, null, 10)).Objects);
            }
            else
            {
                Assert.Equal(BucketDeleteResult.NotEmpty, deleteResult);
                Assert.Equal(PutObjectStatus.Committed, putResult.Status);
                Assert.NotNull(f.Store.GetObject(bucket, "k"));
            }
        }
    }

    [Fact]
    public void VersionedBucketKeepsEveryVersionAndDeleteMarkers()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        var a = f.Store.PutObject("v", StoreFixture.Manifest("k", "ea", versionId: "va")).Stored!;
        var b = f.Store.PutObject("v", StoreFixture.Manifest("k", "eb", versionId: "vb"));
        Assert.Null(b.Replaced);
        Assert.Equal("vb", b.Stored!.VersionId);
        Assert.Equal("eb", f.Store.GetObject("v", "k")!.ETag);
        Assert.Equal("ea", f.Store.GetObject("v", "k", "va")!.ETag);
        Assert.Empty(f.Store.PeekGarbage(Far, 10));

        var delete = f.Store.DeleteObject("v", "k");
        var marker = delete.DeleteMarker!;
        Assert.Null(delete.Removed);
        Assert.True(marker.IsDeleteMarker);
        Assert.StartsWith("v", marker.VersionId, StringComparison.Ordinal);
        Assert.Equal(17, marker.VersionId.Length);
        Assert.Null(f.Store.GetObject("v", "k"));
        Assert.Null(f.Store.GetObject("v", "k", marker.VersionId));
        Assert.True(f.Store.GetObject("v", "k", includeDeleteMarker: true)!.IsDeleteMarker);
        Assert.Empty(f.Store.ListObjects("v", new ListObjectsQuery("", null, null, 10)).Objects);
        Assert.Equal(PutObjectStatus.PreconditionFailed, f.Store.PutObject("v", StoreFixture.Manifest("k"), new WriteCondition(IfMatchETag: "eb")).Status);

        // Removing the marker brings back vb; removing vb brings back va; removing va empties the key.
        Assert.True(f.Store.DeleteObject("v", "k", marker.VersionId).Removed!.IsDeleteMarker);
        Assert.Equal("eb", f.Store.GetObject("v", "k")!.ETag);
        Assert.Equal("eb", f.Store.DeleteObject("v", "k", "vb").Removed!.ETag);
        Assert.Equal("ea", f.Store.GetObject("v", "k")!.ETag);
        Assert.Single(f.Store.PeekGarbage(Far, 10));

        // Removing an old version leaves the latest alone.
        var c = f.Store.PutObject("v", StoreFixture.Manifest("k", "ec", versionId: "vc")).Stored!;
        Assert.True(IndexGen.Same(a, f.Store.DeleteObject("v", "k", "va").Removed!));
        Assert.True(IndexGen.Same(c, f.Store.GetObject("v", "k")!));
        Assert.Null(f.Store.DeleteObject("v", "k", "va").Removed);
        f.Store.DeleteObject("v", "k", "vc");
        Assert.Null(f.Store.GetObject("v", "k", includeDeleteMarker: true));
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("v"));
    }

    [Fact]
    public void VersionedPutsWithoutAnIdGetAGeneratedOne()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        var first = f.Store.PutObject("v", StoreFixture.Manifest("k")).Stored!;
        var second = f.Store.PutObject("v", StoreFixture.Manifest("k", versionId: "null")).Stored!;
        Assert.NotEqual(first.VersionId, second.VersionId);
        Assert.True(string.CompareOrdinal(first.VersionId, second.VersionId) < 0);
        Assert.NotNull(f.Store.GetObject("v", "k", first.VersionId));
    }

    [Fact]
    public void SuspendedBucketReplacesOnlyTheNullVersion()
    {
        using var f = new StoreFixture();
        var bucket = f.CreateBucket("s", VersioningState.Enabled);
        f.Store.PutObject("s", StoreFixture.Manifest("k", "ea", versionId: "va"));
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Suspended });

        var n1 = f.Store.PutObject("s", StoreFixture.Manifest("k", "n1"));
        Assert.Null(n1.Replaced);
        Assert.Equal("null", n1.Stored!.VersionId);
        var n2 = f.Store.PutObject("s", StoreFixture.Manifest("k", "n2"));
        Assert.Equal("n1", n2.Replaced!.ETag);
        Assert.Equal("ea", f.Store.GetObject("s", "k", "va")!.ETag);

        var delete = f.Store.DeleteObject("s", "k");
        Assert.Equal("n2", delete.Removed!.ETag);
        Assert.Equal("null", delete.DeleteMarker!.VersionId);
        Assert.True(f.Store.GetObject("s", "k", "null", includeDeleteMarker: true)!.IsDeleteMarker);
        Assert.Equal(2, f.Store.PeekGarbage(Far, 10).Count);

        // A put after the marker replaces the marker (it is the null version now).
        var n3 = f.Store.PutObject("s", StoreFixture.Manifest("k", "n3"));
        Assert.True(n3.Replaced!.IsDeleteMarker);
        Assert.Equal("n3", f.Store.GetObject("s", "k")!.ETag);
        Assert.Equal("ea", f.Store.GetObject("s", "k", "va")!.ETag);
    }

    [Fact]
    public void NullVersionInASuspendedBucketIsFoundBelowNewerVersions()
    {
        using var f = new StoreFixture();
        var bucket = f.CreateBucket("s");
        f.Store.PutObject("s", StoreFixture.Manifest("k", "old-null"));
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Enabled });
        f.Store.PutObject("s", StoreFixture.Manifest("k", "v1", versionId: "v1"));
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Suspended });
        var put = f.Store.PutObject("s", StoreFixture.Manifest("k", "new-null"));
        Assert.Equal("old-null", put.Replaced!.ETag);
        Assert.Equal("v1", f.Store.GetObject("s", "k", "v1")!.ETag);
    }
}
