using CsCheck;
using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreListingTests
{
    private static readonly string[] Alphabet = ["/", "a", "b", "é", "😀", "～"];

    [Fact]
    public void KeysSortInUtf8ByteOrderAndRollUpAtTheDelimiter()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        string[] keys = ["a0", "a/", "a", "a/b/c", "a/b", "b", "～", "😀", "é"];
        foreach (var key in keys)
        {
            f.Store.PutObject("b", StoreFixture.Manifest(key));
        }

        var all = f.Store.ListObjects("b", new ListObjectsQuery("", null, null, 100));
        Assert.Equal(["a", "a/", "a/b", "a/b/c", "a0", "b", "é", "～", "😀"], all.Objects.Select(o => o.Key));
        Assert.False(all.IsTruncated);
        Assert.Null(all.NextMarker);

        var folders = f.Store.ListObjects("b", new ListObjectsQuery("", "/", null, 100));
        Assert.Equal(["a", "a0", "b", "é", "～", "😀"], folders.Objects.Select(o => o.Key));
        Assert.Equal(["a/"], folders.CommonPrefixes);

        var inA = f.Store.ListObjects("b", new ListObjectsQuery("a/", "/", null, 100));
        Assert.Equal(["a/", "a/b"], inA.Objects.Select(o => o.Key));
        Assert.Equal(["a/b/"], inA.CommonPrefixes);
    }

    [Fact]
    public void PagesContinueAfterACommonPrefixWithoutRepeatingIt()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        foreach (var key in new[] { "a/1", "a/2", "a/3", "b", "c/1" })
        {
            f.Store.PutObject("b", StoreFixture.Manifest(key));
        }

        var page1 = f.Store.ListObjects("b", new ListObjectsQuery("", "/", null, 1));
        Assert.Equal(["a/"], page1.CommonPrefixes);
        Assert.True(page1.IsTruncated);
        Assert.Equal("a/", page1.NextMarker);
        var page2 = f.Store.ListObjects("b", new ListObjectsQuery("", "/", page1.NextMarker, 2));
        Assert.Equal(["b"], page2.Objects.Select(o => o.Key));
        Assert.Equal(["c/"], page2.CommonPrefixes);
        Assert.False(page2.IsTruncated);

        // A start-after inside a folder skips the rest of the folder too.
        var inside = f.Store.ListObjects("b", new ListObjectsQuery("", "/", "a/1", 10));
        Assert.Equal(["b"], inside.Objects.Select(o => o.Key));
        Assert.Equal(["c/"], inside.CommonPrefixes);

        var zero = f.Store.ListObjects("b", new ListObjectsQuery("", "/", null, 0));
        Assert.Empty(zero.Objects);
        Assert.Empty(zero.CommonPrefixes);
        Assert.False(zero.IsTruncated);
    }

    [Fact]
    public void ListingMatchesAReferenceModel()
    {
        using var f = new StoreFixture();
        var bucketNumber = 0;
        var atom = Gen.OneOf(Alphabet);
        var key = atom.Array[1, 4].Select(a => string.Concat(a));
        var gen = Gen.Select(
            key.Array[0, 25],
            Gen.Bool,
            Gen.Int[0, 100],
            Gen.Select(atom.Array[0, 2].Select(a => string.Concat(a)), Gen.OneOf<string?>(null, "/", "a", "é", "/a", "😀"), Gen.Int[1, 6]).Array[1, 4]);
        gen.Sample(
            sample =>
            {
                var (keys, versioned, deletePercent, queries) = sample;
                var bucket = $"bucket{bucketNumber++}";
                f.CreateBucket(bucket, versioned ? VersioningState.Enabled : VersioningState.Unversioned);
                var random = new Random(keys.Length * 31 + deletePercent);
                var current = new HashSet<string>(StringComparer.Ordinal);
                foreach (var k in keys)
                {
                    f.Store.PutObject(bucket, StoreFixture.Manifest(k));
                    current.Add(k);
                }

                foreach (var k in keys.Distinct().Where(_ => random.Next(100) < deletePercent))
                {
                    // Versioned: leaves a delete marker as the latest; unversioned: removes the key.
                    f.Store.DeleteObject(bucket, k);
                    current.Remove(k);
                }

                foreach (var (prefix, delimiter, maxKeys) in queries)
                {
                    var expected = Model(current, prefix, delimiter);
                    var actual = new List<string>();
                    string? marker = null;
                    for (var pages = 0; ; pages++)
                    {
                        Assert.True(pages <= expected.Count, "pagination does not terminate");
                        var page = f.Store.ListObjects(bucket, new ListObjectsQuery(prefix, delimiter, marker, maxKeys));
                        var entries = page.Objects.Select(o => o.Key).Concat(page.CommonPrefixes).Order(Utf8Order.Instance).ToList();
                        Assert.True(entries.Count <= maxKeys);
                        Assert.All(page.Objects, o => Assert.False(o.IsDeleteMarker));
                        actual.AddRange(entries);
                        if (!page.IsTruncated)
                        {
                            Assert.Null(page.NextMarker);
                            break;
                        }

                        Assert.Equal(maxKeys, entries.Count);
                        Assert.Equal(entries[^1], page.NextMarker);
                        marker = page.NextMarker;
                    }

                    Assert.Equal(expected, actual);
                }
            },
            iter: 60);
    }

    [Fact]
    public void StartAfterBeforeThePrefixAndBeyondItAreHandled()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        foreach (var key in new[] { "a", "p/1", "p/2", "z" })
        {
            f.Store.PutObject("b", StoreFixture.Manifest(key));
        }

        Assert.Equal(["p/1", "p/2"], f.Store.ListObjects("b", new ListObjectsQuery("p/", null, "a", 10)).Objects.Select(o => o.Key));
        Assert.Empty(f.Store.ListObjects("b", new ListObjectsQuery("p/", null, "q", 10)).Objects);
        Assert.Equal(["p/2"], f.Store.ListObjects("b", new ListObjectsQuery("p/", null, "p/1", 10)).Objects.Select(o => o.Key));
        Assert.Equal(["z"], f.Store.ListObjects("b", new ListObjectsQuery("", "/", "p/", 10)).Objects.Select(o => o.Key));
    }

    /// <summary>S3 listing semantics, straight from the definition: distinct roll-ups of the matching keys, in UTF-8 order.</summary>
    private static List<string> Model(IEnumerable<string> keys, string prefix, string? delimiter) =>
        keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k =>
            {
                var at = delimiter is null ? -1 : k.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                return at < 0 ? k : k[..(at + delimiter!.Length)];
            })
            .Distinct(StringComparer.Ordinal)
            .Order(Utf8Order.Instance)
            .ToList();
}
