using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreBucketTests
{
    [Fact]
    public void CreateGetUpdateListAndDelete()
    {
        using var f = new StoreFixture();
        var zeta = f.CreateBucket("zeta");
        var alpha = f.CreateBucket("alpha");

        var again = f.Store.CreateBucket(alpha with { Owner = "someone-else" });
        Assert.Equal(BucketCreateResult.Exists, again.Result);
        Assert.Equal(alpha, again.Bucket);
        Assert.Equal(alpha, f.Store.GetBucket("alpha"));
        Assert.Null(f.Store.GetBucket("missing"));
        Assert.Equal(["alpha", "zeta"], f.Store.ListBuckets().Select(b => b.Name));

        Assert.True(f.Store.UpdateBucket(zeta with { Versioning = VersioningState.Enabled }));
        Assert.Equal(VersioningState.Enabled, f.Store.GetBucket("zeta")!.Versioning);
        Assert.False(f.Store.UpdateBucket(zeta with { Name = "missing" }));

        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("alpha"));
        Assert.Equal(BucketDeleteResult.NoSuchBucket, f.Store.DeleteBucket("alpha"));
        Assert.Null(f.Store.GetBucket("alpha"));
        Assert.Equal(["zeta"], f.Store.ListBuckets().Select(b => b.Name));
    }

    [Fact]
    public void BucketsWithObjectsOrVersionsAreNotEmpty()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("b2");
        Assert.Equal(PutObjectStatus.Committed, f.Store.PutObject("b", StoreFixture.Manifest("k")).Status);
        Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("b"));
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("b2"));
        f.Store.DeleteObject("b", "k");
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("b"));
    }

    [Fact]
    public void ADeleteMarkerAloneKeepsAVersionedBucketNonEmpty()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        var marker = f.Store.DeleteObject("v", "never-written").DeleteMarker;
        Assert.NotNull(marker);
        Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("v"));
        f.Store.DeleteObject("v", "never-written", marker.VersionId);
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("v"));
    }

    [Fact]
    public void ABucketStaysNonEmptyUntilItsLastVersionOrDeleteMarkerIsRemoved()
    {
        using var f = new StoreFixture();
        var bucket = f.CreateBucket("v", VersioningState.Enabled);
        f.Store.PutObject("v", StoreFixture.Manifest("a"));
        f.Store.DeleteObject("v", "a");
        f.Store.PutObject("v", StoreFixture.Manifest("b"));
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Suspended });
        f.Store.DeleteObject("v", "b");
        f.Store.DeleteObject("v", "c");

        var versions = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, null, null, 100)).Versions.Select(v => v.Manifest).ToList();
        Assert.Equal(5, versions.Count);
        Assert.Equal(3, versions.Count(v => v.IsDeleteMarker));
        foreach (var version in versions)
        {
            Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("v"));
            Assert.NotNull(f.Store.DeleteObject("v", version.Key, version.VersionId).Removed);
        }

        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("v"));
    }

    [Fact]
    public void AVersionRecordWithoutALatestPointerStillKeepsABucketNonEmpty()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        f.Store.DeleteObject("v", "k");
        f.Store.Dispose();
        Assert.Equal(1, RawIndex.DeleteWithPrefix(f.Path, [0x02, (byte)'L']));
        f.Reopen();
        Assert.Null(f.Store.GetObject("v", "k", includeDeleteMarker: true));
        Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("v"));
    }

    [Fact]
    public void ABucketNamePrefixDoesNotSeeTheLongerBucketsObjects()
    {
        using var f = new StoreFixture();
        f.CreateBucket("a");
        f.CreateBucket("ab");
        f.Store.PutObject("ab", StoreFixture.Manifest("k"));
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("a"));
        Assert.Empty(f.Store.ListObjects("a", new ListObjectsQuery("", null, null, 1000)).Objects);
    }

    [Fact]
    public void NamesWithNulAreRejected()
    {
        using var f = new StoreFixture();
        Assert.Throws<ArgumentException>(() => f.Store.GetBucket("a\0b"));
        f.CreateBucket("b");
        Assert.Throws<ArgumentException>(() => f.Store.PutObject("b", StoreFixture.Manifest("a\0b")));
        Assert.Throws<ArgumentException>(() => f.Store.GetObject("b", "a\0"));
    }
}
