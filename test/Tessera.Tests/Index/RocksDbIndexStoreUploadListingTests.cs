using System.Text;
using CsCheck;
using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreUploadListingTests
{
    private static readonly string[] Alphabet = ["a", "/", "😀"];

    [Fact]
    public void ListingMatchesAReferenceModel()
    {
        using var f = new StoreFixture();
        var bucketNumber = 0;
        var atom = Gen.OneOf(Alphabet);
        var key = atom.Array[1, 3].Select(a => string.Concat(a));

        // Operations: create an upload of a key, abort or complete one of the open ones.
        var operation = Gen.Select(Gen.Int[0, 9], key, Gen.Int[0, 1000]);
        var query = Gen.Select(
            atom.Array[0, 2].Select(a => string.Concat(a)),
            Gen.OneOf<string?>(null, "", "/", "a", "/a", "😀"),
            Gen.Int[1, 7],
            Gen.Int[0, 4],
            key,
            Gen.Int[0, 1000]);
        Gen.Select(operation.Array[0, 40], query.Array[1, 4]).Sample(
            sample =>
            {
                var (operations, queries) = sample;
                var bucket = $"bucket{bucketNumber++}";
                f.CreateBucket(bucket);
                var open = new List<MultipartUpload>();
                var gone = new List<MultipartUpload>();
                foreach (var (kind, k, pick) in operations)
                {
                    if (kind < 7 || open.Count == 0)
                    {
                        var upload = Multipart.Upload(f, bucket, k);
                        Assert.True(f.Store.CreateUpload(upload));
                        open.Add(upload);
                    }
                    else
                    {
                        var target = open[pick % open.Count];
                        if (kind == 7)
                        {
                            Assert.Equal(AbortResult.Aborted, f.Store.AbortUpload(bucket, target.Key, target.UploadId));
                        }
                        else
                        {
                            var part = Multipart.Part(1);
                            f.Store.PutPart(bucket, target.Key, target.UploadId, part);
                            Assert.Equal(CompleteStatus.Completed, f.Store.CompleteUpload(bucket, target.Key, target.UploadId, [1], Multipart.Assemble(target, [part])).Status);
                        }

                        open.Remove(target);
                        gone.Add(target);
                    }
                }

                foreach (var (prefix, delimiter, maxUploads, startKind, startKey, startPick) in queries)
                {
                    // Start: at the beginning; after a (possibly absent) key; after an open upload; after a gone upload
                    // of the marker key or an id that never existed (S3's rule: ids after it); an id without a key.
                    string? keyMarker = startKind == 0 ? null : startKey;
                    string? uploadIdMarker = null;
                    if (startKind == 2 && open.Count > 0)
                    {
                        var at = open[startPick % open.Count];
                        (keyMarker, uploadIdMarker) = (at.Key, at.UploadId);
                    }
                    else if (startKind == 3)
                    {
                        var at = gone.Count > 0 && startPick % 3 != 0 ? gone[startPick % gone.Count] : null;
                        (keyMarker, uploadIdMarker) = at is null ? (startKey, Guid.NewGuid().ToString("N")) : (at.Key, at.UploadId);
                    }
                    else if (startKind == 4)
                    {
                        (keyMarker, uploadIdMarker) = (null, open.Count > 0 ? open[startPick % open.Count].UploadId : "x");
                    }

                    AssertPages(f.Store, bucket, new ListUploadsQuery(prefix, delimiter, keyMarker, uploadIdMarker, maxUploads), open);
                }
            },
            iter: 80);
    }

    [Fact]
    public void UploadsOfAKeyAreListedInInitiationOrderAndMarkersResumeInsideAKey()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");

        // Ids sort against initiation order, so id order and listing order disagree.
        var k = new[] { "f", "d", "e", "a", "c", "b" }.Select(id => Multipart.Upload(f, "b", "k", id + new string('0', 31))).ToList();
        var j = Multipart.Upload(f, "b", "j");
        var l = Multipart.Upload(f, "b", "l");
        Assert.True(f.Store.CreateUpload(l));
        foreach (var upload in k)
        {
            Assert.True(f.Store.CreateUpload(upload));
            f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(f.Store.CreateUpload(j));

        var all = f.Store.ListUploads("b", new ListUploadsQuery("", null, null, null, 100));
        Assert.Equal([j.UploadId, .. k.Select(u => u.UploadId), l.UploadId], all.Uploads.Select(u => u.UploadId));
        Assert.False(all.IsTruncated);
        Assert.Null(all.NextKeyMarker);

        // Key marker alone: after every upload of k; with an upload id: after that one.
        Assert.Equal([l.UploadId], Ids(f.Store.ListUploads("b", new ListUploadsQuery("", null, "k", null, 100))));
        Assert.Equal([.. k.Skip(3).Select(u => u.UploadId), l.UploadId], Ids(f.Store.ListUploads("b", new ListUploadsQuery("", null, "k", k[2].UploadId, 100))));
        Assert.Equal([l.UploadId], Ids(f.Store.ListUploads("b", new ListUploadsQuery("", null, "k", k[^1].UploadId, 100))));

        // Pages of 2 end inside k and resume exactly there.
        var first = f.Store.ListUploads("b", new ListUploadsQuery("", null, null, null, 2));
        Assert.True(first.IsTruncated);
        Assert.Equal(("k", k[0].UploadId), (first.NextKeyMarker, first.NextUploadIdMarker));
        var second = f.Store.ListUploads("b", new ListUploadsQuery("", null, first.NextKeyMarker, first.NextUploadIdMarker, 2));
        Assert.Equal([k[1].UploadId, k[2].UploadId], Ids(second));

        // The marker upload (id e0..0) completed between pages: the key's uploads with a greater id (f0..0) follow, as
        // S3 documents for an upload-id marker.
        var part = Multipart.Part(1);
        f.Store.PutPart("b", "k", k[2].UploadId, part);
        Assert.Equal(CompleteStatus.Completed, f.Store.CompleteUpload("b", "k", k[2].UploadId, [1], Multipart.Assemble(k[2], [part])).Status);
        Assert.Equal(
            [k[0].UploadId, l.UploadId],
            Ids(f.Store.ListUploads("b", new ListUploadsQuery("", null, "k", k[2].UploadId, 100))));

        // An upload-id marker without a key marker is ignored; an id of another key counts as unknown.
        Assert.Equal(all.Uploads.Count - 1, f.Store.ListUploads("b", new ListUploadsQuery("", null, null, j.UploadId, 100)).Uploads.Count);
        Assert.Equal(
            k.Where(u => u != k[2] && string.CompareOrdinal(u.UploadId, j.UploadId) > 0).Select(u => u.UploadId).Append(l.UploadId),
            Ids(f.Store.ListUploads("b", new ListUploadsQuery("", null, "k", j.UploadId, 100))));

        // A page that ends exactly on the last entry is not truncated; MaxUploads 0 is an empty page.
        var exact = f.Store.ListUploads("b", new ListUploadsQuery("", null, "k", k[^1].UploadId, 1));
        Assert.False(exact.IsTruncated);
        Assert.Null(exact.NextUploadIdMarker);
        var zero = f.Store.ListUploads("b", new ListUploadsQuery("", null, null, null, 0));
        Assert.Empty(zero.Uploads);
        Assert.False(zero.IsTruncated);
        Assert.Throws<ArgumentException>(() => f.Store.ListUploads("b", new ListUploadsQuery("", null, "a\0", null, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.ListUploads("b", new ListUploadsQuery("", null, null, null, -1)));
        Assert.Empty(f.Store.ListUploads("b", new ListUploadsQuery("k\0", null, null, null, 10)).Uploads);
        Assert.Empty(f.Store.ListUploads("missing", new ListUploadsQuery("", null, null, null, 10)).Uploads);
    }

    [Fact]
    public void CommonPrefixesAreCountedOnceAndSkipped()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("c");
        foreach (var k in new[] { "a", "dir/x", "dir/y", "dir/y", "dir/sub/z", "e", "dir2/q" })
        {
            Assert.True(f.Store.CreateUpload(Multipart.Upload(f, "b", k)));
        }

        Assert.True(f.Store.CreateUpload(Multipart.Upload(f, "c", "dir/x")));

        var root = f.Store.ListUploads("b", new ListUploadsQuery("", "/", null, null, 100));
        Assert.Equal(["a", "e"], root.Uploads.Select(u => u.Key));
        Assert.Equal(["dir/", "dir2/"], root.CommonPrefixes);

        var page = f.Store.ListUploads("b", new ListUploadsQuery("", "/", null, null, 2));
        Assert.True(page.IsTruncated);
        Assert.Equal("dir/", page.NextKeyMarker);
        Assert.Null(page.NextUploadIdMarker);
        var next = f.Store.ListUploads("b", new ListUploadsQuery("", "/", page.NextKeyMarker, null, 2));
        Assert.Equal(["dir2/"], next.CommonPrefixes);
        Assert.Equal(["e"], next.Uploads.Select(u => u.Key));

        // A key marker inside a folder skips the folder.
        Assert.Equal(["dir2/"], f.Store.ListUploads("b", new ListUploadsQuery("", "/", "dir/sub/z", null, 100)).CommonPrefixes);
        var inside = f.Store.ListUploads("b", new ListUploadsQuery("dir/", "/", null, null, 100));
        Assert.Equal(["dir/x", "dir/y", "dir/y"], inside.Uploads.Select(u => u.Key));
        Assert.Equal(["dir/sub/"], inside.CommonPrefixes);
    }

    private static string[] Ids(UploadListing listing) => [.. listing.Uploads.Select(u => u.UploadId)];

    /// <summary>An entry: an upload (key, id) or a common prefix (prefix, null).</summary>
    private sealed record Entry(string Key, string? UploadId);

    /// <summary>S3's ListMultipartUploads, written directly from its definition over the open uploads (in creation order).</summary>
    private static List<Entry> Model(List<MultipartUpload> open, string prefix, string? delimiter, string? keyMarker, string? uploadIdMarker)
    {
        var delimit = string.IsNullOrEmpty(delimiter) ? null : delimiter;
        var marker = string.IsNullOrEmpty(keyMarker) ? null : keyMarker;
        var idMarker = marker is null || string.IsNullOrEmpty(uploadIdMarker) ? null : uploadIdMarker;
        var markerIndex = idMarker is null ? -1 : open.FindIndex(u => u.UploadId == idMarker && u.Key == marker);
        var entries = new List<Entry>();
        foreach (var (upload, index) in open.Select((u, i) => (u, i)).OrderBy(p => p.u.Key, Utf8Order.Instance).ThenBy(p => p.i))
        {
            if (!upload.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = upload.Key[prefix.Length..];
            var at = delimit is null ? -1 : rest.IndexOf(delimit, StringComparison.Ordinal);
            if (at >= 0)
            {
                var common = prefix + rest[..(at + delimit!.Length)];
                if (marker is null || Utf8Order.Instance.Compare(common, marker) > 0)
                {
                    if (entries.Count == 0 || entries[^1] != new Entry(common, null))
                    {
                        entries.Add(new Entry(common, null));
                    }
                }

                continue;
            }

            var order = marker is null ? 1 : Utf8Order.Instance.Compare(upload.Key, marker);
            var after = order > 0
                || (order == 0 && idMarker is not null && (markerIndex >= 0
                    ? index > markerIndex
                    : Encoding.UTF8.GetBytes(upload.UploadId).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(idMarker)) > 0));
            if (after)
            {
                entries.Add(new Entry(upload.Key, upload.UploadId));
            }
        }

        return entries;
    }

    /// <summary>
    /// Follows the pages of a listing and checks each one against the model from that page's own markers. Pages
    /// compose like that and not like one listing cut in pieces: after an upload-id marker that is gone, the first
    /// page takes the marker key's uploads with a greater id, and the next page, whose marker is an open upload,
    /// resumes after it in initiation order, which may include uploads of that key with smaller ids.
    /// </summary>
    private static void AssertPages(RocksDbIndexStore store, string bucket, ListUploadsQuery query, List<MultipartUpload> open)
    {
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages <= open.Count + 1, "pagination does not terminate");
            var expected = Model(open, query.Prefix, query.Delimiter, query.KeyMarker, query.UploadIdMarker);
            var page = store.ListUploads(bucket, query);

            // Interleave the two lists by key (stable, so each key's uploads stay in initiation order).
            var entries = page.Uploads.Select(u => new Entry(u.Key, u.UploadId))
                .Concat(page.CommonPrefixes.Select(p => new Entry(p, null)))
                .OrderBy(e => e.Key, Utf8Order.Instance)
                .ToList();
            Assert.Equal(expected.Take(query.MaxUploads), entries);
            Assert.Equal(expected.Count > query.MaxUploads, page.IsTruncated);
            if (!page.IsTruncated)
            {
                Assert.Null(page.NextKeyMarker);
                Assert.Null(page.NextUploadIdMarker);
                return;
            }

            Assert.Equal(entries[^1].Key, page.NextKeyMarker);
            Assert.Equal(entries[^1].UploadId, page.NextUploadIdMarker);
            query = query with { KeyMarker = page.NextKeyMarker, UploadIdMarker = page.NextUploadIdMarker };
        }
    }
}
