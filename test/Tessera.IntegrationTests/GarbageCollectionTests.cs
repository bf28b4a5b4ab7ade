using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>
/// Fragments nothing references (overwritten and deleted versions, a PUT that crashed before its commit) are
/// removed by the collector once past the grace period; referenced fragments never are. Counted in files.
/// </summary>
public sealed class GarbageCollectionTests(StoreFixture store) : IClassFixture<StoreFixture>
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Files per object here: the bodies are a few bytes, which RS(4,2) stores as m + 1 = 3 copies.</summary>
    private const int Copies = 3;

    private int FragmentFiles() =>
        Directory.EnumerateDirectories(store.DataDirectory, "disk*")
            .Sum(d => Directory.Exists(Path.Combine(d, "fragments")) ? Directory.EnumerateFiles(Path.Combine(d, "fragments"), "*", SearchOption.AllDirectories).Count() : 0);

    [Fact]
    public async Task UnreferencedFragmentsAreCollectedAndReferencedOnesNeverAre()
    {
        var collector = store.Server.Collector;
        var future = DateTimeOffset.UtcNow.AddHours(2);
        collector.CollectOnce(future, sweepOrphans: true);
        var baseline = FragmentFiles();

        var plain = Names.Bucket("gc");
        await _s3.PutBucketAsync(plain, Ct);
        var versioned = Names.Bucket("gcv");
        await _s3.PutBucketAsync(versioned, Ct);
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = versioned, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);

        // Live objects of one segment each, whose copies must survive every pass.
        for (var i = 0; i < 3; i++)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = $"live{i}", ContentBody = $"live {i}" }, Ct);
        }

        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = "overwritten", ContentBody = "first" }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = "overwritten", ContentBody = "second" }, Ct);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = "deleted", ContentBody = "bye" }, Ct);
        await _s3.DeleteObjectAsync(plain, "deleted", Ct);
        var doomed = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = versioned, Key = "v", ContentBody = "doomed" }, Ct)).VersionId;
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = versioned, Key = "v", ContentBody = "kept" }, Ct);
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = versioned, Key = "v", VersionId = doomed }, Ct);

        // A PUT that crashed after writing its fragments and before its commit: files no manifest names.
        var orphan = Guid.NewGuid().ToString("N");
        for (var i = 1; i <= 6; i++)
        {
            var dir = Path.Combine(store.DataDirectory, $"disk{i}", "fragments", orphan[..2]);
            Directory.CreateDirectory(dir);
            await File.WriteAllBytesAsync(Path.Combine(dir, $"{orphan}.{i - 1}"), new byte[100], Ct);
        }

        // 3 live + 2 overwritten + 1 deleted + 2 versioned segments of 3 copies each, plus 6 orphan files.
        Assert.Equal(baseline + (8 * Copies) + 6, FragmentFiles());

        // Within the grace period nothing goes.
        var early = collector.CollectOnce(DateTimeOffset.UtcNow.AddMinutes(-10), sweepOrphans: true);
        Assert.Equal((0, 0), (early.Segments, early.Orphans));
        Assert.Equal(baseline + (8 * Copies) + 6, FragmentFiles());

        // Past it: the overwritten, the deleted and the deleted version go (3 segments, 9 files), and the orphans.
        var report = collector.CollectOnce(future, sweepOrphans: true);
        Assert.Equal(3, report.Segments);
        Assert.Equal(3 * Copies, report.Fragments);
        Assert.Equal(6, report.Orphans);
        Assert.Equal(baseline + (5 * Copies), FragmentFiles());

        // Everything still referenced reads back.
        for (var i = 0; i < 3; i++)
        {
            using var live = await _s3.GetObjectAsync(plain, $"live{i}", Ct);
            Assert.Equal($"live {i}", await new StreamReader(live.ResponseStream).ReadToEndAsync(Ct));
        }

        using var second = await _s3.GetObjectAsync(plain, "overwritten", Ct);
        Assert.Equal("second", await new StreamReader(second.ResponseStream).ReadToEndAsync(Ct));
        using var kept = await _s3.GetObjectAsync(versioned, "v", Ct);
        Assert.Equal("kept", await new StreamReader(kept.ResponseStream).ReadToEndAsync(Ct));

        // A second pass finds nothing more.
        var again = collector.CollectOnce(future, sweepOrphans: true);
        Assert.Equal((0, 0), (again.Segments, again.Orphans));
    }
}
