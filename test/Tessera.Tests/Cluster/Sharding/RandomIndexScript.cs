using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// A seeded random sequence of index calls over three buckets (unversioned, versioned, and one whose versioning is
/// toggled between enabled and suspended) and a bucket that does not exist: puts (plain, If-None-Match, If-Match, several
/// segments, a reused segment), deletes (current, by version id, of missing keys), multipart uploads (parts replaced,
/// completions of a subset, wrong parts, aborts), listings of every kind with prefixes, delimiters, markers and small
/// pages, segment lookups and moves, garbage and bucket calls. Each step runs on every store compared; arguments that
/// name a generated version id name it by its order of appearance, resolved in each store.
/// </summary>
internal sealed class RandomIndexScript(int seed, ManualTimeProvider time, Func<IIndexStore, DifferentialNormalizer> normalizerOf)
{
    private static readonly string[] Buckets = ["b1", "b2", "b3"];
    private static readonly string[] Keys = ["a", "a/x", "a/y", "a/y/z", "b", "l", "m", "m/n", "m/o", "n", "z/1", "z/2", "é"];
    private static readonly string[] Prefixes = ["", "a", "a/", "m", "m/", "z/", "q"];
    private static readonly string[] ETags = ["e1", "e2", "e3"];

    private readonly Random _random = new(seed);
    private readonly List<Guid> _segments = [];
    private readonly List<(string Bucket, string Key, string UploadId, Dictionary<int, Guid> Parts)> _uploads = [];
    private readonly List<(string Bucket, string Key, string UploadId, Dictionary<int, Guid> Parts)> _closed = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private int _nextUpload;
    private int _nextVersion;

