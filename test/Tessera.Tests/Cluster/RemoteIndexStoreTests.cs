using System.Text.Json;
using CsCheck;
using Tessera.Cluster.Index;
using Tessera.Cluster.Storage;
using Tessera.Index;

namespace Tessera.Tests.Cluster;

/// <summary>
/// The index over the network: every <see cref="IIndexStore"/> call through <see cref="RemoteIndexStore"/> and a
/// real <see cref="IndexEndpoint"/> answers exactly what the same call on a local index answers.
/// </summary>
public sealed class RemoteIndexStoreTests
{
    [Fact]
    public void TheWireFormatRoundTripsEveryRecord()
    {
        var w = IndexWire.Default;
        IndexGen.Manifest.Sample(m => IndexGen.Same(m, JsonSerializer.Deserialize(JsonSerializer.Serialize(m, w.ObjectManifest), w.ObjectManifest)!), iter: 300);
        IndexGen.Upload.Sample(u => IndexGen.Same(u, JsonSerializer.Deserialize(JsonSerializer.Serialize(u, w.MultipartUpload), w.MultipartUpload)!), iter: 300);
        IndexGen.Part.Sample(p => IndexGen.Same(p, JsonSerializer.Deserialize(JsonSerializer.Serialize(p, w.UploadPart), w.UploadPart)!), iter: 300);
        IndexGen.Garbage.Sample(g => IndexGen.Same(g, JsonSerializer.Deserialize(JsonSerializer.Serialize([g], w.ListGarbageEntry), w.ListGarbageEntry)![0]), iter: 300);
        IndexGen.Bucket.Sample(b => b == JsonSerializer.Deserialize(JsonSerializer.Serialize(b, w.BucketInfo), w.BucketInfo), iter: 300);
    }

    [Fact]
    public async Task EveryCallAnswersAsTheLocalIndexDoes()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        using var served = new TempDirectory();
        using var direct = new TempDirectory();
        using var behind = new RocksDbIndexStore(served.Path, time);
        using var local = new RocksDbIndexStore(direct.Path, time);
        await using var node = await IndexNodeHost.StartAsync(behind);
        using var http = RemoteDisk.CreateClient();
        using var remote = node.Client(http);

        var steps = Script(time).ToList();
        foreach (var (name, step) in steps)
        {
            var expected = Outcome(local, step);
            var actual = Outcome(remote, step);
            Assert.True(expected == actual, $"{name}:\nlocal  {expected}\nremote {actual}");
        }

