using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Index;
using Tessera.Server;
using Tessera.Store;
using LifecycleConfiguration = Amazon.S3.Model.LifecycleConfiguration;
using LifecycleFilter = Amazon.S3.Model.LifecycleFilter;
using LifecycleRule = Amazon.S3.Model.LifecycleRule;

namespace Tessera.IntegrationTests;

/// <summary>
/// Two real servers: the tier, a plain Tessera store holding bucket <see cref="TierBucket"/>, and the store under test,
/// whose GLACIER_IR class lives in that tier (<c>--tier COLD=http://…/tier-bucket/site-a/</c>, <c>GLACIER_IR=tier:COLD</c>)
/// and whose GLACIER class is archived in it. Lifecycle day 1 s; garbage waits an hour unless a test collects by hand.
/// The tier can be stopped and started again on the same port and directory.
/// </summary>
public sealed class TieringFixture : StoreFixture
{
    public const string TierBucket = "tier-bucket";
    public const string TierPrefix = "site-a/";

    private int _tierPort;

    public string TierDirectory { get; } = Path.Combine(Path.GetTempPath(), "tessera-tier-" + Guid.NewGuid().ToString("N")[..12]);

    public TesseraServer? Tier { get; private set; }

    public AmazonS3Client TierClient { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await StartTierAsync();
        TierClient = new AmazonS3Client(new BasicAWSCredentials(RootKey, RootSecret), new AmazonS3Config
        {
            ServiceURL = $"http://127.0.0.1:{_tierPort}/",
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        await TierClient.PutBucketAsync(TierBucket);
        await base.InitializeAsync();
    }

    protected override void Configure(ServerOptions options)
    {
        options.Tiers["COLD"] = $"http://{RootKey}:{Uri.EscapeDataString(RootSecret)}@127.0.0.1:{_tierPort}/{TierBucket}/{TierPrefix}";
        options.StorageClasses["GLACIER_IR"] = "tier:COLD";
        options.StorageClasses["GLACIER"] = "tier:COLD";
        options.LifecycleDaySeconds = 1;
        options.LifecycleScanRate = 0;
        options.RestoreDelaySeconds = 0;
        options.MinPartSize = 64 * 1024;
    }

    /// <summary>Starts the tier (again, on the port and directory it had).</summary>
    public async Task StartTierAsync()
    {
        Tier = await TesseraServer.StartAsync(new ServerOptions
        {
            Address = "127.0.0.1:" + _tierPort,
            Disks = [new DiskOptions { Path = Path.Combine(TierDirectory, "data") }],
            RootUser = RootKey,
            RootPassword = RootSecret,
            Quiet = true,
        });
        _tierPort = Tier.Endpoint.Port;
    }

    /// <summary>Stops the tier: its port refuses connections until <see cref="StartTierAsync"/>.</summary>
    public async Task StopTierAsync()
    {
        await Tier!.DisposeAsync();
        Tier = null;
    }

    /// <summary>The segment ids of the remote objects under the tier's prefix (other names, which the sweep test leaves, skipped).</summary>
    public async Task<HashSet<Guid>> RemoteSegmentsAsync()
    {
        var listed = await TierClient.ListObjectsV2Async(new ListObjectsV2Request { BucketName = TierBucket, Prefix = TierPrefix });
        var found = new HashSet<Guid>();
        foreach (var entry in listed.S3Objects ?? [])
        {
            if (Guid.TryParseExact(entry.Key[TierPrefix.Length..], "N", out var segment))
            {
                found.Add(segment);
            }
        }

        return found;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TierClient.Dispose();
        if (Tier is not null)
        {
            await Tier.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(TierDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// The remote tier (issue 17): a transition to a class placed in another S3 store moves the version's bytes there as a
/// pointer move; GET, ranges, parts and copies stream them back bit-exact; deletes and the collector remove the remote
/// objects; a tier that is down gives 503 ServiceUnavailable and loses nothing; an archived class in a tier restores.
/// </summary>
public sealed class TieringTests(TieringFixture store) : IClassFixture<TieringFixture>
{
    private const string Tiered = "GLACIER_IR";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ObjectTransitioner Transitioner => store.Server.Transitioner;

    [Fact]
    public async Task ATieredObjectMovesItsBytesToTheTierAndReadsBackBitExact()
    {
        var bucket = await BucketAsync(versioned: true);
        var data = Names.RandomBytes(3_000_000, 41);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a", InputStream = new MemoryStream(data), Metadata = { ["colour"] = "blue" } }, Ct);
        var before = await _s3.GetObjectMetadataAsync(bucket, "a", Ct);
        var old = Manifest(bucket, "a");
        Assert.False(old.Segments[0].IsTiered);

        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "a", old.VersionId, Tiered, Ct));

        // The version now names one tiered segment, held by the tier as one remote object of the same bytes.
        var moved = Manifest(bucket, "a");
        var segment = Assert.Single(moved.Segments);
        Assert.True(segment.IsTiered);
        Assert.Equal("COLD", segment.Tier);
        Assert.Equal((old.Segments[0].Size, old.Segments[0].ETag), (segment.Size, segment.ETag));
        Assert.Contains(segment.Segment, await store.RemoteSegmentsAsync());
        using (var remote = await store.TierClient.GetObjectAsync(TieringFixture.TierBucket, TieringFixture.TierPrefix + segment.Segment.ToString("N"), Ct))
        {
            Assert.Equal(data.Length, remote.ContentLength);
            Assert.Equal(before.ETag, remote.ETag);
        }

        // Identity untouched, class changed, bytes back through GET, a range and a copy.
        var after = await _s3.GetObjectMetadataAsync(bucket, "a", Ct);
        Assert.Equal((before.ETag, before.LastModified, before.VersionId, "blue"), (after.ETag, after.LastModified, after.VersionId, after.Metadata["colour"]));
        Assert.Equal(Tiered, after.StorageClass?.Value);
        Assert.Equal(Tiered, Assert.Single((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct)).S3Objects).StorageClass?.Value);
        await AssertReadsAsync(bucket, "a", data);
        await AssertRangeAsync(bucket, "a", data, 1_234_567, 2_500_000);
        await _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "a", DestinationBucket = bucket, DestinationKey = "copy" }, Ct);
        Assert.False(Manifest(bucket, "copy").Segments[0].IsTiered);
        await AssertReadsAsync(bucket, "copy", data);

        // The local fragments are garbage now; the collector takes them and leaves the remote object alone.
        Assert.False(store.Server.Store.Index.IsSegmentReferenced(old.Segments[0].Segment));
        Assert.NotEmpty(FragmentFiles(old.Segments[0].Segment));
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        Assert.Empty(FragmentFiles(old.Segments[0].Segment));
        Assert.Contains(segment.Segment, await store.RemoteSegmentsAsync());
        await AssertReadsAsync(bucket, "a", data);

        // Scrub and repair have nothing to do with a tiered segment.
        var scrub = await store.Server.Scrubber.ScrubOnceAsync(0, Ct);
        Assert.Equal((0, 0), (scrub.MissingFragments, scrub.CorruptFragments));

        Assert.Equal(TransitionOutcome.AlreadyThere, await Transitioner.TransitionAsync(bucket, "a", old.VersionId, Tiered, Ct));

        // Deleting the version deletes the remote object, once the grace period has passed.
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "a", VersionId = moved.VersionId }, Ct);
        Assert.Contains(segment.Segment, await store.RemoteSegmentsAsync());
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: false);
        Assert.DoesNotContain(segment.Segment, await store.RemoteSegmentsAsync());
    }

    [Fact]
    public async Task AMultipartObjectKeepsItsPartsOnTheTier()
    {
        var bucket = await BucketAsync(versioned: false);
        var parts = new[] { Names.RandomBytes(200_000, 1), Names.RandomBytes(300_000, 2), Names.RandomBytes(70_000, 3) };
        var upload = await _s3.InitiateMultipartUploadAsync(bucket, "mp", Ct);
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "mp", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]) }, Ct);
            etags.Add(new PartETag(i + 1, part.ETag));
        }

        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "mp", UploadId = upload.UploadId, PartETags = etags }, Ct);
        var etag = (await _s3.GetObjectMetadataAsync(bucket, "mp", Ct)).ETag;
        Assert.EndsWith("-3\"", etag, StringComparison.Ordinal);

        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "mp", "null", Tiered, Ct));

        var moved = Manifest(bucket, "mp");
        Assert.Equal([1, 2, 3], moved.Segments.Select(s => s.PartNumber));
        Assert.All(moved.Segments, s => Assert.True(s.IsTiered));
        Assert.Equal(etag, (await _s3.GetObjectMetadataAsync(bucket, "mp", Ct)).ETag);
        var all = parts.SelectMany(p => p).ToArray();
        await AssertReadsAsync(bucket, "mp", all);
        await AssertRangeAsync(bucket, "mp", all, 150_000, 520_000); // across the three remote objects
        using var second = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "mp", PartNumber = 2 }, Ct);
        using var buffer = new MemoryStream();
        await second.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.True(parts[1].AsSpan().SequenceEqual(buffer.ToArray()));
        Assert.Equal(3, second.PartsCount);
    }

    [Fact]
    public async Task ALifecycleRuleMovesObjectsToTheTier()
    {
        var bucket = await BucketAsync(versioned: false);
        var data = Names.RandomBytes(200_000, 5); // above S3's default 128 KiB minimum for transitions
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "cold/x", InputStream = new MemoryStream(data) }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "hot/y", InputStream = new MemoryStream(data) }, Ct);
        await _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = bucket,
            Configuration = new LifecycleConfiguration
            {
                Rules =
                [
                    new LifecycleRule
                    {
                        Id = "to-the-tier",
                        Status = LifecycleRuleStatus.Enabled,
                        Filter = new LifecycleFilter { Prefix = "cold/" },
                        Transitions = [new LifecycleTransition { Days = 1, StorageClass = S3StorageClass.GlacierInstantRetrieval }],
                    },
                ],
            },
        }, Ct);

        await WaitAsync(() => Manifest(bucket, "cold/x").Segments[0].IsTiered);
        Assert.Equal(Tiered, (await _s3.GetObjectMetadataAsync(bucket, "cold/x", Ct)).StorageClass?.Value);
        await AssertReadsAsync(bucket, "cold/x", data);
        Assert.False(Manifest(bucket, "hot/y").Segments[0].IsTiered);
    }

    [Fact]
    public async Task WhileTheTierIsDownReadsAreServiceUnavailableAndNothingIsLost()
    {
        var bucket = await BucketAsync(versioned: false);
        var first = Names.RandomBytes(500_000, 7);
        var second = Names.RandomBytes(400_000, 8);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "first", InputStream = new MemoryStream(first) }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "second", InputStream = new MemoryStream(second) }, Ct);
        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "first", "null", Tiered, Ct));

        await store.StopTierAsync();
        try
        {
            // A read of the tiered object: a clear, retryable error, never a 500 or a hang. HEAD needs no tier.
            var clock = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(bucket, "first", Ct));
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"), (refused.StatusCode, refused.ErrorCode));
            Assert.Contains("COLD", refused.Message, StringComparison.Ordinal);
            TestContext.Current.TestOutputHelper?.WriteLine($"GET with the tier down: {refused.StatusCode} {refused.ErrorCode} after {clock.ElapsedMilliseconds} ms (SDK retries included): {refused.Message}");
            Assert.Equal(first.Length, (await _s3.GetObjectMetadataAsync(bucket, "first", Ct)).ContentLength);

            // A transition cannot move bytes to a tier that does not answer: it waits, the object stays where it was.
            Assert.Equal(TransitionOutcome.Unavailable, await Transitioner.TransitionAsync(bucket, "second", "null", Tiered, Ct));
            Assert.False(Manifest(bucket, "second").Segments[0].IsTiered);
            await AssertReadsAsync(bucket, "second", second);

            // The collector keeps a remote delete it cannot make: deleting the tiered object now leaves its entry queued.
            var tiered = Manifest(bucket, "first").Segments[0].Segment;
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "first", InputStream = new MemoryStream(first) }, Ct);
            var report = store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: false);
            Assert.Contains(store.Server.Store.Index.PeekGarbage(DateTimeOffset.UtcNow.AddHours(2), 1000), e => e.Segment.Segment == tiered);
            TestContext.Current.TestOutputHelper?.WriteLine($"collector with the tier down: {report}");
            await store.StartTierAsync();
            Assert.Contains(tiered, await store.RemoteSegmentsAsync());
            store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: false);
            Assert.DoesNotContain(tiered, await store.RemoteSegmentsAsync());
            Assert.DoesNotContain(store.Server.Store.Index.PeekGarbage(DateTimeOffset.UtcNow.AddHours(2), 1000), e => e.Segment.Segment == tiered);
        }
        finally
        {
            if (store.Tier is null)
            {
                await store.StartTierAsync();
            }
        }

        // Back up: everything reads, and the waiting transition goes through.
        await AssertReadsAsync(bucket, "first", first);
        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "second", "null", Tiered, Ct));
        await AssertReadsAsync(bucket, "second", second);
    }

    [Fact]
    public async Task ATransitionThatLosesTheRaceDeletesWhatItUploaded()
    {
        var bucket = await BucketAsync(versioned: false);
        var oldBytes = Names.RandomBytes(300_000, 9);
        var newBytes = Names.RandomBytes(200_000, 10);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "r", InputStream = new MemoryStream(oldBytes) }, Ct);
        var remoteBefore = await store.RemoteSegmentsAsync();
        var transitioner = new ObjectTransitioner(store.Server.Store)
        {
            BeforeSwap = async ct =>
            {
                // The upload is on the tier; an overwrite lands before the swap.
                Assert.Single((await store.RemoteSegmentsAsync()).Except(remoteBefore));
                await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "r", InputStream = new MemoryStream(newBytes) }, ct);
            },
        };

        Assert.Equal(TransitionOutcome.Changed, await transitioner.TransitionAsync(bucket, "r", "null", Tiered, Ct));
        Assert.Empty((await store.RemoteSegmentsAsync()).Except(remoteBefore));
        Assert.False(Manifest(bucket, "r").Segments[0].IsTiered);
        await AssertReadsAsync(bucket, "r", newBytes);
    }

    [Fact]
    public async Task TheSweepDeletesRemoteObjectsNoVersionReferences()
    {
        var bucket = await BucketAsync(versioned: false);
        var data = Names.RandomBytes(50_000, 11);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "kept", InputStream = new MemoryStream(data) }, Ct);
        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "kept", "null", Tiered, Ct));
        var kept = Manifest(bucket, "kept").Segments[0].Segment;

        // What a transition that crashed between its upload and its swap leaves: a remote object nothing references.
        var orphan = Guid.NewGuid();
        await store.TierClient.PutObjectAsync(new PutObjectRequest { BucketName = TieringFixture.TierBucket, Key = TieringFixture.TierPrefix + orphan.ToString("N"), ContentBody = "orphan" }, Ct);
        var foreign = "not-a-segment";
        await store.TierClient.PutObjectAsync(new PutObjectRequest { BucketName = TieringFixture.TierBucket, Key = TieringFixture.TierPrefix + foreign, ContentBody = "x" }, Ct);

        // Young objects are left (a transition may be about to swap them in); old unreferenced ones go.
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(-1), sweepOrphans: true);
        Assert.Contains(orphan, await store.RemoteSegmentsAsync());
        store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddHours(2), sweepOrphans: true);
        var remaining = await store.RemoteSegmentsAsync();
        Assert.DoesNotContain(orphan, remaining);
        Assert.Contains(kept, remaining);
        await store.TierClient.GetObjectMetadataAsync(TieringFixture.TierBucket, TieringFixture.TierPrefix + foreign, Ct); // not ours to delete
        await AssertReadsAsync(bucket, "kept", data);
    }

    [Fact]
    public async Task AnArchivedObjectInTheTierRestoresFromIt()
    {
        var bucket = await BucketAsync(versioned: false);
        var data = Names.RandomBytes(250_000, 12);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "deep", InputStream = new MemoryStream(data) }, Ct);
        Assert.Equal(TransitionOutcome.Moved, await Transitioner.TransitionAsync(bucket, "deep", "null", "GLACIER", Ct));
        Assert.True(Manifest(bucket, "deep").Segments[0].IsTiered);
        var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(bucket, "deep", Ct));
        Assert.Equal("InvalidObjectState", refused.ErrorCode);

        await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "deep", Days = 2 }, Ct);
        await WaitAsync(() => Manifest(bucket, "deep").Restore is { Ongoing: false });
        Assert.False(Assert.Single(Manifest(bucket, "deep").Restore!.Segments).IsTiered); // the copy is on the disks
        await AssertReadsAsync(bucket, "deep", data);
    }

    private async Task<string> BucketAsync(bool versioned)
    {
        var name = Names.Bucket("tier");
        await _s3.PutBucketAsync(name, Ct);
        if (versioned)
        {
            await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = name, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        }

        return name;
    }

    private ObjectManifest Manifest(string bucket, string key) =>
        store.Server.Store.Index.GetObject(bucket, key, null) ?? throw new InvalidOperationException($"{bucket}/{key} is gone");

    private List<FileInfo> FragmentFiles(Guid segment) => store.FragmentFiles(segment);

    private async Task AssertReadsAsync(string bucket, string key, byte[] expected)
    {
        using var get = await _s3.GetObjectAsync(bucket, key, Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.True(expected.AsSpan().SequenceEqual(buffer.ToArray()), $"{bucket}/{key} reads back {buffer.Length} bytes that differ from the {expected.Length} written");
    }

    private async Task AssertRangeAsync(string bucket, string key, byte[] expected, long first, long last)
    {
        using var get = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(first, last) }, Ct);
        using var buffer = new MemoryStream();
        await get.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.True(expected.AsSpan((int)first, (int)(last - first + 1)).SequenceEqual(buffer.ToArray()), $"bytes {first}-{last} of {bucket}/{key} differ");
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, "Not there in time.");
            await Task.Delay(100, Ct);
        }
    }
}
