using Tessera.Index;
using Tessera.Index.Lifecycle;

namespace Tessera.Tests.Index.Lifecycle;

/// <summary>
/// When a version became noncurrent, as the lifecycle worker and a read by version id both take it from the index: the
/// last-modified time of the entry listed just before it (its successor, a delete marker included).
/// </summary>
public sealed class LifecycleVersionWalkTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void AVersionBecameNoncurrentWhenItsSuccessorWasWritten()
    {
        var time = new ManualTimeProvider(Start);
        using var index = new RocksDbIndexStore(Path.Join(_root.Path, "meta"), time);
        index.CreateBucket(new BucketInfo("b", "owner", Start, "us-east-1", VersioningState.Enabled));

        // 40 versions of "k" (more than the first pages Find lists), one hour apart, between keys around it.
        index.PutObject("b", Manifest("j", "j1", Start));
        for (var i = 0; i < 40; i++)
        {
            index.PutObject("b", Manifest("k", $"v{i:D2}", Start.AddHours(i)));
        }

        index.PutObject("b", Manifest("k2", "x1", Start.AddDays(10)));

        var current = LifecycleVersionWalk.Find(index, "b", "k", "v39")!;
        Assert.Equal((true, (DateTimeOffset?)null, Start.AddHours(39)), (current.IsLatest, current.NoncurrentSince, current.LastModified));
        for (var i = 0; i < 39; i++)
        {
            var old = LifecycleVersionWalk.Find(index, "b", "k", $"v{i:D2}")!;
            Assert.Equal((false, (DateTimeOffset?)Start.AddHours(i + 1), Start.AddHours(i)), (old.IsLatest, old.NoncurrentSince, old.LastModified));
        }

        // A version of another key, or none: not found.
        Assert.Null(LifecycleVersionWalk.Find(index, "b", "k", "x1"));
        Assert.Null(LifecycleVersionWalk.Find(index, "b", "k", "v40"));
        Assert.Null(LifecycleVersionWalk.Find(index, "b", "missing", "v00"));

        // A delete marker becomes the successor of the version it hides.
        time.Advance(TimeSpan.FromDays(30));
        var marker = index.DeleteObject("b", "k").DeleteMarker!;
        var hidden = LifecycleVersionWalk.Find(index, "b", "k", "v39")!;
        Assert.Equal((false, (DateTimeOffset?)marker.LastModified), (hidden.IsLatest, hidden.NoncurrentSince));
        var listed = LifecycleVersionWalk.Find(index, "b", "k", marker.VersionId)!;
        Assert.Equal((true, true), (listed.IsLatest, listed.IsDeleteMarker));
    }

    [Fact]
    public void AWalkStartsOverAtEveryKey()
    {
        var walk = new LifecycleVersionWalk();
        Assert.Null(walk.Next(new VersionEntry(Manifest("a", "1", Start), IsLatest: true)).NoncurrentSince);
        Assert.Equal(Start, walk.Next(new VersionEntry(Manifest("a", "0", Start.AddDays(-1)), IsLatest: false)).NoncurrentSince);

        // A noncurrent first entry of a key (its current version deleted since) has no known successor.
        Assert.Null(walk.Next(new VersionEntry(Manifest("b", "0", Start.AddDays(-2)), IsLatest: false)).NoncurrentSince);
    }

    private static ObjectManifest Manifest(string key, string versionId, DateTimeOffset modified) => new()
    {
        Key = key,
        VersionId = versionId,
        Size = 10,
        ETag = "0123456789abcdef0123456789abcdef",
        LastModified = modified,
        Owner = "owner",
        Segments = [new SegmentManifest { Segment = Guid.NewGuid(), Size = 10, ETag = "0123456789abcdef0123456789abcdef", DataShards = 4, ParityShards = 2, ShardSize = 4096, Disks = ["d1", "d2", "d3", "d4", "d5", "d6"] }],
    };
}
