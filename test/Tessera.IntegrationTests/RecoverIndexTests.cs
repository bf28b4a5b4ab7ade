using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Server;

using Tessera.Store.Recovery;

namespace Tessera.IntegrationTests;

/// <summary>
/// "The index is data too": a populated store whose metadata directory is deleted comes back whole through
/// <c>tessera admin recover-index</c>, from the newest snapshot plus the fragments written since, or from the
/// fragments alone.
/// </summary>
public sealed class RecoverIndexTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tessera-rec-" + Guid.NewGuid().ToString("N")[..10]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task DeletedMetaDirectoryIsRebuiltFromTheSnapshotAndTheFragmentsWrittenSince()
    {
        var options = Options();
        string before;
        IndexRecoveryReport report;
        await using (var server = await TesseraServer.StartAsync(options, cancellationToken: Ct))
        {
            using var s3 = Client(server);
            await s3.PutBucketAsync("plain", Ct);
            await s3.PutBucketAsync("history", Ct);
            await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = "history", VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);

            // Before the snapshot: objects, overwrites, versions, a delete marker, a completed and an open upload.
            await PutAsync(s3, "plain", "a", 1000, 1, "text/plain", ChecksumAlgorithm.CRC32C);
            await PutAsync(s3, "plain", "a", 2000, 2, "text/csv", ChecksumAlgorithm.SHA256);
            await PutAsync(s3, "plain", "empty", 0, 3, "application/x-empty", null);
            await PutAsync(s3, "plain", "dir/b", 300_000, 4, "image/png", ChecksumAlgorithm.CRC32);
            await PutAsync(s3, "history", "doc", 5000, 5, "text/markdown", null);
            await PutAsync(s3, "history", "doc", 6000, 6, "text/markdown", ChecksumAlgorithm.SHA1);
            await PutAsync(s3, "history", "gone", 100, 7, "text/plain", null);
            await s3.DeleteObjectAsync("history", "gone", Ct);
            await MultipartAsync(s3, "plain", "big", [70_000, 70_000, 1234], 8);
            var open = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "history", Key = "spanning", ContentType = "video/mp4" }, Ct);
            var spanning1 = await UploadPartAsync(s3, "history", "spanning", open.UploadId, 1, 50_000, 9);

            var snapshot = await server.SnapshotIndexAsync(Ct);
            Assert.True(snapshot.Entries > 0);

            // After the snapshot: more of everything, a new bucket, a copy, the open upload completed.
            await PutAsync(s3, "plain", "a", 3000, 10, "application/json", ChecksumAlgorithm.CRC32C);
            await PutAsync(s3, "plain", "late", 40_000, 11, "text/plain", null);
            await PutAsync(s3, "plain", "late", 41_000, 12, "text/html", null);
            await PutAsync(s3, "history", "doc", 7000, 13, "text/markdown", ChecksumAlgorithm.CRC32);
            await PutAsync(s3, "history", "new", 10, 14, "text/plain", null);
            await PutAsync(s3, "history", "new", 0, 15, "text/plain", null);
            await MultipartAsync(s3, "history", "parts", [60_000, 500], 16);
            var spanning2 = await UploadPartAsync(s3, "history", "spanning", open.UploadId, 2, 777, 17);
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = "history",
                Key = "spanning",
                UploadId = open.UploadId,
                PartETags = [new PartETag(1, spanning1), new PartETag(2, spanning2)],
            }, Ct);
            await s3.PutBucketAsync("fresh", Ct);
            await PutAsync(s3, "fresh", "x", 123_456, 18, "application/octet-stream", ChecksumAlgorithm.SHA256);
            await s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = "plain", SourceKey = "dir/b", DestinationBucket = "fresh", DestinationKey = "copy" }, Ct);
            before = await DescribeAsync(s3);
            Assert.Equal(3, before.Split('\n').Count(l => l.StartsWith("bucket ", StringComparison.Ordinal)));
            Assert.Equal(15, before.Split('\n').Count(l => l.StartsWith("    body ", StringComparison.Ordinal)));
        }

        Directory.Delete(Path.Combine(_directory, "data", "meta"), recursive: true);

        // Every copy of the snapshot but disk6's is damaged: recovery must reject them and use that one.
        for (var disk = 1; disk <= 5; disk++)
        {
            var path = Directory.GetFiles(Path.Combine(_directory, "data", $"disk{disk}", IndexSnapshots.DirectoryName)).Single();
            var bytes = await File.ReadAllBytesAsync(path, Ct);
            bytes[bytes.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(path, disk % 2 == 0 ? bytes : bytes[..^1], Ct);
        }

        using (var output = new StringWriter())
        {
            report = RecoverIndexCommand.Run(options, force: false, TimeProvider.System, output);
            RecoverIndexCommand.Print(output, report);
            Assert.NotNull(report.Snapshot);
            Assert.Equal(5, report.SnapshotsRejected);
            Assert.Contains("disk6", report.SnapshotPath, StringComparison.Ordinal);
            Assert.Equal(1, report.BucketsCreated); // "fresh"
            Assert.True(report.ObjectsRederived == 10, output.ToString()); // plain: a, late ×2; history: doc, new ×2, parts, spanning; fresh: x, copy
            Assert.Equal(1, report.PartsRederived); // part 2 of the upload the snapshot holds open
            Assert.Contains("Objects from fragments:", output.ToString(), StringComparison.Ordinal);
        }

        await using (var server = await TesseraServer.StartAsync(options, cancellationToken: Ct))
        {
            using var s3 = Client(server);
            Assert.Equal(before, await DescribeAsync(s3));
        }
    }

    [Fact]
    public async Task WithoutAnySnapshotTheIndexIsRebuiltFromTheFragmentsAlone()
    {
        var options = Options();
        string before;
        await using (var server = await TesseraServer.StartAsync(options, cancellationToken: Ct))
        {
            using var s3 = Client(server);
            await s3.PutBucketAsync("plain", Ct);
            await s3.PutBucketAsync("history", Ct);
            await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = "history", VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
            await PutAsync(s3, "plain", "a", 1000, 1, "text/plain", ChecksumAlgorithm.CRC32C);
            await PutAsync(s3, "plain", "a", 2000, 2, "text/csv", null);
            await PutAsync(s3, "plain", "empty", 0, 3, "application/x-empty", null);
            await PutAsync(s3, "history", "doc", 5000, 5, "text/markdown", ChecksumAlgorithm.SHA256);
            await PutAsync(s3, "history", "doc", 6000, 6, "text/markdown", null);
            await MultipartAsync(s3, "history", "big", [70_000, 900], 8);
            await MultipartAsync(s3, "plain", "big", [65_536, 65_536], 9);
            before = await DescribeAsync(s3);
            Assert.Equal(6, before.Split('\n').Count(l => l.StartsWith("    body ", StringComparison.Ordinal)));
        }

        Directory.Delete(Path.Combine(_directory, "data", "meta"), recursive: true);
        var report = RecoverIndexCommand.Run(options, force: false, TimeProvider.System, TextWriter.Null);
        Assert.Null(report.Snapshot);
        Assert.Equal(2, report.BucketsCreated);
        Assert.Equal(7, report.ObjectsRederived);

        await using (var server = await TesseraServer.StartAsync(options, cancellationToken: Ct))
        {
            using var s3 = Client(server);
            Assert.Equal(before, await DescribeAsync(s3));
            var versioning = await s3.GetBucketVersioningAsync("history", Ct);
            Assert.Equal(VersionStatus.Enabled, versioning.VersioningConfig.Status);
        }

        // A second run refuses the index it built, unless forced.
        Assert.Throws<InvalidOperationException>(() => RecoverIndexCommand.Run(options, force: false, TimeProvider.System, TextWriter.Null));
        var again = RecoverIndexCommand.Run(options, force: true, TimeProvider.System, TextWriter.Null);
        Assert.Equal(7, again.ObjectsRederived);
    }

    [Fact]
    public async Task CompletionRecordsGoToMPlusOneDisksAndLeaveWithTheObject()
    {
        var options = Options();
        await using var server = await TesseraServer.StartAsync(options, cancellationToken: Ct);
        using var s3 = Client(server);
        await s3.PutBucketAsync("plain", Ct);
        await MultipartAsync(s3, "plain", "big", [20_000, 300], 1);
        Assert.Equal(3, RecordFiles().Count); // RS(4,2): m + 1 copies

        // A record whose segment nothing references (a completion that crashed before its commit) is swept as an orphan.
        var stray = Guid.NewGuid();
        await server.Store.Storage.Disks[0].WriteRecordAsync(stray, new byte[] { 1, 2, 3 }, Ct);
        server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddDays(1), sweepOrphans: true);
        Assert.Equal(3, RecordFiles().Count);
        Assert.Null(server.Store.Storage.Disks[0].ReadRecord(stray));

        // Deleting the object queues its segments; collecting them deletes the record too.
        await s3.DeleteObjectAsync("plain", "big", Ct);
        server.Collector.CollectOnce(DateTimeOffset.UtcNow.AddDays(1), sweepOrphans: false);
        Assert.Empty(RecordFiles());
    }

    private List<string> RecordFiles() =>
        Enumerable.Range(1, 6)
            .Select(i => Path.Combine(_directory, "data", $"disk{i}", "records"))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.complete", SearchOption.AllDirectories))
            .ToList();

    private ServerOptions Options() => new()
    {
        Address = "127.0.0.1:0",
        Disks = [new DiskOptions { Path = Path.Combine(_directory, "data") }],
        RootUser = StoreFixture.RootKey,
        RootPassword = StoreFixture.RootSecret,
        GarbageGraceSeconds = 3600,
        MinPartSize = 1,
        ShardSize = 16 * 1024,
        SnapshotInterval = 0,
        ScrubInterval = 0,
        Quiet = true,
    };

    private static AmazonS3Client Client(TesseraServer server) =>
        new(new BasicAWSCredentials(StoreFixture.RootKey, StoreFixture.RootSecret), new AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    private static async Task PutAsync(AmazonS3Client s3, string bucket, string key, int size, int seed, string contentType, ChecksumAlgorithm? checksum)
    {
        var request = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(Names.RandomBytes(size, seed)), ContentType = contentType };
        request.Metadata["seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        request.Metadata["note"] = "recover me";
        if (checksum is not null)
        {
            request.ChecksumAlgorithm = checksum;
        }

        await s3.PutObjectAsync(request, Ct);
    }

    private static async Task<string> UploadPartAsync(AmazonS3Client s3, string bucket, string key, string uploadId, int number, int size, int seed) =>
        (await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = key, UploadId = uploadId, PartNumber = number, InputStream = new MemoryStream(Names.RandomBytes(size, seed)) }, Ct)).ETag;

    private static async Task MultipartAsync(AmazonS3Client s3, string bucket, string key, int[] sizes, int seed)
    {
        var create = new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = "application/x-multi" };
        create.Metadata["parts"] = sizes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var upload = await s3.InitiateMultipartUploadAsync(create, Ct);
        var etags = new List<PartETag>();
        for (var i = 0; i < sizes.Length; i++)
        {
            etags.Add(new PartETag(i + 1, await UploadPartAsync(s3, bucket, key, upload.UploadId, i + 1, sizes[i], (seed * 10) + i)));
        }

        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = etags }, Ct);
    }

    /// <summary>
    /// Everything a client can see: bucket names, ListObjectsV2 and ListObjectVersions of each bucket, and for every
    /// version its bytes (MD5), ETag, content type, user metadata and stored checksums.
    /// </summary>
    private static async Task<string> DescribeAsync(AmazonS3Client s3)
    {
        var lines = new List<string>();
        var buckets = (await s3.ListBucketsAsync(Ct)).Buckets ?? [];
        foreach (var bucket in buckets.OrderBy(b => b.BucketName, StringComparer.Ordinal))
        {
            lines.Add($"bucket {bucket.BucketName}");
            var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket.BucketName }, Ct);
            foreach (var o in list.S3Objects ?? [])
            {
                lines.Add($"  object {o.Key} {o.ETag} {o.Size} {o.LastModified:O} {o.StorageClass}");
            }

            var versions = await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket.BucketName }, Ct);
            foreach (var v in versions.Versions ?? [])
            {
                lines.Add($"  version {v.Key} {v.VersionId} latest={v.IsLatest} marker={v.IsDeleteMarker} {v.ETag} {v.Size} {v.LastModified:O}");
                if (v.IsDeleteMarker == true)
                {
                    continue;
                }

                using var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket.BucketName, Key = v.Key, VersionId = v.VersionId, ChecksumMode = ChecksumMode.ENABLED }, Ct);
                using var buffer = new MemoryStream();
                await get.ResponseStream.CopyToAsync(buffer, Ct);
                var metadata = string.Join(",", get.Metadata.Keys.Order(StringComparer.Ordinal).Select(k => $"{k}={get.Metadata[k]}"));
                lines.Add($"    body {Convert.ToHexStringLower(MD5.HashData(buffer.ToArray()))} {get.ETag} {get.Headers.ContentType} [{metadata}] "
                    + $"crc32={get.ChecksumCRC32} crc32c={get.ChecksumCRC32C} sha1={get.ChecksumSHA1} sha256={get.ChecksumSHA256}");
            }
        }

        return string.Join('\n', lines);
    }
}
