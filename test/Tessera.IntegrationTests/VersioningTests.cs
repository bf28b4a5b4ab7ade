using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>One server (<see cref="StoreFixture"/>).</summary>
public sealed class VersioningTests(StoreFixture store) : VersioningTestsBase(store), IClassFixture<StoreFixture>;

/// <summary>Versioning as S3 clients see it, on any <see cref="IS3Target"/>: one server, or a cluster through its gateways.</summary>
public abstract class VersioningTestsBase(IS3Target store)
{
    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> VersionedBucketAsync()
    {
        var bucket = Names.Bucket("ver");
        await _s3.PutBucketAsync(bucket, Ct);
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        return bucket;
    }

    private async Task<string> ReadAsync(string bucket, string key, string? versionId = null)
    {
        using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
        return await new StreamReader(response.ResponseStream).ReadToEndAsync(Ct);
    }

    private async Task<List<(string Key, string VersionId, bool IsLatest, bool IsDeleteMarker)>> AllVersionsAsync(string bucket, int maxKeys = 1000)
    {
        var all = new List<(string, string, bool, bool)>();
        string? keyMarker = null, versionMarker = null;
        for (var page = 0; page < 1000; page++)
        {
            var response = await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, MaxKeys = maxKeys, KeyMarker = keyMarker, VersionIdMarker = versionMarker }, Ct);
            all.AddRange((response.Versions ?? []).Select(v => (v.Key, v.VersionId, v.IsLatest == true, v.IsDeleteMarker == true)));
            if (response.IsTruncated != true)
            {
                break;
            }

