using System.Diagnostics;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Index;
using Tessera.Index.Lifecycle;
using Tessera.Server;
using Tessera.Store;
using BucketInfo = Tessera.Index.BucketInfo;
using LifecycleConfiguration = Amazon.S3.Model.LifecycleConfiguration;
using LifecycleFilter = Amazon.S3.Model.LifecycleFilter;
using LifecycleRule = Amazon.S3.Model.LifecycleRule;

namespace Tessera.IntegrationTests;

/// <summary>A store whose lifecycle day is 1 s and whose lifecycle worker lists without a rate limit; garbage waits 1 s.</summary>
public sealed class LifecycleStoreFixture : StoreFixture
{
    protected override void Configure(ServerOptions options)
    {
        options.LifecycleDaySeconds = 1;
        options.LifecycleScanRate = 0;
        options.GarbageGraceSeconds = 1;
    }
}

/// <summary>
/// The lifecycle worker against a real server (lifecycle day 1 s, passes in the background), driven by AWSSDK.S3 at
/// its defaults: each action on unversioned and versioned buckets, filters that must not match, a PUT racing the
/// action, a restart in the middle of a pass, and expiry at scale in bounded memory.
/// </summary>
public sealed class LifecycleWorkerTests(LifecycleStoreFixture store) : IClassFixture<LifecycleStoreFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LifecycleWorker Worker => store.Server.Lifecycle;

    [Theory]
    [InlineData("Unversioned")]
    [InlineData("Enabled")]
    [InlineData("Suspended")]
    public async Task CurrentVersionsExpireAndFiltersThatDoNotMatchStay(string versioning)
    {
        var versioned = versioning != "Unversioned";
        var bucket = await BucketAsync(versioned);
        if (versioning == "Suspended")
        {
            await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Suspended } }, Ct);
        }

        await PutRulesAsync(bucket, new LifecycleRule
        {
            Id = "expire",
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter
            {
                And = new LifecycleRuleAndOperator { Prefix = "t/", Tags = [new Tag { Key = "k", Value = "v" }], ObjectSizeGreaterThan = 10 },
            },
            Expiration = new LifecycleRuleExpiration { Days = 1 },
        });
        await PutAsync(bucket, "t/match", 100, tag: true);
        await PutAsync(bucket, "t/untagged", 100, tag: false);
        await PutAsync(bucket, "t/small", 5, tag: true);
        await PutAsync(bucket, "other/match", 100, tag: true);

        await WaitAsync(async () => !await ExistsAsync(bucket, "t/match"));
        await WaitForPassesAsync(2);
        Assert.True(await ExistsAsync(bucket, "t/untagged"));
        Assert.True(await ExistsAsync(bucket, "t/small"));
        Assert.True(await ExistsAsync(bucket, "other/match"));

        var versions = await VersionsAsync(bucket, "t/match");
        if (versioning == "Suspended")
        {
            // S3: in a suspended bucket the expiration writes a null delete marker, which replaces the null version.
            Assert.True(Assert.Single(versions).IsDeleteMarker == true);
        }
        else if (versioned)
        {
            // S3: expiring the current version of a versioned bucket adds a delete marker; the version stays, noncurrent.
            Assert.Equal(2, versions.Count);
            Assert.True(versions[0].IsDeleteMarker == true && versions[0].IsLatest == true);
            Assert.False(versions[1].IsDeleteMarker == true || versions[1].IsLatest == true);
        }
        else
        {
            Assert.Empty(versions);
        }

        var status = Worker.Status.Buckets.Single(b => b.Bucket == bucket);
        Assert.Equal(1, status.ActionsSinceStart.GetValueOrDefault(versioned ? "deleteMarkerAdded" : "expired"));
    }

    [Fact]
    public async Task TheAdminApiAndTheCliShowTheWorkerPerBucketAndTheCostOfEachClass()
    {
        var bucket = await BucketAsync(versioned: false);
        await PutRulesAsync(bucket, new LifecycleRule
        {
            Id = "expire",
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { Tag = new Tag { Key = "k", Value = "v" } },
            Expiration = new LifecycleRuleExpiration { Days = 1 },
        });
        await PutAsync(bucket, "gone/a", 1000, tag: true);
        await PutAsync(bucket, "kept/b", 1000, tag: false);
        await WaitAsync(async () => !await ExistsAsync(bucket, "gone/a"));
        await WaitForPassesAsync(1);

        using var http = new HttpClient();
        var admin = new AdminClient(http, store.Server.Endpoint, StoreFixture.RootKey, StoreFixture.RootSecret, "us-east-1");
        var (status, body) = await admin.SendAsync(HttpMethod.Get, "lifecycle", [], Ct);
        using (body)
        {
            Assert.Equal(200, status);
            var root = body.RootElement;
            Assert.True(root.GetProperty("active").GetBoolean());
            Assert.NotNull(root.GetProperty("lastPassEnd").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("cursor").GetProperty("bucket").ValueKind);
            var mine = root.GetProperty("buckets").EnumerateArray().Single(b => b.GetProperty("bucket").GetString() == bucket);
            Assert.Equal(1, mine.GetProperty("actionsSinceStart").GetProperty("expired").GetInt64());
            Assert.False(mine.TryGetProperty("nextDue", out _)); // nothing the rule selects is left to expire
            Assert.Equal(1000, mine.GetProperty("bytesByClass").GetProperty("STANDARD").GetInt64());
            var standard = root.GetProperty("storageClasses").EnumerateArray().Single(c => c.GetProperty("storageClass").GetString() == "STANDARD");
            var policy = store.Server.Store.Storage.PolicyFor("STANDARD");
            Assert.Equal($"{policy.DataShards}+{policy.ParityShards}", standard.GetProperty("policy").GetString());
            Assert.Equal(Math.Round((double)(policy.DataShards + policy.ParityShards) / policy.DataShards, 4), standard.GetProperty("overhead").GetDouble());
            Assert.True(standard.GetProperty("rawBytes").GetInt64() >= standard.GetProperty("bytes").GetInt64());
        }

        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = ["lifecycle", "status", "--endpoint", store.Server.Endpoint.ToString(), "--access-key", StoreFixture.RootKey, "--secret-key", StoreFixture.RootSecret];
        var code = await AdminCommand.Create().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error }, Ct);
        Assert.True(code == 0, $"tessera admin lifecycle status exited {code}: {error}{output}");
        Assert.Contains(bucket + ":", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("STANDARD", output.ToString(), StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
    }

    [Fact]
    public async Task ADueTransitionMovesTheVersionToTheRulesClassKeepingItsETag()
    {
        var bucket = await BucketAsync(versioned: false);
        await PutRulesAsync(bucket, new LifecycleRule
        {
            Id = "cold",
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { Prefix = "" },
            Transitions = [new Amazon.S3.Model.LifecycleTransition { Days = 1, StorageClass = S3StorageClass.Glacier }],
        });
        await PutAsync(bucket, "big", 200 * 1024, tag: false);
        var before = await _s3.GetObjectMetadataAsync(bucket, "big", Ct);
        Assert.True(before.StorageClass is null || before.StorageClass == S3StorageClass.Standard);

        // The worker hands the due transition to the server's transitioner: the version's class changes, its bytes'
        // identity does not, and the next pass finds nothing more to do for it.
        await WaitAsync(() => Task.FromResult(Worker.Status.Buckets.SingleOrDefault(b => b.Bucket == bucket)?.ActionsSinceStart.GetValueOrDefault("transitioned") >= 1));
        var head = await _s3.GetObjectMetadataAsync(bucket, "big", Ct);
        Assert.Equal(S3StorageClass.Glacier, head.StorageClass);
        Assert.Equal(200 * 1024, head.ContentLength);
        Assert.Equal(before.ETag, head.ETag);
        Assert.Equal(before.LastModified, head.LastModified);

        // GLACIER is an archive class: the bytes are there, but a GET waits for a RestoreObject.
        var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(bucket, "big", Ct));
        Assert.Equal(("InvalidObjectState", System.Net.HttpStatusCode.Forbidden), (refused.ErrorCode, refused.StatusCode));
        await WaitForPassesAsync(2);
        Assert.Equal(1, Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart.GetValueOrDefault("transitioned"));
        Assert.Equal(0, Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart.GetValueOrDefault("transitionSkipped"));
    }

    [Fact]
    public async Task NoncurrentVersionsExpireKeepingTheNewerNoncurrentOnes()
    {
        var bucket = await BucketAsync(versioned: true);
        await PutRulesAsync(bucket, new LifecycleRule
        {
            Id = "noncurrent",
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { Prefix = "" },
            NoncurrentVersionExpiration = new LifecycleRuleNoncurrentVersionExpiration { NoncurrentDays = 1, NewerNoncurrentVersions = 2 },
        });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "v" + i }, Ct)).VersionId);
        }

        await WaitAsync(async () => (await VersionsAsync(bucket, "k")).Count == 3);
        await WaitForPassesAsync(2);
        var left = await VersionsAsync(bucket, "k");

        // The current version and the two newest noncurrent ones stay.
        Assert.Equal([ids[4], ids[3], ids[2]], left.Select(v => v.VersionId));
        Assert.Equal(2, Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart.GetValueOrDefault("noncurrentExpired"));
    }

    [Fact]
    public async Task ExpiredDeleteMarkerIsRemovedOnceItIsTheOnlyVersion()
    {
        var bucket = await BucketAsync(versioned: true);
        await PutRulesAsync(bucket, new LifecycleRule
        {
            Id = "cleanup",
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { Prefix = "" },
            Expiration = new LifecycleRuleExpiration { ExpiredObjectDeleteMarker = true },
            NoncurrentVersionExpiration = new LifecycleRuleNoncurrentVersionExpiration { NoncurrentDays = 1 },
        });
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "gone", ContentBody = "x" }, Ct);
        await _s3.DeleteObjectAsync(bucket, "gone", Ct);
        await PutAsync(bucket, "live", 10, tag: false);

        // The noncurrent version expires first; the marker, then alone, goes in the same or the next pass.
        await WaitAsync(async () => (await VersionsAsync(bucket, "gone")).Count == 0);
        Assert.True(await ExistsAsync(bucket, "live"));
        var actions = Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart;
        Assert.Equal(1, actions.GetValueOrDefault("noncurrentExpired"));
        Assert.Equal(1, actions.GetValueOrDefault("deleteMarkerRemoved"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StaleUploadIsAbortedAndItsFragmentsCollected(bool versioned)
    {
        var bucket = await BucketAsync(versioned);
        await PutRulesAsync(bucket, new LifecycleRule
        {
            Id = "abort",
            Status = LifecycleRuleStatus.Enabled,
            Filter = new LifecycleFilter { Prefix = "up/" },
            AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 1 },
        });
        var stale = await _s3.InitiateMultipartUploadAsync(bucket, "up/big", Ct);
        await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "up/big", UploadId = stale.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[64 * 1024]) }, Ct);
        var kept = await _s3.InitiateMultipartUploadAsync(bucket, "elsewhere/big", Ct);
        var part = store.Server.Store.Index.ListParts(bucket, "up/big", stale.UploadId, 0, 10)!.Parts.Single();
        var segment = part.Segment.Segment;
        Assert.True(store.Server.Store.Index.IsSegmentReferenced(segment));

        await WaitAsync(async () => (await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, Prefix = "up/" }, Ct)).MultipartUploads is null or { Count: 0 });
        var uploads = await _s3.ListMultipartUploadsAsync(bucket, Ct);
        Assert.Equal([kept.UploadId], uploads.MultipartUploads.Select(u => u.UploadId));
        Assert.False(store.Server.Store.Index.IsSegmentReferenced(segment));

        // The part's fragments went to the garbage queue: the collector deletes them after the grace (1 s here).
        var fragments = FragmentFiles(segment);
        Assert.NotEmpty(fragments);
        await WaitAsync(() =>
        {
            store.Server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(1), sweepOrphans: false);
            return Task.FromResult(fragments.All(f => !File.Exists(f)));
        });
        Assert.Equal(1, Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart.GetValueOrDefault("uploadAborted"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APutRacingTheExpirationIsNeverDeleted(bool versioned)
    {
        var bucket = await BucketAsync(versioned);
        var raced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The worker has decided to expire the version it listed; before it applies that, a newer version lands.
        Worker.BeforeApplyAsync = async (pending, ct) =>
        {
            if (pending.Bucket == bucket && pending.Kind == LifecycleActionKind.Expire && !raced.Task.IsCompleted)
            {
                var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "race", ContentBody = "newer" }, ct);
                raced.SetResult(put.ETag);
            }
        };
        try
        {
            // 3 days of 1 s: the first version is due 3-4 s after it is written, the racing one not before the test ends.
            await PutRulesAsync(bucket, new LifecycleRule
            {
                Id = "expire",
                Status = LifecycleRuleStatus.Enabled,
                Filter = new LifecycleFilter { Prefix = "" },
                Expiration = new LifecycleRuleExpiration { Days = 3 },
            });
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "race", ContentBody = "older" }, Ct);
            var etag = await raced.Task.WaitAsync(Patience, Ct);
            await WaitAsync(() => Task.FromResult(Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart.GetValueOrDefault("raced") >= 1));

            using var current = await _s3.GetObjectAsync(bucket, "race", Ct);
            Assert.Equal(etag, current.ETag);
            var versions = await VersionsAsync(bucket, "race");
            Assert.False(versions[0].IsDeleteMarker == true);
            Assert.Equal(versioned ? 2 : 1, versions.Count);
            Assert.Equal(0, Worker.Status.Buckets.Single(b => b.Bucket == bucket).ActionsSinceStart.GetValueOrDefault(versioned ? "deleteMarkerAdded" : "expired"));
        }
        finally
        {
            Worker.BeforeApplyAsync = null;
        }
    }

    [Fact]
    public async Task ARestartInTheMiddleOfAPassResumesFromThePersistedCursor()
    {
        var root = Path.Combine(Path.GetTempPath(), "tessera-lc-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            // 200 entries a second: the first 1,000-entry page is listed, then the second waits about 5 s for its tokens.
            var options = Options(root, dayseconds: 3600, scanRate: 200);
            const int Objects = 1500;
            string? marker;
            await using (var first = await TesseraServer.StartAsync(options, cancellationToken: Ct))
            {
                // Its pass at start found no bucket; the next starts in an hour.
                CreateBucketWithRule(first, "resume", new Index.Lifecycle.LifecycleConfiguration
                {
                    Rules = [new Index.Lifecycle.LifecycleRule { Id = "tagged", Enabled = true, Filter = new Index.Lifecycle.LifecycleFilter { Tags = [new("never", "set")] }, Expiration = new LifecycleExpiration { Days = 1 } }],
                });
                Fill(first.Store.Index, "resume", Objects, "k");
            }

            await using (var interrupted = await TesseraServer.StartAsync(options, cancellationToken: Ct))
            {
                // Its pass at start walks the bucket; stop the server once the first page is done.
                await WaitAsync(() => Task.FromResult(interrupted.Lifecycle.ReadCursor() is { Bucket: "resume", KeyMarker: not null }));
                marker = interrupted.Lifecycle.ReadCursor()!.KeyMarker;
                Assert.True(interrupted.Lifecycle.Status.Running);
            }

            await using var second = await TesseraServer.StartAsync(options, cancellationToken: Ct);
            await WaitAsync(() => Task.FromResult(second.Lifecycle.Status.LastPassEnd is not null));
            var status = second.Lifecycle.Status;
            Assert.Equal("resume", status.ResumedBucket);
            Assert.Equal(marker, status.ResumedAfterKey);
            var scanned = status.Buckets.Single(b => b.Bucket == "resume").ObjectsScanned;
            Assert.InRange(scanned, 1, Objects - 900);
            Assert.Equal(Objects - 1 - int.Parse(marker![1..], System.Globalization.CultureInfo.InvariantCulture), scanned);
            Assert.Null(second.Lifecycle.ReadCursor()!.Bucket);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Many 0-byte objects (written through the index: the worker's cost is per entry, not per byte) under an
    /// expiration rule are all expired within a bounded number of lifecycle days, in bounded memory. 10,000 in CI;
    /// 100,000 with TESSERA_LONG_FAULTS=1.
    /// </summary>
    [Fact]
    public async Task ManyObjectsExpireWithinBoundedDaysAndMemory()
    {
        var count = Environment.GetEnvironmentVariable("TESSERA_LONG_FAULTS") == "1" ? 100_000 : 10_000;
        var root = Path.Combine(Path.GetTempPath(), "tessera-lc-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var server = await TesseraServer.StartAsync(Options(root, dayseconds: 3600, scanRate: 0), cancellationToken: Ct);
            var bucket = CreateBucketWithRule(server, "many", new Index.Lifecycle.LifecycleConfiguration
            {
                Rules = [new Index.Lifecycle.LifecycleRule { Id = "past", Enabled = true, Expiration = new LifecycleExpiration { Date = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) } }],
            });
            var fill = Stopwatch.StartNew();
            Fill(server.Store.Index, bucket, count, "o");
            fill.Stop();

            GC.Collect();
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            long peakManaged = 0, peakWorkingSet = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                    peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                    await Task.Delay(50, CancellationToken.None);
                }
            }, CancellationToken.None);

            // Passes as the background loop runs them, one per lifecycle day; counted until the bucket is empty.
            var expire = Stopwatch.StartNew();
            var passes = 0;
            while (server.Store.Index.ListObjects(bucket, new ListObjectsQuery("", null, null, 1)).Objects.Count > 0 && passes < 5)
            {
                await server.Lifecycle.RunPassAsync(Ct);
                passes++;
            }

            expire.Stop();
            await sampling.CancelAsync();
            await sampler;
            var scanned = server.Lifecycle.Status.Buckets.Single(b => b.Bucket == bucket);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{count} objects: filled in {fill.Elapsed.TotalSeconds:F1} s; expired in {expire.Elapsed.TotalSeconds:F1} s over {passes} passes " +
                $"({count / expire.Elapsed.TotalSeconds:F0} objects/s); managed heap baseline {baseline >> 20} MiB, peak {peakManaged >> 20} MiB; peak working set {peakWorkingSet >> 20} MiB");
            Assert.Empty(server.Store.Index.ListObjects(bucket, new ListObjectsQuery("", null, null, 1)).Objects);
            Assert.Equal(1, passes);
            Assert.Equal(count, scanned.ObjectsScanned);
            Assert.Equal(count, scanned.ActionsSinceStart.GetValueOrDefault("expired"));
            Assert.InRange(peakManaged - baseline, long.MinValue, 256L << 20);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static ServerOptions Options(string root, int dayseconds, long scanRate) => new()
    {
        Address = "127.0.0.1:0",
        Disks = [new DiskOptions { Path = Path.Combine(root, "data") }],
        RootUser = StoreFixture.RootKey,
        RootPassword = StoreFixture.RootSecret,
        LifecycleDaySeconds = dayseconds,
        LifecycleScanRate = scanRate,
        ScrubInterval = 0,
        SnapshotInterval = 0,
        Quiet = true,
    };

    private static string CreateBucketWithRule(TesseraServer server, string bucket, Index.Lifecycle.LifecycleConfiguration configuration)
    {
        var index = server.Store.Index;
        if (index.GetBucket(bucket) is null)
        {
            index.CreateBucket(new BucketInfo(bucket, "root", DateTimeOffset.UtcNow, "us-east-1", VersioningState.Unversioned, LifecycleXml.ToStored(configuration)));
        }

        return bucket;
    }

    /// <summary>Writes <paramref name="count"/> 0-byte objects <paramref name="prefix"/>000000.. through the index, 8 writers at once.</summary>
    private static void Fill(IIndexStore index, string bucket, int count, string prefix) =>
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            index.PutObject(bucket, new ObjectManifest
            {
                Key = prefix + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture),
                VersionId = "",
                ETag = "\"d41d8cd98f00b204e9800998ecf8427e\"",
                LastModified = DateTimeOffset.UtcNow,
            }));

    private List<string> FragmentFiles(Guid segment) =>
        [.. Directory.EnumerateFiles(store.DataDirectory, "*" + segment.ToString("N") + "*", SearchOption.AllDirectories)];

    private async Task<string> BucketAsync(bool versioned)
    {
        var name = Names.Bucket("lcw");
        await _s3.PutBucketAsync(name, Ct);
        if (versioned)
        {
            await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = name, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        }

        return name;
    }

    private Task PutRulesAsync(string bucket, params LifecycleRule[] rules) =>
        _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest { BucketName = bucket, Configuration = new LifecycleConfiguration { Rules = [.. rules] } }, Ct);

    private Task PutAsync(string bucket, string key, int size, bool tag) =>
        _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(new byte[size]),
            TagSet = tag ? [new Tag { Key = "k", Value = "v" }] : null,
        }, Ct);

    private async Task<bool> ExistsAsync(string bucket, string key)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(bucket, key, Ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<List<S3ObjectVersion>> VersionsAsync(string bucket, string key)
    {
        var listing = await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = key }, Ct);
        return [.. (listing.Versions ?? []).Where(v => v.Key == key)];
    }

    /// <summary>Waits until <paramref name="count"/> more passes have ended (nothing more happens after the outcome awaited).</summary>
    private async Task WaitForPassesAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var last = Worker.Status.LastPassEnd;
            await WaitAsync(() => Task.FromResult(Worker.Status.LastPassEnd != last));
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, "The lifecycle worker did not get there in time.");
            await Task.Delay(100, Ct);
        }
    }
}
