using CsCheck;
using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreVersionListingTests
{
    private static readonly string[] Alphabet = ["a", "/", "😀"];

    [Fact]
    public void ListingMatchesAReferenceModel()
    {
        using var f = new StoreFixture();
        var bucketNumber = 0;
        var customIds = 0;
        var atom = Gen.OneOf(Alphabet);
        var key = atom.Array[1, 3].Select(a => string.Concat(a));
        var operation = Gen.Select(Gen.Int[0, 19], key, Gen.Int[0, 1000], Gen.Bool);
        var query = Gen.Select(
            atom.Array[0, 2].Select(a => string.Concat(a)),
            Gen.OneOf<string?>(null, "/", "a", "/a", "😀"),
            Gen.Int[1, 7],
            Gen.Int[0, 2],
            key,
            Gen.Int[0, 1000]);
        var gen = Gen.Select(Gen.Bool, operation.Array[0, 40], query.Array[1, 4]);
        gen.Sample(
            sample =>
            {
                var (startSuspended, operations, queries) = sample;
                var bucket = $"bucket{bucketNumber++}";
                var info = f.CreateBucket(bucket, startSuspended ? VersioningState.Suspended : VersioningState.Enabled);
                var model = new Dictionary<string, List<ObjectManifest>>(StringComparer.Ordinal);
                var dropped = new List<ObjectManifest>();
                foreach (var (kind, k, pick, customId) in operations)
                {
                    var versions = model.TryGetValue(k, out var list) ? list : model[k] = [];
                    var suspended = info.Versioning == VersioningState.Suspended;
                    if (kind < 9)
                    {
                        var put = f.Store.PutObject(bucket, StoreFixture.Manifest(k, versionId: customId ? $"u{customIds++}" : ""));
                        Assert.Equal(PutObjectStatus.Committed, put.Status);
                        ExpectNullVersionReplaced(versions, suspended, put.Replaced, dropped);
                        versions.Insert(0, put.Stored!);
                    }
                    else if (kind < 13)
                    {
                        var delete = f.Store.DeleteObject(bucket, k);
                        ExpectNullVersionReplaced(versions, suspended, delete.Removed, dropped);
                        Assert.Equal(suspended ? "null" : delete.DeleteMarker!.VersionId, delete.DeleteMarker!.VersionId);
                        versions.Insert(0, delete.DeleteMarker);
                    }
                    else if (kind < 18)
                    {
                        var target = versions.Count == 0 ? null : versions[pick % versions.Count];
                        var delete = f.Store.DeleteObject(bucket, k, target?.VersionId ?? "missing");
                        Assert.Null(delete.DeleteMarker);
                        Assert.Equal(target?.Sequence, delete.Removed?.Sequence);
                        if (target is not null)
                        {
                            versions.Remove(target);
                            dropped.Add(target);
                        }
                    }
                    else
                    {
                        info = info with { Versioning = suspended ? VersioningState.Enabled : VersioningState.Suspended };
                        Assert.True(f.Store.UpdateBucket(info));
                    }
                }

                // IsLatest is defined by the latest pointer: check the model's newest agrees with it.
                foreach (var (k, versions) in model)
                {
                    Assert.Equal(versions.FirstOrDefault()?.Sequence, f.Store.GetObject(bucket, k, includeDeleteMarker: true)?.Sequence);
                }

                CheckSegmentReferences(f.Store, model.Values.SelectMany(v => v), dropped);
                var keysWithVersions = model.Where(p => p.Value.Count > 0).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                var total = model.Values.Sum(v => v.Count);
                foreach (var (prefix, delimiter, maxKeys, startKind, startKey, startPick) in queries)
                {
                    // Start: at the beginning, after a (possibly absent) key, or after one existing version.
                    string? keyMarker = startKind == 0 ? null : startKey;
                    string? versionIdMarker = null;
                    if (startKind == 2 && keysWithVersions.Count > 0)
                    {
                        keyMarker = keysWithVersions[startPick % keysWithVersions.Count];
                        versionIdMarker = model[keyMarker][startPick % model[keyMarker].Count].VersionId;
                    }

                    var expected = Model(model, prefix, delimiter, keyMarker, versionIdMarker);
                    var actual = Paginate(f.Store, bucket, new ListVersionsQuery(prefix, delimiter, keyMarker, versionIdMarker, maxKeys), total);
                    Assert.Equal(expected, actual);
                }
            },
            iter: 80);
    }

    [Fact]
    public void KeyMarkerAndVersionIdMarkerOnAKeyWithManyVersions()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        f.Store.PutObject("v", StoreFixture.Manifest("j"));
        var k = new List<ObjectManifest>();
        for (var i = 0; i < 10; i++)
        {
            // Newest first; a delete marker in the middle, generated and caller-given ids mixed.
            k.Insert(0, i == 4 ? f.Store.DeleteObject("v", "k").DeleteMarker! : f.Store.PutObject("v", StoreFixture.Manifest("k", versionId: i % 3 == 0 ? $"mine-{i}" : "")).Stored!);
        }

        f.Store.PutObject("v", StoreFixture.Manifest("l"));

        var all = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, null, null, 100));
        Assert.Equal(["j", .. Enumerable.Repeat("k", 10), "l"], all.Versions.Select(v => v.Manifest.Key));
        Assert.Equal(k.Select(m => m.VersionId), all.Versions.Where(v => v.Manifest.Key == "k").Select(v => v.Manifest.VersionId));
        Assert.Equal([true, true, .. Enumerable.Repeat(false, 9), true], all.Versions.Select(v => v.IsLatest));
        Assert.True(all.Versions[6].Manifest.IsDeleteMarker);

        // Key marker alone: after every version of k.
        Assert.Equal(["l"], Keys(f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "k", null, 100))));

        // A version in the middle (generated id, caller id, delete marker): the older versions of k, then l.
        foreach (var at in new[] { 3, 4, 5, 0 })
        {
            var page = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "k", k[at].VersionId, 100));
            Assert.Equal(k.Skip(at + 1).Select(m => m.VersionId).Append(all.Versions[^1].Manifest.VersionId), page.Versions.Select(v => v.Manifest.VersionId));
            Assert.All(page.Versions.SkipLast(1), v => Assert.False(v.IsLatest));
            Assert.True(page.Versions[^1].IsLatest);
        }

        // The last (oldest) version of k: straight on to l.
        Assert.Equal(["l"], Keys(f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "k", k[^1].VersionId, 100))));

        // Pages of 3 end inside k and resume exactly there.
        var first = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, null, null, 3));
        Assert.True(first.IsTruncated);
        Assert.Equal("k", first.NextKeyMarker);
        Assert.Equal(k[1].VersionId, first.NextVersionIdMarker);
        var second = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, first.NextKeyMarker, first.NextVersionIdMarker, 3));
        Assert.Equal(k.Skip(2).Take(3).Select(m => m.VersionId), second.Versions.Select(v => v.Manifest.VersionId));

        // A page that ends exactly on the last entry is not truncated.
        var exact = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "k", k[^1].VersionId, 1));
        Assert.False(exact.IsTruncated);
        Assert.Null(exact.NextKeyMarker);
        Assert.Null(exact.NextVersionIdMarker);
    }

    [Fact]
    public void InvalidMarkersAreRejectedAndUnknownVersionMarkersResumeAfterTheKey()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        var a = f.Store.PutObject("v", StoreFixture.Manifest("a")).Stored!;
        f.Store.PutObject("v", StoreFixture.Manifest("b"));

        var without = Assert.Throws<ArgumentException>(() => f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, null, a.VersionId, 10)));
        Assert.Contains("requires a key marker", without.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "a\0", null, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, null, null, -1)));

        // A version marker that is not a version of the key marker (never was, another key's, "null" where there is
        // none, or deleted since the previous page): the listing goes on after the key marker, as S3's does.
        foreach (var (marker, version) in new[] { ("a", "v00000000000000ff"), ("b", a.VersionId), ("a", "null") })
        {
            var page = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, marker, version, 10));
            Assert.All(page.Versions, v => Assert.True(string.CompareOrdinal(v.Manifest.Key, marker) > 0));
        }

        f.Store.DeleteObject("v", "a", a.VersionId);
        Assert.Equal(["b"], f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "a", a.VersionId, 10)).Versions.Select(v => v.Manifest.Key));

        // Empty markers count as absent; a prefix with U+0000 matches nothing.
        Assert.Single(f.Store.ListObjectVersions("v", new ListVersionsQuery("", "", "", "", 10)).Versions);
        Assert.Empty(f.Store.ListObjectVersions("v", new ListVersionsQuery("b\0", null, null, null, 10)).Versions);
        var zero = f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, null, null, 0));
        Assert.Empty(zero.Versions);
        Assert.False(zero.IsTruncated);
    }

    [Fact]
    public void ACallerIdShapedLikeAGeneratedOneIsFoundByScanning()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);

        // "v" + 16 hex digits names sequence 2, which is the newer version's (id "other"): the lookup must fall back to a scan.
        var shaped = f.Store.PutObject("v", StoreFixture.Manifest("k", versionId: "v0000000000000002")).Stored!;
        var newer = f.Store.PutObject("v", StoreFixture.Manifest("k", versionId: "other")).Stored!;
        Assert.Equal(2UL, newer.Sequence);
        f.Store.PutObject("v", StoreFixture.Manifest("z"));
        Assert.Equal(shaped.Sequence, f.Store.GetObject("v", "k", "v0000000000000002")!.Sequence);
        Assert.Equal(["z"], Keys(f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "k", "v0000000000000002", 10))));
        Assert.Equal([shaped.VersionId, "z"], f.Store.ListObjectVersions("v", new ListVersionsQuery("", null, "k", newer.VersionId, 10)).Versions.Select(v => v.Manifest.Key == "z" ? "z" : v.Manifest.VersionId));
    }

    [Fact]
    public void CommonPrefixesAreCountedOnceAndSkippedWhenResuming()
    {
        using var f = new StoreFixture();
        f.CreateBucket("v", VersioningState.Enabled);
        foreach (var key in new[] { "a/1", "a/1", "a/2", "b", "b", "c/x/1" })
        {
            f.Store.PutObject("v", StoreFixture.Manifest(key));
        }

        f.Store.DeleteObject("v", "a/2");

        var page1 = f.Store.ListObjectVersions("v", new ListVersionsQuery("", "/", null, null, 1));
        Assert.Equal(["a/"], page1.CommonPrefixes);
        Assert.Empty(page1.Versions);
        Assert.True(page1.IsTruncated);
        Assert.Equal("a/", page1.NextKeyMarker);
        Assert.Null(page1.NextVersionIdMarker);

        var page2 = f.Store.ListObjectVersions("v", new ListVersionsQuery("", "/", page1.NextKeyMarker, page1.NextVersionIdMarker, 3));
        Assert.Equal(["b", "b"], Keys(page2));
        Assert.Equal(["c/"], page2.CommonPrefixes);
        Assert.False(page2.IsTruncated);

        // A key marker inside a common prefix skips the whole prefix; one before it does not.
        Assert.Equal(["b", "b"], Keys(f.Store.ListObjectVersions("v", new ListVersionsQuery("", "/", "a/1", null, 10))));
        Assert.Equal(["a/"], f.Store.ListObjectVersions("v", new ListVersionsQuery("", "/", "a", null, 10)).CommonPrefixes.Take(1));

        // Inside the prefix, the delete marker of a/2 is listed as its latest version.
        var inA = f.Store.ListObjectVersions("v", new ListVersionsQuery("a/", "/", null, null, 10));
        Assert.Equal(["a/1", "a/1", "a/2", "a/2"], Keys(inA));
        Assert.Equal([true, false, true, false], inA.Versions.Select(v => v.IsLatest));
        Assert.Equal([false, false, true, false], inA.Versions.Select(v => v.Manifest.IsDeleteMarker));
    }

    [Fact]
    public void NullVersionsOfASuspendedBucketCanBeMarkers()
    {
        using var f = new StoreFixture();
        var bucket = f.CreateBucket("s", VersioningState.Enabled);
        var old = f.Store.PutObject("s", StoreFixture.Manifest("k")).Stored!;
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Suspended });
        f.Store.PutObject("s", StoreFixture.Manifest("k"));
        f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Enabled });
        var newest = f.Store.PutObject("s", StoreFixture.Manifest("k")).Stored!;

        var all = f.Store.ListObjectVersions("s", new ListVersionsQuery("", null, null, null, 10));
        Assert.Equal([newest.VersionId, "null", old.VersionId], all.Versions.Select(v => v.Manifest.VersionId));
        var after = f.Store.ListObjectVersions("s", new ListVersionsQuery("", null, "k", "null", 10));
        Assert.Equal([old.VersionId], after.Versions.Select(v => v.Manifest.VersionId));
        Assert.False(after.Versions[0].IsLatest);
    }

    [Fact]
    public void AnotherBucketsVersionsNeverShow()
    {
        using var f = new StoreFixture();
        f.CreateBucket("a", VersioningState.Enabled);
        f.CreateBucket("ab", VersioningState.Enabled);
        f.Store.PutObject("ab", StoreFixture.Manifest("k"));
        f.Store.PutObject("a", StoreFixture.Manifest("x"));
        Assert.Equal(["x"], Keys(f.Store.ListObjectVersions("a", new ListVersionsQuery("", null, null, null, 10))));
        Assert.Empty(f.Store.ListObjectVersions("missing", new ListVersionsQuery("", null, null, null, 10)).Versions);
    }

    private static List<string> Keys(VersionListing listing) => [.. listing.Versions.Select(v => v.Manifest.Key)];

    /// <summary>In a suspended bucket a write drops the key's null version (if any); in an enabled one nothing.</summary>
    private static void ExpectNullVersionReplaced(List<ObjectManifest> versions, bool suspended, ObjectManifest? replaced, List<ObjectManifest> dropped)
    {
        var nullVersion = suspended ? versions.Find(v => v.VersionId == "null") : null;
        Assert.Equal(nullVersion?.Sequence, replaced?.Sequence);
        if (nullVersion is not null)
        {
            versions.Remove(nullVersion);
            dropped.Add(nullVersion);
        }
    }

    /// <summary>Stored versions reference their segments, dropped ones do not, and nothing queued as garbage is referenced.</summary>
    private static void CheckSegmentReferences(RocksDbIndexStore store, IEnumerable<ObjectManifest> live, IEnumerable<ObjectManifest> dropped)
    {
        Assert.All(live.SelectMany(v => v.Segments), s => Assert.True(store.IsSegmentReferenced(s.Segment)));
        Assert.All(dropped.SelectMany(v => v.Segments), s => Assert.False(store.IsSegmentReferenced(s.Segment)));
        Assert.All(store.PeekGarbage(DateTimeOffset.MaxValue, 100_000), g => Assert.False(store.IsSegmentReferenced(g.Segment.Segment)));
    }

    /// <summary>Follows the next markers to the end, checking each page's shape; returns the entries in listing order.</summary>
    private static List<Entry> Paginate(RocksDbIndexStore store, string bucket, ListVersionsQuery query, int bound)
    {
        var all = new List<Entry>();
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages <= bound, "pagination does not terminate");
            var page = store.ListObjectVersions(bucket, query);
            Assert.True(page.Versions.Select(v => v.Manifest.Key).Zip(page.Versions.Skip(1).Select(v => v.Manifest.Key)).All(p => Utf8Order.Instance.Compare(p.First, p.Second) <= 0));
            Assert.True(page.CommonPrefixes.Zip(page.CommonPrefixes.Skip(1)).All(p => Utf8Order.Instance.Compare(p.First, p.Second) < 0));

            // Interleave the two lists by key (stable, so each key's versions stay newest first).
            var entries = page.Versions.Select(v => new Entry(v.Manifest.Key, v.Manifest.VersionId, v.Manifest.IsDeleteMarker, v.IsLatest))
                .Concat(page.CommonPrefixes.Select(p => new Entry(p, null, false, false)))
                .OrderBy(e => e.Key, Utf8Order.Instance)
                .ToList();
            Assert.True(entries.Count <= query.MaxKeys);
            all.AddRange(entries);
            if (!page.IsTruncated)
            {
                Assert.Null(page.NextKeyMarker);
                Assert.Null(page.NextVersionIdMarker);
                return all;
            }

            Assert.Equal(query.MaxKeys, entries.Count);
            Assert.Equal(entries[^1].Key, page.NextKeyMarker);
            Assert.Equal(entries[^1].VersionId, page.NextVersionIdMarker);
            query = query with { KeyMarker = page.NextKeyMarker, VersionIdMarker = page.NextVersionIdMarker };
        }
    }

    /// <summary>
    /// S3 ListObjectVersions from the definition: every version of the matching keys (newest first) or their
    /// distinct roll-ups, in UTF-8 order; then only the entries after the marker position.
    /// </summary>
    private static List<Entry> Model(Dictionary<string, List<ObjectManifest>> model, string prefix, string? delimiter, string? keyMarker, string? versionIdMarker)
    {
        var entries = new List<(string SortKey, int Rank, Entry Entry)>();
        var rolledUp = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, versions) in model)
        {
            if (versions.Count == 0 || !key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var at = delimiter is null ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (at >= 0)
            {
                var common = key[..(at + delimiter!.Length)];
                if (rolledUp.Add(common))
                {
                    entries.Add((common, -1, new Entry(common, null, false, false)));
                }

                continue;
            }

            entries.AddRange(versions.Select((v, i) => (key, i, new Entry(key, v.VersionId, v.IsDeleteMarker, i == 0))));
        }

        var markerRank = versionIdMarker is null ? int.MaxValue : model[keyMarker!].FindIndex(v => v.VersionId == versionIdMarker);
        return [.. entries
            .Where(e => keyMarker is null
                || Utf8Order.Instance.Compare(e.SortKey, keyMarker) > 0
                || (e.SortKey == keyMarker && e.Rank > markerRank))
            .OrderBy(e => e.SortKey, Utf8Order.Instance)
            .ThenBy(e => e.Rank)
            .Select(e => e.Entry)];
    }

    /// <summary>A listing entry: a version or delete marker, or (no version id) a common prefix.</summary>
    private readonly record struct Entry(string Key, string? VersionId, bool IsDeleteMarker, bool IsLatest);
}
