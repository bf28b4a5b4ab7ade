using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Index;
using Tessera.Server;
using Tessera.Store;

namespace Tessera.IntegrationTests;

/// <summary>Twelve disks; STANDARD is coded RS(4,2) and STANDARD_IA RS(8,4).</summary>
public sealed class TransitionStoreFixture : StoreFixture
{
    protected override void Configure(ServerOptions options)
    {
        options.Disks = [new DiskOptions { Path = Path.Combine(Directory, "data", "disk{1...12}") }];
        options.ErasureCode = "4+2";
        options.StorageClasses["STANDARD_IA"] = "8+4";
    }
}

/// <summary>
/// Lifecycle transitions as pointer moves (<see cref="ObjectTransitioner"/>) on a real server: the bytes re-encoded
/// into the target class's code, the version's identity untouched, the old fragments collected, races with overwrites.
/// </summary>
public sealed class TransitionTests(TransitionStoreFixture store) : IClassFixture<TransitionStoreFixture>
{
    private const string Ia = "STANDARD_IA";
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ObjectTransitioner Transitioner => store.Server.Transitioner;

    [Fact]
    public async Task ASinglePartObjectMovesToEightPlusFourWithItsIdentityIntact()
    {
        var bucket = Names.Bucket("tr");
        await _s3.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes(3_000_000, 17);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a", InputStream = new MemoryStream(data), Metadata = { ["colour"] = "blue" }, ContentType = "image/png" }, Ct);
        var before = await _s3.GetObjectMetadataAsync(bucket, "a", Ct);
        var old = Manifest(bucket, "a");
        Assert.Equal((4, 2), (old.Segments[0].DataShards, old.Segments[0].ParityShards));

        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "a", old.VersionId, Ia, Ct));

        var moved = Manifest(bucket, "a");
        Assert.Equal((8, 4), (moved.Segments[0].DataShards, moved.Segments[0].ParityShards));
        Assert.Equal(12, moved.Segments[0].Disks.Count(d => d.Length > 0));
        Assert.NotEqual(old.Segments[0].Segment, moved.Segments[0].Segment);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(old with { StorageClass = Ia, Segments = moved.Segments }), System.Text.Json.JsonSerializer.Serialize(moved));
        Assert.False(store.Server.Store.Index.IsSegmentReferenced(old.Segments[0].Segment));
        Assert.True(store.Server.Store.Index.IsSegmentReferenced(moved.Segments[0].Segment));
        Assert.Equal(Ia, store.Server.Store.Index.FindSegmentOwner(moved.Segments[0].Segment)!.StorageClass);

        await AssertReadsAsync(bucket, "a", data);
        var after = await _s3.GetObjectMetadataAsync(bucket, "a", Ct);
        Assert.Equal(S3StorageClass.StandardInfrequentAccess, after.StorageClass);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(before.LastModified, after.LastModified);
        Assert.Equal("blue", after.Metadata["colour"]);
        Assert.Equal("image/png", after.Headers.ContentType);
        var listed = Assert.Single((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct)).S3Objects);
        Assert.Equal(S3StorageClass.StandardInfrequentAccess, listed.StorageClass);
        Assert.Equal(before.ETag, listed.ETag);
        var version = Assert.Single((await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket }, Ct)).Versions);
        Assert.Equal(S3StorageClass.StandardInfrequentAccess, version.StorageClass);

        // Twelve fragments of about an eighth each: 1.5 times the bytes, as RS(4,2) took (headers and block checksums aside).
        var raw = FragmentFiles(moved.Segments[0].Segment).Sum(f => f.Length);
        Assert.Equal(12, FragmentFiles(moved.Segments[0].Segment).Count);
        Assert.InRange(raw / (double)data.Length, 1.45, 1.6);

        // The old fragments are garbage: collected once past the grace period, the new ones never.
        Assert.Equal(6, FragmentFiles(old.Segments[0].Segment).Count);
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        Assert.Empty(FragmentFiles(old.Segments[0].Segment));
        Assert.Equal(12, FragmentFiles(moved.Segments[0].Segment).Count);
        await AssertReadsAsync(bucket, "a", data);

        Assert.Equal(TransitionOutcome.AlreadyThere, await Transitioner.TransitionAsync(bucket, "a", old.VersionId, Ia, Ct));
        Assert.Equal(TransitionOutcome.Changed, await Transitioner.TransitionAsync(bucket, "missing", "null", Ia, Ct));
    }

    [Fact]
    public async Task AMultipartObjectMovesPartByPart()
    {
        var bucket = Names.Bucket("trmp");
        await _s3.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes((2 * 5 * 1024 * 1024) + 1_234_567, 18);
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "mp", Metadata = { ["k"] = "v" } }, Ct);
        var etags = new List<PartETag>();
        for (var (part, offset) = (1, 0); offset < data.Length; part++, offset += 5 * 1024 * 1024)
        {
            var length = Math.Min(5 * 1024 * 1024, data.Length - offset);
            var put = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "mp", UploadId = upload.UploadId, PartNumber = part, InputStream = new MemoryStream(data, offset, length) }, Ct);
            etags.Add(new PartETag(part, put.ETag));
        }

        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "mp", UploadId = upload.UploadId, PartETags = etags }, Ct);
        var before = await _s3.GetObjectMetadataAsync(bucket, "mp", Ct);
        var old = Manifest(bucket, "mp");
        Assert.Equal(3, old.Segments.Count);

        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "mp", old.VersionId, Ia, Ct));

        var moved = Manifest(bucket, "mp");
        Assert.Equal([1, 2, 3], moved.Segments.Select(s => s.PartNumber));
        Assert.Equal(old.Segments.Select(s => (s.Size, s.ETag)), moved.Segments.Select(s => (s.Size, s.ETag)));
        Assert.All(moved.Segments, s => Assert.Equal((8, 4), (s.DataShards, s.ParityShards)));
        Assert.All(old.Segments, s => Assert.False(store.Server.Store.Index.IsSegmentReferenced(s.Segment)));
        Assert.All(moved.Segments, s => Assert.True(store.Server.Store.Index.IsSegmentReferenced(s.Segment)));
        var referenced = store.Server.Store.Index.ReferencedSegments().Select(s => s.Segment).ToHashSet();
        Assert.All(moved.Segments, s => Assert.Contains(s.Segment, referenced));
        Assert.All(old.Segments, s => Assert.DoesNotContain(s.Segment, referenced));

        var after = await _s3.GetObjectMetadataAsync(bucket, "mp", Ct);
        Assert.Equal(before.ETag, after.ETag);
        Assert.EndsWith("-3\"", after.ETag, StringComparison.Ordinal);
        Assert.Equal(before.LastModified, after.LastModified);
        Assert.Equal("v", after.Metadata["k"]);
        Assert.Equal(S3StorageClass.StandardInfrequentAccess, after.StorageClass);
        await AssertReadsAsync(bucket, "mp", data);
        using (var range = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "mp", ByteRange = new ByteRange(5 * 1024 * 1024 - 100, 10 * 1024 * 1024 + 99) }, Ct))
        {
            using var buffer = new MemoryStream();
            await range.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.Equal(data.AsSpan((5 * 1024 * 1024) - 100, (5 * 1024 * 1024) + 200).ToArray(), buffer.ToArray());
        }

        using (var partTwo = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "mp", PartNumber = 2 }, Ct))
        {
            Assert.Equal(5 * 1024 * 1024, partTwo.ContentLength);
        }

        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        Assert.All(old.Segments, s => Assert.Empty(FragmentFiles(s.Segment)));
        Assert.All(moved.Segments, s => Assert.Equal(12, FragmentFiles(s.Segment).Count));
        await AssertReadsAsync(bucket, "mp", data);
    }

    [Fact]
    public async Task ADegradedSegmentIsReconstructedOnTheWay()
    {
        var bucket = Names.Bucket("trdeg");
        await _s3.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes(2_500_000, 19);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "d", InputStream = new MemoryStream(data) }, Ct);
        var old = Manifest(bucket, "d");

        // Two of the four data fragments gone: only parity can rebuild the bytes.
        foreach (var file in FragmentFiles(old.Segments[0].Segment).Where(f => f.Name.EndsWith(".0", StringComparison.Ordinal) || f.Name.EndsWith(".2", StringComparison.Ordinal)))
        {
            file.Delete();
        }

        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "d", old.VersionId, Ia, Ct));
        await AssertReadsAsync(bucket, "d", data);
        Assert.Equal((8, 4), (Manifest(bucket, "d").Segments[0].DataShards, Manifest(bucket, "d").Segments[0].ParityShards));
    }

    [Fact]
    public async Task ANoncurrentVersionMovesAndTheCurrentOneStays()
    {
        var bucket = Names.Bucket("trv");
        await _s3.PutBucketAsync(bucket, Ct);
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        var first = Names.RandomBytes(1_000_000, 20);
        var second = Names.RandomBytes(1_100_000, 21);
        var v1 = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", InputStream = new MemoryStream(first) }, Ct)).VersionId;
        var v2 = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", InputStream = new MemoryStream(second) }, Ct)).VersionId;

        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "k", v1, Ia, Ct));

        var versions = (await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket }, Ct)).Versions;
        Assert.Equal([(v2, true, S3StorageClass.Standard.Value), (v1, false, Ia)], versions.Select(v => (v.VersionId, v.IsLatest ?? false, v.StorageClass.Value)));
        await AssertReadsAsync(bucket, "k", second);
        await AssertReadsAsync(bucket, "k", first, v1);
        Assert.Equal((4, 2), (Manifest(bucket, "k").Segments[0].DataShards, Manifest(bucket, "k").Segments[0].ParityShards));
    }

    [Fact]
    public async Task AnOverwriteBetweenTheReadAndTheSwapWinsAndNothingIsOrphaned()
    {
        var bucket = Names.Bucket("trrace");
        await _s3.PutBucketAsync(bucket, Ct);
        var data = Names.RandomBytes(2_000_000, 22);
        var newer = Names.RandomBytes(1_500_000, 23);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "r", InputStream = new MemoryStream(data) }, Ct);
        var old = Manifest(bucket, "r");
        var existing = AllSegmentsOnDisk();
        List<Guid> written = [];
        Transitioner.BeforeSwap = async ct =>
        {
            written.AddRange(AllSegmentsOnDisk().Except(existing));
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "r", InputStream = new MemoryStream(newer) }, ct);
        };
        TransitionOutcome outcome;
        try
        {
            outcome = await Transitioner.TransitionAsync(bucket, "r", old.VersionId, Ia, Ct);
        }
        finally
        {
            Transitioner.BeforeSwap = null;
        }

        Assert.Equal(TransitionOutcome.Changed, outcome);
        var current = Manifest(bucket, "r");
        Assert.Equal(S3StorageClass.Standard.Value, current.StorageClass);
        Assert.Equal((4, 2), (current.Segments[0].DataShards, current.Segments[0].ParityShards));
        await AssertReadsAsync(bucket, "r", newer);

        // The transition's own segment went at once; the overwritten one goes with the garbage.
        Assert.Single(written);
        Assert.Empty(FragmentFiles(written[0]));
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        Assert.Empty(FragmentFiles(old.Segments[0].Segment));
        Assert.Equal(6, FragmentFiles(current.Segments[0].Segment).Count);
        await AssertReadsAsync(bucket, "r", newer);
    }

    [Fact]
    public async Task TransitionsRacingOverwritesNeverLoseTheNewerVersion()
    {
        var bucket = Names.Bucket("trstorm");
        await _s3.PutBucketAsync(bucket, Ct);
        var bodies = Enumerable.Range(0, 12).Select(i => Names.RandomBytes(300_000 + (i * 10_000), 100 + i)).ToArray();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "s", InputStream = new MemoryStream(bodies[0]) }, Ct);
        var outcomes = new List<TransitionOutcome>();
        using var stop = new CancellationTokenSource();
        var mover = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                outcomes.Add(await Transitioner.TransitionAsync(bucket, "s", "null", Ia, Ct));
            }
        }, Ct);
        for (var i = 1; i < bodies.Length; i++)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "s", InputStream = new MemoryStream(bodies[i]) }, Ct);
            await Task.Delay(20, Ct);
        }

        await stop.CancelAsync();
        await mover;

        Assert.Contains(TransitionOutcome.Moved, outcomes);
        await AssertReadsAsync(bucket, "s", bodies[^1]);
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        var current = Manifest(bucket, "s");
        var onDisk = AllSegmentsOnDisk(bucket);
        Assert.Equal([current.Segments[0].Segment], onDisk);
        await AssertReadsAsync(bucket, "s", bodies[^1]);
    }

    private ObjectManifest Manifest(string bucket, string key, string? versionId = null) =>
        store.Server.Store.Index.GetObject(bucket, key, versionId) ?? throw new InvalidOperationException($"{bucket}/{key} is gone");

    private List<FileInfo> FragmentFiles(Guid segment) => store.FragmentFiles(segment);

    /// <summary>The segments that have fragment files, optionally only those whose fragments name <paramref name="bucket"/>.</summary>
    private HashSet<Guid> AllSegmentsOnDisk(string? bucket = null)
    {
        var found = new HashSet<Guid>();
        foreach (var disk in Directory.EnumerateDirectories(store.DataDirectory, "disk*"))
        {
            var fragments = Path.Combine(disk, "fragments");
            if (!Directory.Exists(fragments))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(fragments, "*.*", SearchOption.AllDirectories))
            {
                var name = Path.GetFileName(file);
                var dot = name.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && Guid.TryParseExact(name[..dot], "N", out var segment)
                    && (bucket is null || store.Server.Store.Index.FindSegmentOwner(segment)?.Bucket == bucket || !store.Server.Store.Index.IsSegmentReferenced(segment)))
                {
                    found.Add(segment);
                }
            }
        }

        return found;
    }

    private async Task AssertReadsAsync(string bucket, string key, byte[] expected, string? versionId = null)
    {
        using var get = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.True(expected.AsSpan().SequenceEqual(buffer.ToArray()), $"{bucket}/{key} reads back {buffer.Length} bytes that differ from the {expected.Length} written");
    }
}