        Assert.Equal(
            local.ReferencedSegments().Select(s => s.Segment).Order().ToList(),
            remote.ReferencedSegments().Select(s => s.Segment).Order().ToList());
        Assert.NotEmpty(remote.ReferencedSegments());
        TestContext.Current.TestOutputHelper?.WriteLine($"{steps.Count} calls compared");
    }

    [Fact]
    public async Task SwapRestoreKeepsTheRestoreContractOverTheWire()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        using var served = new TempDirectory();
        using var behind = new RocksDbIndexStore(served.Path, time);
        await using var node = await IndexNodeHost.StartAsync(behind);
        using var http = RemoteDisk.CreateClient();
        using var remote = node.Client(http);
        remote.CreateBucket(new BucketInfo("v", "owner", time.GetUtcNow(), "us-east-1", VersioningState.Enabled));
        Tessera.Tests.Index.RestoreIndexContract.Run(remote, "v");
    }

    [Fact]
    public async Task AnotherSecretIsRefusedAndAnUnreachableIndexIsATransportError()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        using var directory = new TempDirectory();
        using var index = new RocksDbIndexStore(directory.Path, time);
        using var http = RemoteDisk.CreateClient();
        await using (var node = await IndexNodeHost.StartAsync(index))
        {
            using var impostor = node.Client(http, "not-the-cluster-secret-at-all");
            Assert.Throws<Tessera.Storage.StorageUnavailableException>(() => impostor.CreateBucket(new BucketInfo("b", "o", time.GetUtcNow(), "us-east-1", VersioningState.Unversioned)));
            Assert.Empty(index.ListBuckets());
        }

        using var gone = new RemoteIndexStore(new Uri("http://127.0.0.1:1/"), http, new ClusterAuthenticator("g", StorageNodeHost.Secret), TimeSpan.FromSeconds(2));
        Assert.Throws<Tessera.Storage.StorageUnavailableException>(() => gone.GetBucket("b"));
    }

    internal static string Outcome(IIndexStore store, Func<IIndexStore, object?> step)
    {
        try
        {
            return Render(step(store));
        }
        catch (ArgumentException e)
        {
            return "ArgumentException: " + e.Message;
        }
    }

    internal static string Render(object? value) => value switch
    {
        null => "null",
        ValueTuple<BucketCreateResult, BucketInfo> t => JsonSerializer.Serialize(new BucketCreateOutcome(t.Item1, t.Item2), IndexWire.Default.BucketCreateOutcome),
        IEnumerable<BucketInfo> list => JsonSerializer.Serialize(list.ToList(), IndexWire.Default.ListBucketInfo),
        IEnumerable<GarbageEntry> list => JsonSerializer.Serialize(list.ToList(), IndexWire.Default.ListGarbageEntry),
        _ => JsonSerializer.Serialize(value, value.GetType(), IndexWire.Default),
    };

    /// <summary>Calls covering every method and its outcomes, each run on both indexes in turn.</summary>
    internal static IEnumerable<(string Name, Func<IIndexStore, object?> Step)> Script(ManualTimeProvider time)
    {
        var now = time.GetUtcNow();
        var bucket = new BucketInfo("photos", "alice", now, "us-east-1", VersioningState.Unversioned);
        var versioned = bucket with { Name = "versions", Versioning = VersioningState.Enabled };
        var segment = Guid.NewGuid();
        var segmentB = Guid.NewGuid();
        SegmentManifest Seg(Guid id, int part = 0) => new() { PartNumber = part, Segment = id, Size = 10, ETag = "e" + part, DataShards = 2, ParityShards = 1, ShardSize = 4096, Disks = ["d1", "d2", "d3"] };
        ObjectManifest Manifest(string key, Guid id, string etag = "etag") => new()
        {
            Key = key,
            VersionId = "",
            ETag = etag,
            Size = 10,
            LastModified = now,
            Owner = "alice",
            ContentType = "text/plain",
            UserMetadata = [new("colour", "blue")],
            Checksums = [new("CRC32", "AAAAAA==")],
            Segments = [Seg(id)],
        };

        yield return ("CreateBucket", s => s.CreateBucket(bucket));
        yield return ("CreateBucket again", s => s.CreateBucket(bucket with { Owner = "bob" }));
        yield return ("CreateBucket versioned", s => s.CreateBucket(versioned));
        yield return ("GetBucket", s => s.GetBucket("photos"));
        yield return ("GetBucket missing", s => s.GetBucket("nope"));
        yield return ("UpdateBucket", s => s.UpdateBucket(bucket with { Versioning = VersioningState.Suspended }));
        yield return ("ListBuckets", s => s.ListBuckets());
        yield return ("PutObject", s => s.PutObject("photos", Manifest("a/cat.jpg", segment)));
        var fresh1 = Guid.NewGuid();
        yield return ("PutObject If-None-Match", s => s.PutObject("photos", Manifest("a/cat.jpg", fresh1), new WriteCondition(IfNoneMatchAny: true)));
        yield return ("PutObject If-Match", s => s.PutObject("photos", Manifest("a/dog.jpg", segmentB, "e2"), new WriteCondition(IfMatchETag: "etag")));
        var fresh2 = Guid.NewGuid();
        yield return ("PutObject versioned", s => s.PutObject("versions", Manifest("v", fresh2)));
        var fresh3 = Guid.NewGuid();
        yield return ("PutObject versioned 2", s => s.PutObject("versions", Manifest("v", fresh3, "second")));
        var fresh4 = Guid.NewGuid();
        yield return ("PutObject reusing a segment", s => s.PutObject("photos", Manifest("other", segment)));
        yield return ("PutObject no bucket", s => s.PutObject("nope", Manifest("k", fresh4)));
        yield return ("GetObject", s => s.GetObject("photos", "a/cat.jpg"));
        yield return ("GetObject null version", s => s.GetObject("photos", "a/cat.jpg", "null"));
        yield return ("GetObject missing", s => s.GetObject("photos", "zzz"));
        yield return ("ReplaceManifest", s => s.ReplaceManifest("photos", s.GetObject("photos", "a/cat.jpg")! with { StorageClass = "STANDARD_IA" }));
        yield return ("ListObjects", s => s.ListObjects("photos", new ListObjectsQuery("", "/", null, 1000)));
        yield return ("ListObjects prefix", s => s.ListObjects("photos", new ListObjectsQuery("a/", null, null, 1)));
        yield return ("ListObjectVersions", s => s.ListObjectVersions("versions", new ListVersionsQuery("", null, null, null, 1000)));
        var fresh5 = Guid.NewGuid();
        yield return ("TransitionVersion", s => s.TransitionVersion("versions", "v", s.GetObject("versions", "v")!.VersionId, [fresh3], Manifest("v", fresh5).Segments, "STANDARD_IA"));
        yield return ("TransitionVersion stale", s => s.TransitionVersion("versions", "v", s.GetObject("versions", "v")!.VersionId, [fresh3], Manifest("v", Guid.NewGuid()).Segments, "GLACIER"));
        yield return ("TransitionVersion read back", s => s.GetObject("versions", "v"));
        yield return ("IsSegmentReferenced", s => s.IsSegmentReferenced(segment));
        yield return ("GetSegment", s => s.GetSegment(segment));
        yield return ("GetSegment missing", s => s.GetSegment(Guid.Empty));
        yield return ("FindSegmentOwner", s => s.FindSegmentOwner(segment));
        yield return ("ReplaceSegmentDisks", s => s.ReplaceSegmentDisks(segment, ["d1", "d2", "d3"], ["d1", "d4", "d3"]));
        yield return ("ReplaceSegmentDisks stale", s => s.ReplaceSegmentDisks(segment, ["d1", "d2", "d3"], ["d9", "d2", "d3"]));
        yield return ("DeleteObject", s => s.DeleteObject("photos", "a/cat.jpg"));
        yield return ("DeleteObject versioned", s => s.DeleteObject("versions", "v"));
        yield return ("DeleteObject missing", s => s.DeleteObject("photos", "zzz"));
        var fresh6 = Guid.NewGuid();
        yield return ("PutObject to expire", s => s.PutObject("photos", Manifest("expire", fresh6)));
        yield return ("DeleteObjectIfLatest stale", s => s.DeleteObjectIfLatest("photos", "expire", null, s.GetObject("photos", "expire")!.Sequence - 1));
        yield return ("DeleteObjectIfLatest", s => s.DeleteObjectIfLatest("photos", "expire", null, s.GetObject("photos", "expire")!.Sequence));
        yield return ("DeleteObjectIfLatest versioned stale", s => s.DeleteObjectIfLatest("versions", "v", null, s.GetObject("versions", "v", includeDeleteMarker: true)!.Sequence + 1));
        yield return ("DeleteObjectIfLatest versioned marker", s =>
        {
            var marker = s.GetObject("versions", "v", includeDeleteMarker: true)!;
            return s.DeleteObjectIfLatest("versions", "v", marker.VersionId, marker.Sequence);
        }
        );
        yield return ("GetSystemRecord missing", s => s.GetSystemRecord("lifecycle/cursor"));
        yield return ("PutSystemRecord", s =>
        {
            s.PutSystemRecord("lifecycle/cursor", [1, 2, 3]);
            return s.GetSystemRecord("lifecycle/cursor");
        }
        );
        yield return ("PutSystemRecord again", s =>
        {
            s.PutSystemRecord("lifecycle/cursor", [4]);
            return s.GetSystemRecord("lifecycle/cursor");
        }
        );
        var upload = new MultipartUpload("photos", "big", "upload-1", now, "alice", Manifest("big", Guid.NewGuid()) with { Segments = [] });
        yield return ("CreateUpload", s => s.CreateUpload(upload));
        yield return ("GetUpload", s => s.GetUpload("photos", "big", "upload-1"));
        yield return ("GetUpload missing", s => s.GetUpload("photos", "big", "upload-2"));
        var p1 = Guid.NewGuid();
        var p2 = Guid.NewGuid();
        yield return ("PutPart 1", s => s.PutPart("photos", "big", "upload-1", new UploadPart(1, Seg(p1, 1), now, "CRC32", "AAAAAA==")));
        yield return ("PutPart 2", s => s.PutPart("photos", "big", "upload-1", new UploadPart(2, Seg(p2, 2), now)));
        yield return ("PutPart no upload", s => s.PutPart("photos", "big", "upload-9", new UploadPart(1, Seg(Guid.NewGuid(), 1), now)));
        yield return ("ListParts", s => s.ListParts("photos", "big", "upload-1", 0, 1));
        yield return ("ListUploads", s => s.ListUploads("photos", new ListUploadsQuery("", null, null, null, 1000)));
        var complete = Manifest("big", Guid.NewGuid()) with { Segments = [Seg(p1, 1), Seg(p2, 2)], ETag = "x-2" };
        yield return ("CompleteUpload", s => s.CompleteUpload("photos", "big", "upload-1", [1, 2], complete));
        yield return ("GetCompletedUpload", s => s.GetCompletedUpload("photos", "big", "upload-1"));
        yield return ("CompleteUpload gone", s => s.CompleteUpload("photos", "big", "upload-1", [1, 2], complete));
        yield return ("CreateUpload 2", s => s.CreateUpload(upload with { UploadId = "upload-2" }));
        yield return ("AbortUpload", s => s.AbortUpload("photos", "big", "upload-2"));
        yield return ("AbortUpload gone", s => s.AbortUpload("photos", "big", "upload-2"));
        yield return ("PeekGarbage", s => s.PeekGarbage(DateTimeOffset.MaxValue, 100));
        yield return ("RemoveGarbage", s =>
        {
            s.RemoveGarbage(s.PeekGarbage(DateTimeOffset.MaxValue, 1));
            return s.PeekGarbage(DateTimeOffset.MaxValue, 100);
        }
        );
        yield return ("PruneCompletedUploads", s => s.PruneCompletedUploads(DateTimeOffset.MaxValue));
        yield return ("DeleteBucket not empty", s => s.DeleteBucket("photos"));
        yield return ("DeleteBucket missing", s => s.DeleteBucket("nope"));
    }
}
