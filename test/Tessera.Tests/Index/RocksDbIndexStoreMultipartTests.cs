using System.Diagnostics;
using CsCheck;
using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class RocksDbIndexStoreMultipartTests
{
    private static readonly DateTimeOffset Far = DateTimeOffset.MaxValue;

    [Fact]
    public void CreateAndGetAnUpload()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var upload = Multipart.Upload(f, "b", "dir/k😀");
        Assert.False(f.Store.CreateUpload(upload with { Bucket = "missing" }));
        Assert.True(f.Store.CreateUpload(upload));

        var read = f.Store.GetUpload("b", "dir/k😀", upload.UploadId)!;
        Assert.True(IndexGen.Same(upload, read));

        // Found only under its own bucket and key; ids that cannot exist are simply not found.
        Assert.Null(f.Store.GetUpload("b", "other", upload.UploadId));
        f.CreateBucket("c");
        Assert.Null(f.Store.GetUpload("c", "dir/k😀", upload.UploadId));
        Assert.Null(f.Store.GetUpload("b", "dir/k😀", Guid.NewGuid().ToString("N")));
        Assert.Null(f.Store.GetUpload("b", "dir/k😀", ""));
        Assert.Null(f.Store.GetUpload("b", "dir/k😀", "a\0b"));

        // Caller bugs: a reused id, an id that cannot be stored, a template that does not fit.
        Assert.Throws<ArgumentException>(() => f.Store.CreateUpload(upload with { Key = "elsewhere", Template = upload.Template with { Key = "elsewhere" } }));
        Assert.Throws<ArgumentException>(() => f.Store.CreateUpload(Multipart.Upload(f, "b", "k", "")));
        Assert.Throws<ArgumentException>(() => f.Store.CreateUpload(Multipart.Upload(f, "b", "k", "x\0y")));
        Assert.Throws<ArgumentException>(() => f.Store.CreateUpload(Multipart.Upload(f, "b", "k") with { Key = "k2" }));
        Assert.Throws<ArgumentException>(() => f.Store.CreateUpload(Multipart.Upload(f, "b", "k") with { Template = StoreFixture.Manifest("k") }));
        Assert.Single(f.Store.ListUploads("b", new ListUploadsQuery("", null, null, null, 100)).Uploads);
    }

    [Fact]
    public void PartsAreStoredReplacedAndReferenced()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var (upload, parts) = Multipart.Start(f, "b", "k", 3, 1, 2);
        foreach (var (number, part) in parts)
        {
            var reference = f.Store.FindSegmentReference(part.Segment.Segment)!;
            Assert.True(reference.IsPart);
            Assert.Equal(("b", "k", upload.UploadId, number), (reference.Bucket, reference.Key, reference.UploadId, reference.PartNumber));
            Assert.True(f.Store.IsSegmentReferenced(part.Segment.Segment));
        }

        var listing = f.Store.ListParts("b", "k", upload.UploadId, 0, 1000)!;
        Assert.Equal([1, 2, 3], listing.Parts.Select(p => p.PartNumber));
        Assert.All(listing.Parts, p => Assert.True(IndexGen.Same(parts[p.PartNumber], p)));
        Assert.True(IndexGen.Same(upload, listing.Upload));
        Assert.Empty(f.Store.PeekGarbage(Far, 100));

        // Re-uploading part 2 replaces it: the old segment is garbage and no longer referenced, the new one is.
        var again = Multipart.Part(2, size: 9);
        var put = f.Store.PutPart("b", "k", upload.UploadId, again);
        Assert.Equal(PutPartStatus.Stored, put.Status);
        Assert.True(IndexGen.Same(parts[2], put.Replaced!));
        Assert.False(f.Store.IsSegmentReferenced(parts[2].Segment.Segment));
        Assert.True(f.Store.IsSegmentReferenced(again.Segment.Segment));
        Assert.Equal([parts[2].Segment.Segment], f.Store.PeekGarbage(Far, 100).Select(g => g.Segment.Segment));
        Assert.Equal(9, f.Store.ListParts("b", "k", upload.UploadId, 1, 1)!.Parts.Single().Segment.Size);
        Assert.Null(f.Store.PutPart("b", "k", upload.UploadId, Multipart.Part(4)).Replaced);

        // A segment that a part or a version already holds is refused (storing it twice would collect it while listed).
        Assert.Throws<ArgumentException>(() => f.Store.PutPart("b", "k", upload.UploadId, again));
        Assert.Throws<ArgumentException>(() => f.Store.PutPart("b", "k", upload.UploadId, again with { PartNumber = 5, Segment = again.Segment with { PartNumber = 5 } }));
        var version = f.Store.PutObject("b", StoreFixture.Manifest("v")).Stored!;
        Assert.Throws<ArgumentException>(() => f.Store.PutPart("b", "k", upload.UploadId, new UploadPart(6, version.Segments[0] with { PartNumber = 6 }, f.Time.GetUtcNow())));
        Assert.Throws<ArgumentException>(() => f.Store.PutObject("b", StoreFixture.Manifest("w") with { Segments = [again.Segment] }));

        // Part numbers 1..10000, and the segment must carry the part's number.
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.PutPart("b", "k", upload.UploadId, Multipart.Part(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Store.PutPart("b", "k", upload.UploadId, Multipart.Part(10001)));
        Assert.Throws<ArgumentException>(() => f.Store.PutPart("b", "k", upload.UploadId, Multipart.Part(7) with { PartNumber = 8 }));

        // Unknown uploads, or known ones under another key.
        Assert.Equal(PutPartStatus.NoSuchUpload, f.Store.PutPart("b", "k", Guid.NewGuid().ToString("N"), Multipart.Part(1)).Status);
        Assert.Equal(PutPartStatus.NoSuchUpload, f.Store.PutPart("b", "other", upload.UploadId, Multipart.Part(1)).Status);
        Assert.Equal(PutPartStatus.NoSuchUpload, f.Store.PutPart("b", "k", "", Multipart.Part(1)).Status);
        Assert.Null(f.Store.ListParts("b", "other", upload.UploadId, 0, 10));
        Assert.Null(f.Store.ListParts("b", "k", "nope", 0, 10));
        Assert.Equal(4, f.Store.ListParts("b", "k", upload.UploadId, 0, 10)!.Parts.Count);
    }

    [Fact]
    public void TenThousandPartsPaginate()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var upload = Multipart.Upload(f, "b", "big");
        Assert.True(f.Store.CreateUpload(upload));
        var clock = Stopwatch.StartNew();
        var parts = new List<UploadPart>(RocksDbIndexStore.MaxPartNumber);
        for (var number = RocksDbIndexStore.MaxPartNumber; number >= 1; number--)
        {
            var part = Multipart.Part(number);
            Assert.Equal(PutPartStatus.Stored, f.Store.PutPart("b", "big", upload.UploadId, part).Status);
            parts.Add(part);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"10,000 synced PutPart calls: {clock.Elapsed}");
        parts.Reverse();

        // Pages of 1000 (S3's maximum), and of odd sizes, from random markers.
        Assert.Equal(parts.Select(p => p.Segment.Segment), ListAllParts(f.Store, upload, 0, 1000).Select(p => p.Segment.Segment));
        Gen.Select(Gen.Int[0, 10001], Gen.Int[1, 3000]).Sample(
            (marker, max) =>
            {
                var page = f.Store.ListParts("b", "big", upload.UploadId, marker, max)!;
                var expected = Enumerable.Range(marker + 1, Math.Max(0, Math.Min(max, 10000 - marker))).ToList();
                Assert.Equal(expected, page.Parts.Select(p => p.PartNumber));
                Assert.Equal(marker + max < 10000, page.IsTruncated);
                Assert.Equal(expected.Count == 0 ? marker : expected[^1], page.NextPartNumberMarker);
            },
            iter: 40);
        var empty = f.Store.ListParts("b", "big", upload.UploadId, 5, 0)!;
        Assert.Empty(empty.Parts);
        Assert.False(empty.IsTruncated);

        // Completing with every part moves 10,000 references to the version in one batch.
        var use = Enumerable.Range(1, 10000).ToArray();
        var done = f.Store.CompleteUpload("b", "big", upload.UploadId, use, Multipart.Assemble(upload, parts));
        Assert.Equal(CompleteStatus.Completed, done.Status);
        Assert.All(parts, p => Assert.Equal(new SegmentReference("b", "big", done.Stored!.Sequence), f.Store.FindSegmentReference(p.Segment.Segment)));
        Assert.Equal(10000, f.Store.GetObject("b", "big")!.Segments.Count);
        Assert.Empty(f.Store.PeekGarbage(Far, 10));
    }

    [Fact]
    public void ListPartsMatchesAModel()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var gen = Gen.Select(Gen.Int[1, 40].Array[0, 30], Gen.Select(Gen.Int[0, 45], Gen.Int[0, 12]).Array[1, 5]);
        gen.Sample(
            (numbers, queries) =>
            {
                var upload = Multipart.Upload(f, "b", "k");
                Assert.True(f.Store.CreateUpload(upload));
                var model = new SortedDictionary<int, Guid>();
                foreach (var number in numbers)
                {
                    var part = Multipart.Part(number);
                    var put = f.Store.PutPart("b", "k", upload.UploadId, part);
                    Assert.Equal(model.TryGetValue(number, out var old) ? (Guid?)old : null, put.Replaced?.Segment.Segment);
                    model[number] = part.Segment.Segment;
                }

                foreach (var (marker, max) in queries)
                {
                    var expected = model.Where(p => p.Key > marker).ToList();
                    var page = f.Store.ListParts("b", "k", upload.UploadId, marker, max)!;
                    Assert.Equal(expected.Take(max).Select(p => p.Value), page.Parts.Select(p => p.Segment.Segment));
                    Assert.Equal(max > 0 && expected.Count > max, page.IsTruncated);
                    if (max > 0)
                    {
                        Assert.Equal(expected.Select(p => p.Value), ListAllParts(f.Store, upload, marker, max).Select(p => p.Segment.Segment));
                    }
                }

                Assert.Equal(AbortResult.Aborted, f.Store.AbortUpload("b", "k", upload.UploadId));
            },
            iter: 60);
    }

    [Fact]
    public void CompletingWithASubsetKeepsTheListedPartsAndCollectsTheRest()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var (upload, parts) = Multipart.Start(f, "b", "k", 1, 2, 3, 4, 5, 6);
        var replacedTwo = parts[2];
        parts[2] = Multipart.Part(2);
        f.Store.PutPart("b", "k", upload.UploadId, parts[2]);

        var result = Multipart.Complete(f, upload, parts, [1, 3, 4]);
        Assert.Equal(CompleteStatus.Completed, result.Status);
        Assert.Null(result.Replaced);
        var stored = result.Stored!;
        Assert.Equal("null", stored.VersionId);
        Assert.Equal([parts[1].Segment.Segment, parts[3].Segment.Segment, parts[4].Segment.Segment], stored.Segments.Select(s => s.Segment));
        Assert.Equal([1, 3, 4], stored.Segments.Select(s => s.PartNumber));
        Assert.True(IndexGen.Same(stored, f.Store.GetObject("b", "k")!));
        Assert.Equal("text/plain", stored.ContentType);
        Assert.Equal("md5ofmd5s-3", stored.ETag);

        // Listed parts now belong to the version; the others (and the replaced part 2) are garbage, unreferenced.
        foreach (var number in new[] { 1, 3, 4 })
        {
            Assert.Equal(new SegmentReference("b", "k", stored.Sequence), f.Store.FindSegmentReference(parts[number].Segment.Segment));
        }

        var garbage = f.Store.PeekGarbage(Far, 100);
        Assert.Equal(new[] { replacedTwo, parts[2], parts[5], parts[6] }.Select(p => p.Segment.Segment).Order(), garbage.Select(g => g.Segment.Segment).Order());
        Assert.All(garbage, g => Assert.False(f.Store.IsSegmentReferenced(g.Segment.Segment)));

        // The upload is gone, with every record of it.
        Assert.Null(f.Store.GetUpload("b", "k", upload.UploadId));
        Assert.Null(f.Store.ListParts("b", "k", upload.UploadId, 0, 100));
        Assert.Empty(f.Store.ListUploads("b", new ListUploadsQuery("", null, null, null, 100)).Uploads);
        Assert.Equal(PutPartStatus.NoSuchUpload, f.Store.PutPart("b", "k", upload.UploadId, Multipart.Part(7)).Status);
        Assert.Equal(CompleteStatus.NoSuchUpload, Multipart.Complete(f, upload, parts, [1]).Status);
        f.Store.Dispose();
        Assert.Equal(0, RawIndex.DeleteWithPrefix(f.Path, [0x08, (byte)'U']));
        Assert.Equal(0, RawIndex.DeleteWithPrefix(f.Path, [0x09, (byte)'P']));
        Assert.Equal(0, RawIndex.DeleteWithPrefix(f.Path, [0x0A, (byte)'I']));
        f.Reopen();
    }

    [Fact]
    public void AStaleOrMissingPartIsInvalidAndNothingIsWritten()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var (upload, parts) = Multipart.Start(f, "b", "k", 1, 2, 3);
        var (other, otherParts) = Multipart.Start(f, "b", "k", 1);

        // Part 2 replaced after the gateway read it.
        var stale = parts[2];
        f.Store.PutPart("b", "k", upload.UploadId, Multipart.Part(2));
        var result = Multipart.Complete(f, upload, parts, [1, 2]);
        Assert.Equal(CompleteStatus.InvalidPart, result.Status);
        Assert.Equal(2, result.InvalidPartNumber);
        Assert.Null(result.Stored);

        // A part that does not exist, and another upload's part in place of this one's.
        Assert.Equal(4, f.Store.CompleteUpload("b", "k", upload.UploadId, [1, 4], Multipart.Assemble(upload, [parts[1], Multipart.Part(4)])).InvalidPartNumber);
        Assert.Equal(CompleteStatus.InvalidPart, f.Store.CompleteUpload("b", "k", upload.UploadId, [1], Multipart.Assemble(upload, [otherParts[1]])).Status);

        Assert.Null(f.Store.GetObject("b", "k"));
        Assert.NotNull(f.Store.GetUpload("b", "k", upload.UploadId));
        Assert.Equal(3, f.Store.ListParts("b", "k", upload.UploadId, 0, 10)!.Parts.Count);
        Assert.True(f.Store.IsSegmentReferenced(parts[1].Segment.Segment));
        Assert.True(f.Store.IsSegmentReferenced(otherParts[1].Segment.Segment));
        Assert.Equal([stale.Segment.Segment], f.Store.PeekGarbage(Far, 10).Select(g => g.Segment.Segment));

        // Caller bugs: lists that do not match the manifest, unordered lists, a manifest for another key.
        Assert.Throws<ArgumentException>(() => f.Store.CompleteUpload("b", "k", upload.UploadId, [], Multipart.Assemble(upload, [])));
        Assert.Throws<ArgumentException>(() => f.Store.CompleteUpload("b", "k", upload.UploadId, [1, 3], Multipart.Assemble(upload, [parts[1]])));
        Assert.Throws<ArgumentException>(() => f.Store.CompleteUpload("b", "k", upload.UploadId, [3, 1], Multipart.Assemble(upload, [parts[3], parts[1]])));
        Assert.Throws<ArgumentException>(() => f.Store.CompleteUpload("b", "k", upload.UploadId, [1], Multipart.Assemble(upload, [parts[1]]) with { Key = "j" }));
        Assert.Null(f.Store.GetObject("b", "k"));
        Assert.Equal(CompleteStatus.Completed, f.Store.CompleteUpload("b", "k", other.UploadId, [1], Multipart.Assemble(other, [otherParts[1]])).Status);
    }

    [Fact]
    public void AbortReleasesEveryPartAndCompletingAnAbortedUploadFails()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var (upload, parts) = Multipart.Start(f, "b", "k", 1, 2, 5);
        Assert.Equal(AbortResult.NoSuchUpload, f.Store.AbortUpload("b", "other", upload.UploadId));
        Assert.Equal(AbortResult.NoSuchUpload, f.Store.AbortUpload("b", "k", ""));
        Assert.Equal(AbortResult.Aborted, f.Store.AbortUpload("b", "k", upload.UploadId));
        Assert.Equal(AbortResult.NoSuchUpload, f.Store.AbortUpload("b", "k", upload.UploadId));

        Assert.Equal(parts.Values.Select(p => p.Segment.Segment).Order(), f.Store.PeekGarbage(Far, 10).Select(g => g.Segment.Segment).Order());
        Assert.All(parts.Values, p => Assert.False(f.Store.IsSegmentReferenced(p.Segment.Segment)));
        Assert.Equal(CompleteStatus.NoSuchUpload, Multipart.Complete(f, upload, parts, [1, 2]).Status);
        Assert.Null(f.Store.GetObject("b", "k"));
        Assert.Null(f.Store.ListParts("b", "k", upload.UploadId, 0, 10));
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("b"));
    }

    [Fact]
    public async Task CompleteRacingAbortHasExactlyOneWinner()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        for (var round = 0; round < 24; round++)
        {
            var key = $"k{round}";
            var (upload, parts) = Multipart.Start(f, "b", key, 1, 2, 3);
            using var start = new Barrier(2);
            var complete = Task.Run(() =>
            {
                start.SignalAndWait();
                return Multipart.Complete(f, upload, parts, [1, 3]).Status;
            });
            var abort = Task.Run(() =>
            {
                start.SignalAndWait();
                return f.Store.AbortUpload("b", key, upload.UploadId);
            });
            var completeStatus = await complete;
            var abortStatus = await abort;

            var completed = completeStatus == CompleteStatus.Completed;
            Assert.True(completed ^ (abortStatus == AbortResult.Aborted), $"round {round}: {completeStatus} and {abortStatus}");
            Assert.Equal(completed ? AbortResult.NoSuchUpload : AbortResult.Aborted, abortStatus);
            Assert.Equal(completed ? CompleteStatus.Completed : CompleteStatus.NoSuchUpload, completeStatus);
            Assert.Equal(completed, f.Store.GetObject("b", key) is not null);
            Assert.Equal(completed, f.Store.IsSegmentReferenced(parts[1].Segment.Segment));
            Assert.Equal(completed, f.Store.IsSegmentReferenced(parts[3].Segment.Segment));
            Assert.False(f.Store.IsSegmentReferenced(parts[2].Segment.Segment));
            Assert.Null(f.Store.GetUpload("b", key, upload.UploadId));
        }

        Assert.All(f.Store.PeekGarbage(Far, 1000), g => Assert.False(f.Store.IsSegmentReferenced(g.Segment.Segment)));
    }

    [Fact]
    public void ConcurrentPartUploadsAndCompletionsOfOneKeyStayConsistent()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b", VersioningState.Enabled);
        var uploads = Enumerable.Range(0, 6).Select(_ => Multipart.Upload(f, "b", "k")).ToList();
        Assert.All(uploads, u => Assert.True(f.Store.CreateUpload(u)));
        var stored = new System.Collections.Concurrent.ConcurrentBag<(int Upload, UploadPart Part)>();
        Parallel.For(0, 120, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i =>
        {
            var part = Multipart.Part((i / 6 % 4) + 1);
            Assert.Equal(PutPartStatus.Stored, f.Store.PutPart("b", "k", uploads[i % 6].UploadId, part).Status);
            stored.Add((i % 6, part));
        });

        var results = uploads.AsParallel().Select(u =>
        {
            var listing = f.Store.ListParts("b", "k", u.UploadId, 0, 100)!;
            var use = listing.Parts.Select(p => p.PartNumber).ToArray();
            return f.Store.CompleteUpload("b", "k", u.UploadId, use, Multipart.Assemble(u, listing.Parts));
        }).ToList();
        Assert.All(results, r => Assert.Equal(CompleteStatus.Completed, r.Status));
        Assert.Equal(6, results.Select(r => r.Stored!.VersionId).Distinct().Count());

        // 120 parts: 24 kept by the six versions, 96 replaced on the way.
        var kept = results.SelectMany(r => r.Stored!.Segments).Select(s => s.Segment).ToHashSet();
        Assert.Equal(24, kept.Count);
        var garbage = f.Store.PeekGarbage(Far, 1000).Select(g => g.Segment.Segment).ToHashSet();
        Assert.Equal(stored.Select(s => s.Part.Segment.Segment).Where(s => !kept.Contains(s)).Order(), garbage.Order());
        Assert.All(kept, s => Assert.True(f.Store.IsSegmentReferenced(s)));
        Assert.Equal(6, f.Store.ListObjectVersions("b", new ListVersionsQuery("", null, null, null, 100)).Versions.Count);
    }

    [Fact]
    public void CompletionFollowsTheBucketsVersioning()
    {
        using var f = new StoreFixture();
        var bucket = f.CreateBucket("b");
        var previous = f.Store.PutObject("b", StoreFixture.Manifest("k")).Stored!;

        // Unversioned: the completion replaces the null version, whose segments become garbage.
        var (u1, p1) = Multipart.Start(f, "b", "k", 1, 2);
        var c1 = Multipart.Complete(f, u1, p1, [1, 2]);
        Assert.Equal(CompleteStatus.Completed, c1.Status);
        Assert.Equal("null", c1.Stored!.VersionId);
        Assert.Equal(previous.Sequence, c1.Replaced!.Sequence);
        Assert.False(f.Store.IsSegmentReferenced(previous.Segments[0].Segment));

        // Enabled: the gateway's version id is kept, and the null version stays as an older version.
        Assert.True(f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Enabled }));
        var u2 = Multipart.Upload(f, "b", "k", versionId: "0123456789abcdef0123456789abcdef");
        Assert.True(f.Store.CreateUpload(u2));
        var part = Multipart.Part(1);
        f.Store.PutPart("b", "k", u2.UploadId, part);
        var c2 = f.Store.CompleteUpload("b", "k", u2.UploadId, [1], Multipart.Assemble(u2, [part]));
        Assert.Equal(CompleteStatus.Completed, c2.Status);
        Assert.Equal("0123456789abcdef0123456789abcdef", c2.Stored!.VersionId);
        Assert.Null(c2.Replaced);
        Assert.Equal(c2.Stored.Sequence, f.Store.GetObject("b", "k")!.Sequence);
        Assert.Equal(c1.Stored.Sequence, f.Store.GetObject("b", "k", "null")!.Sequence);
        Assert.All(c1.Stored.Segments, s => Assert.True(f.Store.IsSegmentReferenced(s.Segment)));

        // Enabled without an id from the gateway: one is generated.
        var (u3, p3) = Multipart.Start(f, "b", "k", 1);
        var c3 = Multipart.Complete(f, u3, p3, [1]);
        Assert.StartsWith("v", c3.Stored!.VersionId, StringComparison.Ordinal);

        // Suspended: the completion replaces the null version (the older unversioned completion) and keeps the rest.
        Assert.True(f.Store.UpdateBucket(bucket with { Versioning = VersioningState.Suspended }));
        var (u4, p4) = Multipart.Start(f, "b", "k", 1, 2, 3);
        var c4 = Multipart.Complete(f, u4, p4, [2]);
        Assert.Equal("null", c4.Stored!.VersionId);
        Assert.Equal(c1.Stored.Sequence, c4.Replaced!.Sequence);
        Assert.All(c1.Stored.Segments, s => Assert.False(f.Store.IsSegmentReferenced(s.Segment)));
        Assert.True(f.Store.IsSegmentReferenced(c2.Stored.Segments[0].Segment));
        Assert.Equal(
            [c4.Stored.Sequence, c3.Stored.Sequence, c2.Stored.Sequence],
            f.Store.ListObjectVersions("b", new ListVersionsQuery("", null, null, null, 10)).Versions.Select(v => v.Manifest.Sequence));
        var garbage = f.Store.PeekGarbage(Far, 100).Select(g => g.Segment.Segment).Order();
        Assert.Equal(previous.Segments.Concat(c1.Stored.Segments).Append(p4[1].Segment).Append(p4[3].Segment).Select(s => s.Segment).Order(), garbage);
    }

    [Fact]
    public void ConditionsAreDecidedAtCompletionAndAFailureLeavesTheUploadOpen()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var existing = f.Store.PutObject("b", StoreFixture.Manifest("k", etag: "current")).Stored!;
        var (upload, parts) = Multipart.Start(f, "b", "k", 1, 2);

        Assert.Equal(CompleteStatus.PreconditionFailed, Multipart.Complete(f, upload, parts, [1, 2], new WriteCondition(IfNoneMatchAny: true)).Status);
        Assert.Equal(CompleteStatus.PreconditionFailed, Multipart.Complete(f, upload, parts, [1, 2], new WriteCondition(IfMatchETag: "other")).Status);
        Assert.NotNull(f.Store.GetUpload("b", "k", upload.UploadId));
        Assert.All(parts.Values, p => Assert.True(f.Store.FindSegmentReference(p.Segment.Segment)!.IsPart));
        Assert.Equal(existing.Sequence, f.Store.GetObject("b", "k")!.Sequence);
        Assert.Empty(f.Store.PeekGarbage(Far, 10));

        var done = Multipart.Complete(f, upload, parts, [1, 2], new WriteCondition(IfMatchETag: "current"));
        Assert.Equal(CompleteStatus.Completed, done.Status);
        Assert.Equal(existing.Sequence, done.Replaced!.Sequence);
    }

    [Fact]
    public void UploadsAndPartsSurviveAReopen()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var (upload, parts) = Multipart.Start(f, "b", "k", 1, 2, 3);
        f.Store.PutPart("b", "k", upload.UploadId, parts[2] = Multipart.Part(2));
        var (second, _) = Multipart.Start(f, "b", "a");
        var garbage = f.Store.PeekGarbage(Far, 10);

        var store = f.Reopen();
        Assert.True(IndexGen.Same(upload, store.GetUpload("b", "k", upload.UploadId)!));
        Assert.Equal(["a", "k"], store.ListUploads("b", new ListUploadsQuery("", null, null, null, 10)).Uploads.Select(u => u.Key));
        var listed = store.ListParts("b", "k", upload.UploadId, 0, 10)!.Parts;
        Assert.Equal([1, 2, 3], listed.Select(p => p.PartNumber));
        Assert.All(listed, p => Assert.True(IndexGen.Same(parts[p.PartNumber], p)));
        Assert.All(parts.Values, p => Assert.True(store.IsSegmentReferenced(p.Segment.Segment)));
        Assert.Equal(garbage.Select(g => g.Segment.Segment), store.PeekGarbage(Far, 10).Select(g => g.Segment.Segment));

        // Writes after the reopen still order after the ones before it, and everything completes.
        var (third, _) = Multipart.Start(f, "b", "k");
        Assert.Equal([upload.UploadId, third.UploadId], store.ListUploads("b", new ListUploadsQuery("k", null, null, null, 10)).Uploads.Select(u => u.UploadId));
        Assert.Equal(CompleteStatus.Completed, Multipart.Complete(f, upload, parts, [1, 2, 3]).Status);
        Assert.Equal(AbortResult.Aborted, store.AbortUpload("b", "a", second.UploadId));
    }

    [Fact]
    public void ABucketWithAnOpenUploadIsNotEmpty()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        f.CreateBucket("b2");
        var (upload, parts) = Multipart.Start(f, "b", "k", 1);
        Multipart.Start(f, "b2", "k");
        Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("b"));

        // Completed: the object keeps it non-empty; deleted: empty.
        Assert.Equal(CompleteStatus.Completed, Multipart.Complete(f, upload, parts, [1]).Status);
        Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("b"));
        f.Store.DeleteObject("b", "k");
        Assert.Equal(BucketDeleteResult.Deleted, f.Store.DeleteBucket("b"));
        Assert.Equal(BucketDeleteResult.NotEmpty, f.Store.DeleteBucket("b2"));
    }

    [Fact]
    public void ALayoutOneDatabaseIsUpgradedByRaisingTheMark()
    {
        using var f = new StoreFixture();
        f.CreateBucket("b");
        var kept = f.Store.PutObject("b", StoreFixture.Manifest("k")).Stored!;
        f.Store.Dispose();
        RawIndex.Put(f.Path, [0x07, (byte)'M'], [0, 0, 0, 0, 0, 0, 0, 1]);

        var store = f.Reopen();
        Assert.True(store.IsSegmentReferenced(kept.Segments[0].Segment));
        Assert.True(store.CreateUpload(Multipart.Upload(f, "b", "k")));
        store.Dispose();

        // The mark was raised (to 2), so a build that reads only layout 1 refuses this database.
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 2 }, RawIndex.Get(f.Path, [0x07, (byte)'M']));
        f.Reopen();
    }

    private static List<UploadPart> ListAllParts(RocksDbIndexStore store, MultipartUpload upload, int marker, int max)
    {
        var all = new List<UploadPart>();
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages <= 10001, "pagination does not terminate");
            var page = store.ListParts(upload.Bucket, upload.Key, upload.UploadId, marker, max)!;
            Assert.True(page.Parts.Count <= max);
            all.AddRange(page.Parts);
            if (!page.IsTruncated)
            {
                return all;
            }

            Assert.Equal(max, page.Parts.Count);
            Assert.Equal(page.Parts[^1].PartNumber, page.NextPartNumberMarker);
            marker = page.NextPartNumberMarker;
        }
    }
}