            keyMarker = response.NextKeyMarker;
            versionMarker = response.NextVersionIdMarker;
        }

        return all;
    }

    [Fact]
    public async Task VersioningCanBeEnabledAndSuspendedButNotUndone()
    {
        var bucket = Names.Bucket("ver");
        await _s3.PutBucketAsync(bucket, Ct);
        var initial = await _s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket }, Ct);
        Assert.True(initial.VersioningConfig.Status is null || initial.VersioningConfig.Status == VersionStatus.Off);
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        Assert.Equal(VersionStatus.Enabled, (await _s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket }, Ct)).VersioningConfig.Status);
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Suspended } }, Ct);
        Assert.Equal(VersionStatus.Suspended, (await _s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket }, Ct)).VersioningConfig.Status);
    }

    [Fact]
    public async Task EveryPutIsANewVersionAndOldVersionsStayReadable()
    {
        var bucket = await VersionedBucketAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "doc", ContentBody = $"v{i}" }, Ct);
            Assert.False(string.IsNullOrEmpty(put.VersionId));
            Assert.NotEqual("null", put.VersionId);
            ids.Add(put.VersionId);
        }

        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal("v2", await ReadAsync(bucket, "doc"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"v{i}", await ReadAsync(bucket, "doc", ids[i]));
        }

        using var latest = await _s3.GetObjectAsync(bucket, "doc", Ct);
        Assert.Equal(ids[2], latest.VersionId);

        var versions = await AllVersionsAsync(bucket);
        Assert.Equal(ids.AsEnumerable().Reverse(), versions.Select(v => v.VersionId));
        Assert.Equal([true, false, false], versions.Select(v => v.IsLatest));
    }

    [Fact]
    public async Task DeleteWritesAMarkerThatHidesTheObjectUntilItIsRemoved()
    {
        var bucket = await VersionedBucketAsync();
        var v1 = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "one" }, Ct)).VersionId;
        var delete = await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k" }, Ct);
        Assert.Equal("true", delete.DeleteMarker);
        var marker = delete.VersionId;
        Assert.NotEqual(v1, marker);

        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(bucket, "k", Ct));
        Assert.Equal("NoSuchKey", gone.ErrorCode);

        using (var http = new HttpClient())
        {
            var url = _s3.GetPreSignedURL(new GetPreSignedUrlRequest { BucketName = bucket, Key = "k", Expires = DateTime.UtcNow.AddMinutes(5), Protocol = Protocol.HTTP });
            var raw = await http.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.NotFound, raw.StatusCode);
            Assert.Equal("true", raw.Headers.GetValues("x-amz-delete-marker").Single());
            Assert.Equal(marker, raw.Headers.GetValues("x-amz-version-id").Single());

            var byId = _s3.GetPreSignedURL(new GetPreSignedUrlRequest { BucketName = bucket, Key = "k", VersionId = marker, Expires = DateTime.UtcNow.AddMinutes(5), Protocol = Protocol.HTTP });
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.GetAsync(byId, Ct)).StatusCode);
        }

        Assert.Equal("one", await ReadAsync(bucket, "k", v1));
        var listed = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Empty(listed.S3Objects ?? []);
        var versions = await AllVersionsAsync(bucket);
        Assert.Equal([(marker, true, true), (v1, false, false)], versions.Select(v => (v.VersionId, v.IsLatest, v.IsDeleteMarker)));

        var removeMarker = await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = marker }, Ct);
        Assert.Equal("true", removeMarker.DeleteMarker);
        Assert.Equal("one", await ReadAsync(bucket, "k"));
    }

    [Fact]
    public async Task DeletingAVersionRemovesExactlyThatVersion()
    {
        var bucket = await VersionedBucketAsync();
        var a = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "a" }, Ct)).VersionId;
        var b = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "b" }, Ct)).VersionId;
        var deleted = await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = "k", VersionId = b }, Ct);
        Assert.Equal(b, deleted.VersionId);
        Assert.Equal("a", await ReadAsync(bucket, "k"));
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", VersionId = b }, Ct));
        Assert.Equal("NoSuchVersion", missing.ErrorCode);
        Assert.Equal([a], (await AllVersionsAsync(bucket)).Select(v => v.VersionId));
    }

    [Fact]
    public async Task SuspendedBucketsOverwriteTheNullVersion()
    {
        var bucket = await VersionedBucketAsync();
        var real = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "versioned" }, Ct)).VersionId;
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Suspended } }, Ct);
        var n1 = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "null one" }, Ct);
        Assert.Equal("null", n1.VersionId);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "null two" }, Ct);
        Assert.Equal("null two", await ReadAsync(bucket, "k"));
        Assert.Equal("null two", await ReadAsync(bucket, "k", "null"));
        Assert.Equal("versioned", await ReadAsync(bucket, "k", real));
        Assert.Equal(["null", real], (await AllVersionsAsync(bucket)).Select(v => v.VersionId));
    }

    [Fact]
    public async Task ListObjectVersionsPaginatesInS3Order()
    {
        var bucket = await VersionedBucketAsync();
        var expected = new List<(string Key, string VersionId)>();
        foreach (var key in new[] { "b", "a/2", "a/1", "c" })
        {
            var ids = new List<string>();
            for (var v = 0; v < 3; v++)
            {
                ids.Add((await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key + v }, Ct)).VersionId);
            }

            if (key == "c")
            {
                ids.Add((await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, Ct)).VersionId);
            }

            expected.AddRange(ids.AsEnumerable().Reverse().Select(id => (key, id)));
        }

        expected = expected.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        foreach (var maxKeys in new[] { 1, 2, 5, 1000 })
        {
            var listed = await AllVersionsAsync(bucket, maxKeys);
            Assert.Equal(expected, listed.Select(v => (v.Key, v.VersionId)));
            Assert.Equal(4, listed.Count(v => v.IsLatest));
            Assert.True(listed.Single(v => v.Key == "c" && v.IsLatest).IsDeleteMarker);
        }

        var rolled = await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Delimiter = "/" }, Ct);
        Assert.Equal(["a/"], rolled.CommonPrefixes!.ToList());
        Assert.DoesNotContain(rolled.Versions ?? [], v => v.Key.StartsWith("a/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CopyDeleteObjectsAndTaggingTakeVersionIds()
    {
        var bucket = await VersionedBucketAsync();
        var old = (await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "src", ContentBody = "old" }, Ct)).VersionId;
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "src", ContentBody = "new" }, Ct);

        var copy = await _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = "src", SourceVersionId = old, DestinationBucket = bucket, DestinationKey = "dst" }, Ct);
        Assert.Equal(old, copy.SourceVersionId);
        Assert.Equal("old", await ReadAsync(bucket, "dst"));

        await _s3.PutObjectTaggingAsync(new PutObjectTaggingRequest { BucketName = bucket, Key = "src", VersionId = old, Tagging = new Tagging { TagSet = [new Tag { Key = "era", Value = "old" }] } }, Ct);
        var oldTags = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "src", VersionId = old }, Ct);
        Assert.Equal("old", Assert.Single(oldTags.Tagging!).Value);
        var newTags = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "src" }, Ct);
        Assert.Empty(newTags.Tagging ?? []);

        var batch = await _s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [new KeyVersion { Key = "src", VersionId = old }, new KeyVersion { Key = "dst" }] }, Ct);
        Assert.Contains(batch.DeletedObjects!, d => d.Key == "src" && d.VersionId == old);
        Assert.Contains(batch.DeletedObjects!, d => d.Key == "dst" && d.DeleteMarker == true && !string.IsNullOrEmpty(d.DeleteMarkerVersionId));
        Assert.Equal("new", await ReadAsync(bucket, "src"));
    }

    [Fact]
    public async Task ConcurrentPutsEachBecomeADistinctVersionAndTheLatestIsOneOfThem()
    {
        var bucket = await VersionedBucketAsync();
        var told = new ConcurrentDictionary<string, string>();
        await Parallel.ForAsync(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            var body = $"writer {i}";
            var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "hot", ContentBody = body }, ct);
            Assert.True(told.TryAdd(put.VersionId, Convert.ToHexStringLower(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(body)))));
        });

        var versions = await AllVersionsAsync(bucket);
        Assert.Equal(told.Keys.Order(), versions.Select(v => v.VersionId).Order());
        var latest = Assert.Single(versions, v => v.IsLatest);
        using var get = await _s3.GetObjectAsync(bucket, "hot", Ct);
        Assert.Equal(latest.VersionId, get.VersionId);
        Assert.Equal($"\"{told[latest.VersionId]}\"", get.ETag);
        foreach (var (versionId, md5) in told)
        {
            using var each = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "hot", VersionId = versionId }, Ct);
            Assert.Equal($"\"{md5}\"", each.ETag);
        }
    }

    [Fact]
    public async Task ConcurrentPutsAndDeletesNeverLeaveAVersionWithoutItsBytes()
    {
        var bucket = await VersionedBucketAsync();
        await Parallel.ForAsync(0, 30, new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = Ct }, async (i, ct) =>
        {
            if (i % 3 == 2)
            {
                await _s3.DeleteObjectAsync(bucket, "contended", ct);
            }
            else
            {
                await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "contended", InputStream = new MemoryStream(Names.RandomBytes(300_000 + i, i)) }, ct);
            }
        });

        var versions = await AllVersionsAsync(bucket);
        Assert.Equal(30, versions.Count);
        Assert.Equal(10, versions.Count(v => v.IsDeleteMarker));
        foreach (var (_, versionId, _, isMarker) in versions.Where(v => !v.IsDeleteMarker))
        {
            using var get = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "contended", VersionId = versionId }, Ct);
            using var buffer = new MemoryStream();
            await get.ResponseStream.CopyToAsync(buffer, Ct);
            Assert.Equal(get.ETag.Trim('"'), Convert.ToHexStringLower(MD5.HashData(buffer.ToArray())));
            Assert.False(isMarker);
        }
    }

    [Fact]
    public async Task IfNoneMatchStarLetsExactlyOneRacingCreatorWin()
    {
        var bucket = Names.Bucket("cas");
        await _s3.PutBucketAsync(bucket, Ct);
        var outcomes = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForAsync(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            try
            {
                await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "once", ContentBody = $"creator {i}", IfNoneMatch = "*" }, ct);
                outcomes.Add(HttpStatusCode.OK);
            }
            catch (AmazonS3Exception e)
            {
                outcomes.Add(e.StatusCode);
            }
        });

        Assert.Equal(1, outcomes.Count(o => o == HttpStatusCode.OK));
        Assert.Equal(7, outcomes.Count(o => o == HttpStatusCode.PreconditionFailed));

        var current = await _s3.GetObjectMetadataAsync(bucket, "once", Ct);
        var swapped = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "once", ContentBody = "swapped", IfMatch = current.ETag }, Ct);
        var stale = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "once", ContentBody = "stale", IfMatch = current.ETag }, Ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("swapped", await ReadAsync(bucket, "once"));
        Assert.NotEqual(current.ETag, swapped.ETag);
    }
}