    public string Summary => string.Join(", ", _counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));

    public IEnumerable<(string Name, Func<IIndexStore, object?> Step)> Steps(int count)
    {
        var now = time.GetUtcNow();
        yield return ("CreateBucket b1", s => s.CreateBucket(new BucketInfo("b1", "alice", now, "us-east-1", VersioningState.Unversioned)));
        yield return ("CreateBucket b2", s => s.CreateBucket(new BucketInfo("b2", "alice", now, "us-east-1", VersioningState.Enabled)));
        yield return ("CreateBucket b3", s => s.CreateBucket(new BucketInfo("b3", "bob", now, "us-east-1", VersioningState.Enabled)));
        for (var i = 0; i < count; i++)
        {
            var (name, step) = Next();
            _counts[name] = _counts.GetValueOrDefault(name) + 1;
            yield return (name, step);
        }
    }

    private (string, Func<IIndexStore, object?>) Next()
    {
        var bucket = _random.Next(40) == 0 ? "nob" : Buckets[_random.Next(Buckets.Length)];
        var key = Keys[_random.Next(Keys.Length)];
        switch (_random.Next(100))
        {
            case < 22:
                return Put(bucket, key);
            case < 30:
                return Delete(bucket, key);
            case < 35:
                {
                    var versionId = VersionIdArgument(key);
                    var withMarkers = _random.Next(2) == 0;
                    return ("GetObject", s => s.GetObject(bucket, key, versionId(s), withMarkers));
                }

            case < 40:
                return ("CreateUpload", CreateUpload(bucket == "nob" && _random.Next(2) == 0 ? "b1" : bucket, key));
            case < 50:
                return ("PutPart", PutPart());
            case < 55:
                return ("CompleteUpload", Complete());
            case < 57:
                return ("AbortUpload", Abort());
            case < 64:
                return ("ListObjects", ListObjects(bucket));
            case < 70:
                return ("ListObjectVersions", ListVersions(bucket));
            case < 74:
                return ("ListUploads", ListUploads(bucket));
            case < 77:
                return ("ListParts", ListParts());
            case < 81:
                return ("SegmentLookup", SegmentLookup());
            case < 83:
                return ("ReplaceSegmentDisks", ReplaceDisks());
            case < 86:
                return ("ReplaceManifest", ReplaceManifest(bucket, key));
            case < 89:
                return ("Garbage", Garbage());
            case < 91:
                {
                    var suspended = _random.Next(2) == 0;
                    var now = time.GetUtcNow();
                    return ("UpdateBucket", s => s.UpdateBucket(new BucketInfo("b3", "bob", now, "us-east-1", suspended ? VersioningState.Suspended : VersioningState.Enabled)));
                }

            case < 93:
                if (_random.Next(2) == 0)
                {
                    var now = time.GetUtcNow();
                    var versioning = bucket == "b2" ? VersioningState.Enabled : bucket == "b1" ? VersioningState.Unversioned : VersioningState.Suspended;
                    return ("CreateBucket", s => s.CreateBucket(new BucketInfo(bucket, "alice", now, "us-east-1", versioning)));
                }

                return ("DeleteBucket", s => s.DeleteBucket(bucket));
            case < 95:
                {
                    var upload = Upload(open: _random.Next(3) == 0);
                    return ("GetCompletedUpload", s => s.GetCompletedUpload(upload.Item1, upload.Item2, upload.Item3));
                }

            case < 96:
                {
                    var before = time.GetUtcNow().AddSeconds(-_random.Next(200));
                    return ("PruneCompletedUploads", s => s.PruneCompletedUploads(before));
                }

            case < 98:
                return ("TransitionVersion", TransitionVersion(bucket, key));

            default:
                return ("Buckets", s => new object?[] { s.ListBuckets(), s.GetBucket(bucket) }.Select(RemoteIndexStoreTests.Render).ToList());
        }
    }

    private (string, Func<IIndexStore, object?>) Put(string bucket, string key)
    {
        var segments = new List<SegmentManifest>();
        var count = _random.Next(10) switch { 0 => 3, 1 => 2, _ => 1 };
        for (var i = 0; i < count; i++)
        {
            segments.Add(Segment(Fresh()));
        }

        if (_random.Next(25) == 0 && _segments.Count > 1)
        {
            segments.Add(Segment(_segments[_random.Next(_segments.Count - 1)]));
        }

        var versionId = _random.Next(6) == 0 ? "c" + _nextVersion++ : "";
        var manifest = Manifest(key, segments, ETags[_random.Next(ETags.Length)]) with { VersionId = versionId };
        var condition = _random.Next(8) switch
        {
            0 => new WriteCondition(IfNoneMatchAny: true),
            1 => new WriteCondition(IfMatchETag: ETags[_random.Next(ETags.Length)]),
            _ => default,
        };
        return ("PutObject", s => s.PutObject(bucket, manifest, condition));
    }

    private (string, Func<IIndexStore, object?>) Delete(string bucket, string key)
    {
        var versionId = _random.Next(2) == 0 ? (_ => null) : VersionIdArgument(key);
        return ("DeleteObject", s => s.DeleteObject(bucket, key, versionId(s)));
    }

    private Func<IIndexStore, object?> CreateUpload(string bucket, string key)
    {
        var uploadId = "u" + _nextUpload++;
        var template = Manifest(key, [], "") with { VersionId = "" };
        var upload = new MultipartUpload(bucket, key, uploadId, time.GetUtcNow(), "alice", template);
        _uploads.Add((bucket, key, uploadId, []));
        return s => s.CreateUpload(upload);
    }

    private Func<IIndexStore, object?> PutPart()
    {
        var (bucket, key, uploadId, parts) = Upload(open: _random.Next(15) != 0);
        var number = _random.Next(1, 9);
        var segment = Fresh();
        parts[number] = segment;
        var part = new UploadPart(number, Segment(segment, number), time.GetUtcNow(), _random.Next(2) == 0 ? "CRC32" : null, "AAAAAA==");
        return s => s.PutPart(bucket, key, uploadId, part);
    }

    private Func<IIndexStore, object?> Complete()
    {
        if (_uploads.Count == 0)
        {
            return s => s.CompleteUpload("b1", "a", "u-none", [1], Manifest("a", [Segment(Fresh(), 1)], "x-1"));
        }

        var upload = Upload(open: _random.Next(10) != 0);
        var (bucket, key, uploadId, parts) = upload;
        Close(upload);
        var numbers = parts.Keys.Where(_ => _random.Next(4) != 0).Order().ToList();
        if (numbers.Count == 0)
        {
            numbers = [1];
        }

        var segments = numbers.Select(n => Segment(parts.TryGetValue(n, out var id) && _random.Next(12) != 0 ? id : Guid.NewGuid(), n)).ToList();
        var manifest = Manifest(key, segments, "m-" + numbers.Count) with { VersionId = "" };
        var condition = _random.Next(6) == 0 ? new WriteCondition(IfNoneMatchAny: true) : default;
        return s => s.CompleteUpload(bucket, key, uploadId, numbers, manifest, condition);
    }

    private Func<IIndexStore, object?> Abort()
    {
        var upload = Upload(open: _random.Next(10) != 0);
        Close(upload);
        return s => s.AbortUpload(upload.Bucket, upload.Key, upload.UploadId);
    }

    private Func<IIndexStore, object?> ListObjects(string bucket)
    {
        var prefix = Prefixes[_random.Next(Prefixes.Length)];
        var delimiter = _random.Next(2) == 0 ? "/" : null;
        var startAfter = _random.Next(3) == 0 ? Keys[_random.Next(Keys.Length)] : null;
        var max = _random.Next(4) == 0 ? 1000 : _random.Next(0, 4);
        if (_random.Next(3) == 0)
        {
            // Every page, each continuing from the previous page's marker.
            return s => Pages(s.ListObjects(bucket, new ListObjectsQuery(prefix, delimiter, null, Math.Max(1, max))), l => l.IsTruncated, l => s.ListObjects(bucket, new ListObjectsQuery(prefix, delimiter, l.NextMarker, Math.Max(1, max))));
        }

        return s => s.ListObjects(bucket, new ListObjectsQuery(prefix, delimiter, startAfter, max));
    }

    private Func<IIndexStore, object?> ListVersions(string bucket)
    {
        var prefix = Prefixes[_random.Next(Prefixes.Length)];
        var delimiter = _random.Next(2) == 0 ? "/" : null;
        var keyMarker = _random.Next(3) == 0 ? Keys[_random.Next(Keys.Length)] : null;
        var versionIdMarker = keyMarker is not null && _random.Next(2) == 0 ? VersionIdArgument(keyMarker) : (_ => null);
        var max = _random.Next(4) == 0 ? 1000 : _random.Next(0, 4);
        if (_random.Next(3) == 0)
        {
            return s => Pages(
                s.ListObjectVersions(bucket, new ListVersionsQuery(prefix, delimiter, null, null, Math.Max(1, max))),
                l => l.IsTruncated,
                l => s.ListObjectVersions(bucket, new ListVersionsQuery(prefix, delimiter, l.NextKeyMarker, l.NextVersionIdMarker, Math.Max(1, max))));
        }

        return s => s.ListObjectVersions(bucket, new ListVersionsQuery(prefix, delimiter, keyMarker, versionIdMarker(s), max));
    }

    private Func<IIndexStore, object?> ListUploads(string bucket)
    {
        var prefix = Prefixes[_random.Next(Prefixes.Length)];
        var delimiter = _random.Next(2) == 0 ? "/" : null;
        var keyMarker = _random.Next(3) == 0 ? Keys[_random.Next(Keys.Length)] : null;
        var uploadIdMarker = keyMarker is not null && _random.Next(2) == 0 ? "u" + _random.Next(Math.Max(1, _nextUpload)) : null;
        var max = _random.Next(4) == 0 ? 1000 : _random.Next(0, 4);
        if (_random.Next(3) == 0)
        {
            return s => Pages(
                s.ListUploads(bucket, new ListUploadsQuery(prefix, delimiter, null, null, Math.Max(1, max))),
                l => l.IsTruncated,
                l => s.ListUploads(bucket, new ListUploadsQuery(prefix, delimiter, l.NextKeyMarker, l.NextUploadIdMarker, Math.Max(1, max))));
        }

        return s => s.ListUploads(bucket, new ListUploadsQuery(prefix, delimiter, keyMarker, uploadIdMarker, max));
    }

    private Func<IIndexStore, object?> ListParts()
    {
        var (bucket, key, uploadId, _) = Upload(open: _random.Next(5) != 0);
        var marker = _random.Next(0, 8);
        var max = _random.Next(0, 4);
        return s => s.ListParts(bucket, key, uploadId, marker, max);
    }

    private Func<IIndexStore, object?> SegmentLookup()
    {
        var segment = _segments.Count == 0 || _random.Next(10) == 0 ? Guid.NewGuid() : _segments[_random.Next(_segments.Count)];
        return s => new object?[] { s.IsSegmentReferenced(segment), s.GetSegment(segment), s.FindSegmentOwner(segment) }.Select(RemoteIndexStoreTests.Render).ToList();
    }

    private Func<IIndexStore, object?> ReplaceDisks()
    {
        var segment = _segments.Count == 0 ? Guid.NewGuid() : _segments[_random.Next(_segments.Count)];
        string[] expected = _random.Next(3) == 0 ? ["d1", "d4", "d3"] : ["d1", "d2", "d3"];
        string[] replacement = _random.Next(2) == 0 ? ["d1", "d4", "d3"] : ["d5", "d2", "d3"];
        return s => s.ReplaceSegmentDisks(segment, expected, replacement);
    }

    private Func<IIndexStore, object?> ReplaceManifest(string bucket, string key)
    {
        var versionId = VersionIdArgument(key);
        var tag = "t" + _random.Next(100);
        return s =>
        {
            var id = versionId(s);
            var current = id is null ? s.GetObject(bucket, key) : s.GetObject(bucket, key, id);
            return current is null ? "absent" : s.ReplaceManifest(bucket, current with { Tags = [new("tag", tag)] });
        };
    }

    /// <summary>
    /// A lifecycle transition of a version: to fresh segments (most), to the same ones (a change of class only), or with a
    /// stale expected list (refused).
    /// </summary>
    private Func<IIndexStore, object?> TransitionVersion(string bucket, string key)
    {
        var versionId = VersionIdArgument(key);
        var fresh = Enumerable.Range(0, 4).Select(_ => Fresh()).ToArray();
        var mode = _random.Next(6);
        var storageClass = _random.Next(2) == 0 ? "STANDARD_IA" : "GLACIER";
        return s =>
        {
            var id = versionId(s);
            var current = id is null ? s.GetObject(bucket, key) : s.GetObject(bucket, key, id);
            if (current is null)
            {
                return "absent";
            }

            var expected = current.Segments.Select(x => x.Segment).ToList();
            var replacement = mode == 0 ? current.Segments : current.Segments.Select((x, i) => Segment(fresh[i], x.PartNumber)).ToList();
            if (mode == 1)
            {
                expected = [.. expected.Select(_ => Guid.NewGuid())];
            }

            try
            {
                return s.TransitionVersion(bucket, key, current.VersionId, expected, replacement, storageClass);
            }
            catch (ArgumentException e)
            {
                return "ArgumentException " + e.Message;
            }
        };
    }

    private Func<IIndexStore, object?> Garbage()
    {
        var cutoff = time.GetUtcNow().AddSeconds(-_random.Next(100));
        return s =>
        {
            var due = s.PeekGarbage(cutoff, 1000);
            s.RemoveGarbage(due);
            return s.PeekGarbage(DateTimeOffset.MaxValue, 1000);
        };
    }

    /// <summary>
    /// An argument naming a version of <paramref name="key"/>: none, null, one of the key's generated ids by order of
    /// appearance, a caller's, or a missing one.
    /// </summary>
    private Func<IIndexStore, string?> VersionIdArgument(string key)
    {
        var pick = _random.Next(10);
        var ordinal = _random.Next(6);
        var caller = "c" + _random.Next(Math.Max(1, _nextVersion));
        return pick switch
        {
            0 => _ => null,
            1 => _ => "null",
            < 7 => s => normalizerOf(s).Generated(key) is { } ids && ordinal < ids.Count ? ids[ordinal] : "v0000000000000000",
            < 9 => _ => caller,
            _ => _ => "missing",
        };
    }

    /// <summary>An upload the script opened: one it believes open, or one it completed or aborted (or a made-up one).</summary>
    private (string Bucket, string Key, string UploadId, Dictionary<int, Guid> Parts) Upload(bool open)
    {
        var from = open && _uploads.Count > 0 ? _uploads : _closed;
        return from.Count == 0 ? ("b1", "a", "u-none", []) : from[_random.Next(from.Count)];
    }

    private void Close((string Bucket, string Key, string UploadId, Dictionary<int, Guid> Parts) upload)
    {
        if (_uploads.Remove(upload))
        {
            _closed.Add(upload);
        }
    }

    private static List<string> Pages<T>(T first, Func<T, bool> truncated, Func<T, T> next)
    {
        var pages = new List<string> { RemoteIndexStoreTests.Render(first) };
        for (var page = first; truncated(page) && pages.Count < 50;)
        {
            page = next(page);
            pages.Add(RemoteIndexStoreTests.Render(page));
        }

        return pages;
    }

    private Guid Fresh()
    {
        var segment = Guid.NewGuid();
        _segments.Add(segment);
        return segment;
    }

    private static SegmentManifest Segment(Guid id, int part = 0) =>
        new() { PartNumber = part, Segment = id, Size = 10 + part, ETag = "p" + part, DataShards = 2, ParityShards = 1, ShardSize = 4096, Disks = ["d1", "d2", "d3"] };

    private ObjectManifest Manifest(string key, List<SegmentManifest> segments, string etag) => new()
    {
        Key = key,
        VersionId = "",
        ETag = etag,
        Size = segments.Sum(s => s.Size),
        LastModified = time.GetUtcNow(),
        Owner = "alice",
        ContentType = "text/plain",
        UserMetadata = [new("colour", "blue")],
        Segments = segments,
    };
}
