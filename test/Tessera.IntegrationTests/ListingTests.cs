using Amazon.S3;
using Amazon.S3.Model;

namespace Tessera.IntegrationTests;

/// <summary>One server (<see cref="StoreFixture"/>).</summary>
public sealed class ListingTests(StoreFixture store) : ListingTestsBase(store), IClassFixture<StoreFixture>;

/// <summary>Listings as S3 clients see them, on any <see cref="IS3Target"/>: one server, or a cluster through its gateways.</summary>
public abstract class ListingTestsBase(IS3Target store)
{
    private static readonly string[] Keys =
    [
        "a", "a/", "a/b", "a/b/c", "a/c", "a0", "b/x y", "b/z", "c+d", "photos/2024/jan.jpg", "photos/2024/feb.jpg",
        "photos/2025/mar.jpg", "photos/readme", "zz/é", "zz/😀", "zz/z",
    ];

    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> PopulatedBucketAsync()
    {
        var bucket = Names.Bucket("list");
        await _s3.PutBucketAsync(bucket, Ct);
        foreach (var key in Keys)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key }, Ct);
        }

        return bucket;
    }

    private static List<string> Utf8Sorted(IEnumerable<string> keys) =>
        keys.OrderBy(k => k, Comparer<string>.Create((x, y) => System.Text.Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(y)))).ToList();

    [Fact]
    public async Task V2ListsEveryKeyInUtf8BinaryOrder()
    {
        var bucket = await PopulatedBucketAsync();
        var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.Equal(Utf8Sorted(Keys), page.S3Objects!.Select(o => o.Key).ToList());
        Assert.Equal(Keys.Length, page.KeyCount);
        Assert.False(page.IsTruncated);
        Assert.All(page.S3Objects!, o => Assert.Equal(o.Key.Length > 0 ? System.Text.Encoding.UTF8.GetByteCount(o.Key) : 0, o.Size));
    }

    [Fact]
    public async Task DelimiterRollsUpCommonPrefixes()
    {
        var bucket = await PopulatedBucketAsync();
        var top = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Delimiter = "/" }, Ct);
        Assert.Equal(["a", "a0", "c+d"], top.S3Objects!.Select(o => o.Key).ToList());
        Assert.Equal(["a/", "b/", "photos/", "zz/"], top.CommonPrefixes!.ToList());

        var photos = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "photos/", Delimiter = "/" }, Ct);
        Assert.Equal(["photos/readme"], photos.S3Objects!.Select(o => o.Key).ToList());
        Assert.Equal(["photos/2024/", "photos/2025/"], photos.CommonPrefixes!.ToList());

        var v1 = await _s3.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, Prefix = "a", Delimiter = "/" }, Ct);
        Assert.Equal(["a", "a0"], v1.S3Objects!.Select(o => o.Key).ToList());
        Assert.Equal(["a/"], v1.CommonPrefixes!.ToList());
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, "/")]
    [InlineData(3, null)]
    [InlineData(5, "/")]
    public async Task PaginationWithContinuationTokensVisitsEverythingOnce(int maxKeys, string? delimiter)
    {
        var bucket = await PopulatedBucketAsync();
        var all = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Delimiter = delimiter }, Ct);
        var expected = (all.S3Objects ?? []).Select(o => o.Key).Concat(all.CommonPrefixes ?? []).Order(StringComparer.Ordinal).ToList();

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = maxKeys, ContinuationToken = token, Delimiter = delimiter }, Ct);
            var count = (page.S3Objects?.Count ?? 0) + (page.CommonPrefixes?.Count ?? 0);
            Assert.True(count <= maxKeys);
            seen.AddRange((page.S3Objects ?? []).Select(o => o.Key).Concat(page.CommonPrefixes ?? []));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
            pages++;
        }
        while (token is not null && pages < 100);

        Assert.Equal(expected, seen.Order(StringComparer.Ordinal).ToList());
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task V1MarkerPaginationAndStartAfter()
    {
        var bucket = await PopulatedBucketAsync();
        var sorted = Utf8Sorted(Keys);
        var seen = new List<string>();
        string? marker = null;
        ListObjectsResponse page;
        do
        {
            page = await _s3.ListObjectsAsync(new ListObjectsRequest { BucketName = bucket, MaxKeys = 4, Marker = marker }, Ct);
            seen.AddRange(page.S3Objects!.Select(o => o.Key));
            marker = page.S3Objects!.LastOrDefault()?.Key;
        }
        while (page.IsTruncated == true);
        Assert.Equal(sorted, seen);

        var after = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, StartAfter = "photos/" }, Ct);
        Assert.Equal(sorted.Where(k => string.CompareOrdinal(k, "photos/") > 0).ToList(), after.S3Objects!.Select(o => o.Key).ToList());
    }

    [Fact]
    public async Task FetchOwnerAndUrlEncoding()
    {
        var bucket = await PopulatedBucketAsync();
        var owned = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, FetchOwner = true, Prefix = "b/" }, Ct);
        Assert.All(owned.S3Objects!, o => Assert.Equal(64, o.Owner?.Id?.Length));
        var encoded = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "b/", Encoding = EncodingType.Url }, Ct);
        // The SDK hands back keys as the server encoded them when the caller asked for url encoding itself.
        Assert.Contains("b/x%20y", encoded.S3Objects!.Select(o => o.Key));

        var bad = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = "!!!not-base64" }, Ct));
        Assert.Equal("InvalidArgument", bad.ErrorCode);
    }

    [Fact]
    public async Task ListAfterWriteAndDeleteIsImmediate()
    {
        var bucket = Names.Bucket("law");
        await _s3.PutBucketAsync(bucket, Ct);
        for (var i = 0; i < 20; i++)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"k{i:D2}", ContentBody = "x" }, Ct);
            var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
            Assert.Equal(i + 1, page.KeyCount);
        }

        await _s3.DeleteObjectAsync(bucket, "k05", Ct);
        var after = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);
        Assert.DoesNotContain("k05", after.S3Objects!.Select(o => o.Key));
    }
}
