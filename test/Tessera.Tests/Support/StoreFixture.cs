using Tessera.Index;

namespace Tessera.Tests;

/// <summary>A store over its own temp directory, with a controllable clock; reopenable to test durability.</summary>
public sealed class StoreFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public StoreFixture()
    {
        Store = new RocksDbIndexStore(_directory.Path, Time);
    }

    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public RocksDbIndexStore Store { get; private set; }

    public string Path => _directory.Path;

    /// <summary>Closes the database and opens it again from disk.</summary>
    public RocksDbIndexStore Reopen()
    {
        Store.Dispose();
        Store = new RocksDbIndexStore(_directory.Path, Time);
        return Store;
    }

    public BucketInfo CreateBucket(string name, VersioningState versioning = VersioningState.Unversioned)
    {
        var bucket = new BucketInfo(name, "owner", Time.GetUtcNow(), "us-east-1", versioning);
        Assert.Equal(BucketCreateResult.Created, Store.CreateBucket(bucket).Result);
        return bucket;
    }

    public static ObjectManifest Manifest(string key, string etag = "e", int segments = 1, string versionId = "") => new()
    {
        Key = key,
        VersionId = versionId,
        ETag = etag,
        Size = 10,
        Segments = [.. Enumerable.Range(0, segments).Select(i => new SegmentManifest { PartNumber = i, Segment = Guid.NewGuid(), Size = 10, DataShards = 2, ParityShards = 1, Disks = ["d1", "d2", "d3"] })],
    };

    public void Dispose()
    {
        Store.Dispose();
        _directory.Dispose();
    }
}
