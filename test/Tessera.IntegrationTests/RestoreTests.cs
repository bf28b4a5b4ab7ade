using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Server;

namespace Tessera.IntegrationTests;

/// <summary>
/// A server with lifecycle days of <see cref="Day"/> seconds, restores that wait <see cref="Delay"/> seconds before
/// they copy (so a test sees them running), a garbage grace of 1 s and parts of any size.
/// </summary>
public sealed class RestoreStoreFixture : StoreFixture
{
    public const int Day = 2;

    public const int Delay = 2;

    protected override void Configure(ServerOptions options)
    {
        options.LifecycleDaySeconds = Day;
        options.RestoreDelaySeconds = Delay;
        options.GarbageGraceSeconds = 1;
        options.MinPartSize = 1;
    }
}

/// <summary>One server (<see cref="RestoreStoreFixture"/>).</summary>
public sealed class RestoreTests(RestoreStoreFixture store) : RestoreTestsBase(store), IClassFixture<RestoreStoreFixture>;

/// <summary>
/// The archive classes and RestoreObject through AWSSDK.S3 at its defaults: GET of a GLACIER or DEEP_ARCHIVE object is
/// 403 InvalidObjectState until a restore's copy is there; HEAD shows <c>x-amz-restore</c> (running, then with the
/// copy's expiry date); the copy reads back bit-exact and expires by itself after its lifecycle days, its fragments
/// collected. Run single-node and on a cluster over the etcd index (ClusterRestoreTests).
/// </summary>
public abstract partial class RestoreTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("GLACIER")]
    [InlineData("DEEP_ARCHIVE")]
    public async Task AnArchivedObjectIsReadOnlyThroughARestoredCopyThatExpiresByItself(string storageClass)
    {
        var bucket = await BucketAsync();
        var data = Names.RandomBytes(1_500_000, 17);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "cold", InputStream = new MemoryStream(data), StorageClass = storageClass }, Ct);

        // Archived: GET and copies are 403 InvalidObjectState with the class in the error document; HEAD answers.
        await AssertArchivedAsync(bucket, "cold", storageClass);
        var head = await _s3.GetObjectMetadataAsync(bucket, "cold", Ct);
        Assert.Equal(storageClass, head.StorageClass.Value);
        Assert.NotEqual(true, head.RestoreInProgress);
        Assert.Null(head.RestoreExpiration);
        var copyError = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "cold", DestinationBucket = bucket, DestinationKey = "copy" }, Ct));
        Assert.Equal(("InvalidObjectState", HttpStatusCode.Forbidden), (copyError.ErrorCode, copyError.StatusCode));

        // A restore starts (202) and runs: HEAD says so, a second restore is 409 RestoreAlreadyInProgress.
        var before = FragmentFiles();
        var restore = await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "cold", Days = 3, RetrievalTier = GlacierJobTier.Bulk }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, restore.HttpStatusCode);
        Assert.Equal("ongoing-request=\"true\"", (await RawHeadAsync(bucket, "cold"))["x-amz-restore"]);
        Assert.Equal(true, (await _s3.GetObjectMetadataAsync(bucket, "cold", Ct)).RestoreInProgress);
        var again = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "cold", Days = 1 }, Ct));
        Assert.Equal(("RestoreAlreadyInProgress", HttpStatusCode.Conflict), (again.ErrorCode, again.StatusCode));
        await AssertArchivedAsync(bucket, "cold", storageClass);

        // Restored: HEAD shows the expiry date (a lifecycle-day boundary), GET streams the copy bit-exact, copies work.
        var restored = await WaitForAsync(async () => await _s3.GetObjectMetadataAsync(bucket, "cold", Ct) is { RestoreInProgress: false, RestoreExpiration: not null } h ? h : null);
        Assert.Equal(storageClass, restored.StorageClass.Value);
        var header = (await RawHeadAsync(bucket, "cold"))["x-amz-restore"];
        var match = RestoreHeader().Match(header);
        Assert.True(match.Success, header);
        var expiry = DateTimeOffset.ParseExact(match.Groups[1].Value, "ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Equal(0, expiry.ToUnixTimeSeconds() % RestoreStoreFixture.Day);
        Assert.InRange(expiry - DateTimeOffset.UtcNow, TimeSpan.Zero, TimeSpan.FromSeconds((4 * RestoreStoreFixture.Day) + 1));
        var restoredFiles = FragmentFiles().Except(before).ToList();
        Assert.NotEmpty(restoredFiles);
        Assert.Equal(data, await ReadAsync(bucket, "cold"));
        using (var range = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "cold", ByteRange = new ByteRange(1000, 900_000) }, Ct))
        {
            using var buffer = new MemoryStream();
            await range.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.Equal(data.AsSpan(1000, 899_001).ToArray(), buffer.ToArray());
        }

        await _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "cold", DestinationBucket = bucket, DestinationKey = "warm", StorageClass = S3StorageClass.Standard }, Ct);

        // Restoring a restored object extends its copy: 200.
        var extended = await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "cold", Days = 1 }, Ct);
        Assert.Equal(HttpStatusCode.OK, extended.HttpStatusCode);

        // The copy expires by itself: GET is InvalidObjectState again, HEAD has no x-amz-restore, its fragments are collected.
        await WaitForAsync(async () =>
        {
            var error = await Record.ExceptionAsync(() => ReadAsync(bucket, "cold"));
            return error is AmazonS3Exception { ErrorCode: "InvalidObjectState" } ? error : null;
        });
        Assert.False((await RawHeadAsync(bucket, "cold")).ContainsKey("x-amz-restore"));
        Assert.Null((await _s3.GetObjectMetadataAsync(bucket, "cold", Ct)).RestoreExpiration);
        await WaitForAsync(() => Task.FromResult(FragmentFiles().Intersect(restoredFiles).Any() ? null : "gone"));
        Assert.Empty(FragmentFiles().Intersect(restoredFiles));
        Assert.Equal(data, await ReadAsync(bucket, "warm"));

        // And it can be restored again.
        Assert.Equal(HttpStatusCode.Accepted, (await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "cold", Days = 1 }, Ct)).HttpStatusCode);
        await WaitForAsync(async () => await _s3.GetObjectMetadataAsync(bucket, "cold", Ct) is { RestoreInProgress: false, RestoreExpiration: not null } h ? h : null);
        Assert.Equal(data, await ReadAsync(bucket, "cold"));
    }

    [Fact]
    public async Task RestoreOutsideTheArchiveClassesIsInvalidObjectStateAndGlacierInstantRetrievalReadsAtOnce()
    {
        var bucket = await BucketAsync();
        foreach (var storageClass in new[] { "STANDARD", "STANDARD_IA", "GLACIER_IR" })
        {
            var data = Names.RandomBytes(10_000, storageClass.Length);
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = storageClass, InputStream = new MemoryStream(data), StorageClass = storageClass }, Ct);
            Assert.Equal(data, await ReadAsync(bucket, storageClass));
            var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = storageClass, Days = 1 }, Ct));
            Assert.Equal(("InvalidObjectState", HttpStatusCode.Forbidden), (error.ErrorCode, error.StatusCode));
            Assert.Equal("Restore is not allowed for the object's current storage class", error.Message);
            Assert.False((await RawHeadAsync(bucket, storageClass)).ContainsKey("x-amz-restore"));
        }

        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "none", Days = 1 }, Ct));
        Assert.Equal(("NoSuchKey", HttpStatusCode.NotFound), (missing.ErrorCode, missing.StatusCode));
    }

    [Fact]
    public async Task RestoreRequestDocumentsAreValidatedWithS3sCodes()
    {
        var bucket = await BucketAsync();
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "cold", ContentBody = "x", StorageClass = S3StorageClass.Glacier }, Ct);
        foreach (var (document, status, code) in new[]
        {
            ("<RestoreRequest><Days>0</Days></RestoreRequest>", 400, "InvalidArgument"),
            ("<RestoreRequest><Days>x</Days></RestoreRequest>", 400, "MalformedXML"),
            ("<RestoreRequest/>", 400, "MalformedXML"),
            ("<RestoreRequest><Days>1</Days><Days>2</Days></RestoreRequest>", 400, "MalformedXML"),
            ("<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Fast</Tier></GlacierJobParameters></RestoreRequest>", 400, "MalformedXML"),
            ("<RestoreRequest><Days>1</Days><Extra/></RestoreRequest>", 400, "MalformedXML"),
            ("<Restore><Days>1</Days></Restore>", 400, "MalformedXML"),
            ("<RestoreRequest><Days>1", 400, "MalformedXML"),
            ("<RestoreRequest><Type>SELECT</Type></RestoreRequest>", 501, "NotImplemented"),
        })
        {
            var (answer, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Post, $"/{bucket}/cold", "restore", document);
            Assert.True(answer == status && body.Contains($"<Code>{code}</Code>", StringComparison.Ordinal), $"{document}: {answer} {body}");
        }

        // Nothing was started by the refused documents.
        Assert.False((await RawHeadAsync(bucket, "cold")).ContainsKey("x-amz-restore"));
        var (started, _) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Post, $"/{bucket}/cold", "restore",
            "<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>1</Days><GlacierJobParameters><Tier>Expedited</Tier></GlacierJobParameters><Description>d</Description></RestoreRequest>");
        Assert.Equal(202, started);
    }

    [Fact]
    public async Task AVersionIsRestoredByItsIdAndAMultipartObjectReadsByPart()
    {
        var bucket = await BucketAsync();
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        var first = Names.RandomBytes(300_000, 5);
        var second = Names.RandomBytes(200_000, 6);
        var v1 = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", InputStream = new MemoryStream(first), StorageClass = S3StorageClass.Glacier }, Ct)).VersionId;

        // The current version: a multipart GLACIER object of three parts.
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "k", StorageClass = S3StorageClass.DeepArchive }, Ct);
        var etags = new List<PartETag>();
        for (var part = 1; part <= 3; part++)
        {
            var uploaded = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "k", UploadId = upload.UploadId, PartNumber = part, InputStream = new MemoryStream(second, (part - 1) * 70_000, Math.Min(70_000, second.Length - ((part - 1) * 70_000))) }, Ct);
            etags.Add(new PartETag(part, uploaded.ETag));
        }

        var v2 = (await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "k", UploadId = upload.UploadId, PartETags = etags }, Ct)).VersionId;

        // Restoring v1 by id leaves v2 archived.
        Assert.Equal(HttpStatusCode.Accepted, (await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "k", VersionId = v1, Days = 3 }, Ct)).HttpStatusCode);
        Assert.Equal(true, (await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "k", VersionId = v1 }, Ct)).RestoreInProgress);
        Assert.NotEqual(true, (await _s3.GetObjectMetadataAsync(bucket, "k", Ct)).RestoreInProgress);
        await WaitForAsync(async () => await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "k", VersionId = v1 }, Ct) is { RestoreExpiration: not null } h ? h : null);
        Assert.Equal(first, await ReadAsync(bucket, "k", v1));
        var current = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => ReadAsync(bucket, "k"));
        Assert.Equal("InvalidObjectState", current.ErrorCode);

        // The multipart version restored: whole, and part by part.
        Assert.Equal(HttpStatusCode.Accepted, (await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "k", VersionId = v2, Days = 3 }, Ct)).HttpStatusCode);
        await WaitForAsync(async () => await _s3.GetObjectMetadataAsync(bucket, "k", Ct) is { RestoreExpiration: not null } h ? h : null);
        Assert.Equal(second, await ReadAsync(bucket, "k"));
        using var part2 = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", PartNumber = 2 }, Ct);
        using var buffer = new MemoryStream();
        await part2.ResponseStream.CopyToAsync(buffer, Ct);
        Assert.Equal(second.AsSpan(70_000, 70_000).ToArray(), buffer.ToArray());
        Assert.Equal(3, part2.PartsCount);

        // Deleting a restored version takes its copy with it.
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = v1 }, Ct);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "k", VersionId = v1, Days = 1 }, Ct));
        Assert.Equal(("NoSuchVersion", HttpStatusCode.NotFound), (gone.ErrorCode, gone.StatusCode));
    }

    [Fact]
    public async Task TaggingDuringARestoreKeepsItAndAnOverwriteAbandonsIt()
    {
        var bucket = await BucketAsync();
        var data = Names.RandomBytes(50_000, 9);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "tagged", InputStream = new MemoryStream(data), StorageClass = S3StorageClass.Glacier }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "overwritten", ContentBody = "old", StorageClass = S3StorageClass.Glacier }, Ct);

        // A tag change while the restore runs is a manifest replacement: the running restore survives it and completes.
        Assert.Equal(HttpStatusCode.Accepted, (await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "tagged", Days = 2 }, Ct)).HttpStatusCode);
        await _s3.PutObjectTaggingAsync(new PutObjectTaggingRequest { BucketName = bucket, Key = "tagged", Tagging = new Tagging { TagSet = [new Tag { Key = "t", Value = "1" }] } }, Ct);
        Assert.Equal(true, (await _s3.GetObjectMetadataAsync(bucket, "tagged", Ct)).RestoreInProgress);

        // An overwrite while the restore waits: the new version has no restore, and the old one's copy is never made.
        Assert.Equal(HttpStatusCode.Accepted, (await _s3.RestoreObjectAsync(new RestoreObjectRequest { BucketName = bucket, Key = "overwritten", Days = 2 }, Ct)).HttpStatusCode);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "overwritten", ContentBody = "new", StorageClass = S3StorageClass.Glacier }, Ct);
        Assert.False((await RawHeadAsync(bucket, "overwritten")).ContainsKey("x-amz-restore"));

        await WaitForAsync(async () => await _s3.GetObjectMetadataAsync(bucket, "tagged", Ct) is { RestoreExpiration: not null } h ? h : null);
        Assert.Equal(data, await ReadAsync(bucket, "tagged"));
        Assert.Equal("1", (await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "tagged" }, Ct)).Tagging.Single().Value);
        await Task.Delay(TimeSpan.FromSeconds(RestoreStoreFixture.Delay + 1), Ct);
        Assert.False((await RawHeadAsync(bucket, "overwritten")).ContainsKey("x-amz-restore"));
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => ReadAsync(bucket, "overwritten"));
        Assert.Equal("InvalidObjectState", error.ErrorCode);
    }

    [GeneratedRegex("^ongoing-request=\"false\", expiry-date=\"([^\"]+)\"$")]
    private static partial Regex RestoreHeader();

    private async Task<string> BucketAsync()
    {
        var name = Names.Bucket("rs");
        await _s3.PutBucketAsync(name, Ct);
        return name;
    }

    /// <summary>GET and a ranged GET are 403 InvalidObjectState, with the storage class in the error document.</summary>
    private async Task AssertArchivedAsync(string bucket, string key, string storageClass)
    {
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => ReadAsync(bucket, key));
        Assert.Equal(("InvalidObjectState", HttpStatusCode.Forbidden), (error.ErrorCode, error.StatusCode));
        Assert.Equal("The operation is not valid for the object's storage class", error.Message);
        Assert.Equal(storageClass, Assert.IsType<InvalidObjectStateException>(error).StorageClass.Value);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        var (status, body) = await RawS3.SendAsync(store.Endpoint, HttpMethod.Get, $"/{bucket}/{key}", "", null);
        Assert.Equal(403, status);
        Assert.Contains("<Code>InvalidObjectState</Code>", body, StringComparison.Ordinal);
        Assert.Contains($"<StorageClass>{storageClass}</StorageClass>", body, StringComparison.Ordinal);
        Assert.Contains("<RequestId>", body, StringComparison.Ordinal);
    }

    private async Task<byte[]> ReadAsync(string bucket, string key, string? versionId = null)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    private async Task<IReadOnlyDictionary<string, string>> RawHeadAsync(string bucket, string key)
    {
        var (status, _, headers) = await RawS3.SendWithHeadersAsync(store.Endpoint, HttpMethod.Head, $"/{bucket}/{key}", "", null);
        Assert.Equal(200, status);
        return headers;
    }

    /// <summary>Every fragment file on the store's disks (named segment.index).</summary>
    private HashSet<string> FragmentFiles() =>
        [.. store.DataDirectories.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => FragmentName().IsMatch(Path.GetFileName(f)))];

    [GeneratedRegex("^[0-9a-f]{32}\\.[0-9]+$")]
    private static partial Regex FragmentName();

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await probe() is { } result)
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < until, "Timed out waiting.");
            await Task.Delay(100, Ct);
        }
    }
}

/// <summary>
/// A 3-node cluster on the etcd index (<c>indexGroups</c>, one group on the control plane's etcd: every gateway writes
/// the index itself) with <see cref="RestoreStoreFixture"/>'s lifecycle day, restore delay and garbage grace.
/// </summary>
public sealed class RestoreClusterStoreFixture : ClusterStoreFixture
{
    protected override void Configure(string node, ServerOptions options)
    {
        base.Configure(node, options);
        options.IndexNode = null;
        options.IndexGroups = $"g1={options.Etcd}";
        options.LifecycleDaySeconds = RestoreStoreFixture.Day;
        options.RestoreDelaySeconds = RestoreStoreFixture.Delay;
        options.GarbageGraceSeconds = 1;
        options.MinPartSize = 1;
    }
}

/// <summary>The restore tests on a cluster over the etcd index, through the gateways of n2 and n3.</summary>
public sealed class ClusterRestoreTests(RestoreClusterStoreFixture cluster) : RestoreTestsBase(cluster.Through(root: "n2", alice: "n3")), IClassFixture<RestoreClusterStoreFixture>;
