using CsCheck;
using Tessera.Index;

namespace Tessera.Tests.Index;

/// <summary>Recovery records, and index snapshots written while the index is being written, then restored.</summary>
public sealed class IndexSnapshotTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void VersionAndCompletionRecordsRoundTripWithoutDisksOrSequence()
    {
        IndexGen.Manifest.Sample(
            m =>
            {
                var expected = m with { Sequence = 0, Restore = null, Segments = [.. m.Segments.Select(s => s with { Disks = [] })] };
                var version = RecoveryRecord.TryRead(RecoveryRecord.ForVersion("bucket", m).ToBytes());
                var completion = RecoveryRecord.TryRead(RecoveryRecord.ForCompletion("b2", "upload-1", m).ToBytes());
                return version is { Kind: RecoveryRecordKind.Version, Bucket: "bucket", UploadId: null, Part: null } && IndexGen.Same(expected, version.Manifest!)
                    && version.Key == m.Key && version.LastModified == m.LastModified
                    && completion is { Kind: RecoveryRecordKind.Completion, Bucket: "b2", UploadId: "upload-1" } && IndexGen.Same(expected, completion.Manifest!);
            },
            iter: 300);
    }

    [Fact]
    public void PartRecordsRoundTrip()
    {
        Gen.Select(IndexGen.Segment, Gen.DateTimeOffset, Gen.Int[1, 10000]).Sample(
            t =>
            {
                var part = new UploadPart(t.Item3, t.Item1, t.Item2, "CRC32", "AAAAAA==");
                var read = RecoveryRecord.TryRead(RecoveryRecord.ForPart("b", "k", "u", part).ToBytes());
                return read is { Kind: RecoveryRecordKind.Part, Bucket: "b", Key: "k", UploadId: "u", Manifest: null }
                    && IndexGen.Same(part with { Segment = part.Segment with { Disks = [] } }, read.Part!);
            },
            iter: 300);
    }

    [Fact]
    public void DamagedRecordsReadAsNull()
    {
        var bytes = RecoveryRecord.ForVersion("bucket", Manifest("key", Guid.NewGuid())).ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(RecoveryRecord.TryRead(bytes.AsSpan(0, length)));
        }

        Assert.Null(RecoveryRecord.TryRead([.. bytes, 0]));
        bytes[1] = 9; // unknown kind
        Assert.Null(RecoveryRecord.TryRead(bytes));
    }

    [Fact]
    public async Task SnapshotTakenDuringWritesRestoresExactlyAConsistentPrefix()
    {
        var time = TimeProvider.System;
        var committed = new List<string>();
        var snapshot = new MemoryStream();
        IndexSnapshotInfo info;
        var sourceDirectory = Path.Join(_root.Path, "source");
        using (var store = new RocksDbIndexStore(sourceDirectory, time))
        {
            store.CreateBucket(new BucketInfo("photos", "owner", time.GetUtcNow(), "us-east-1", VersioningState.Unversioned));
            store.CreateBucket(new BucketInfo("versioned", "owner", time.GetUtcNow(), "us-east-1", VersioningState.Enabled));
            for (var i = 0; i < 300; i++)
            {
                store.PutObject("photos", Manifest($"early-{i:D4}", Guid.NewGuid()));
            }

            store.PutObject("versioned", Manifest("v", Guid.NewGuid()));
            store.PutObject("versioned", Manifest("v", Guid.NewGuid()));
            store.PutObject("photos", Manifest("early-0000", Guid.NewGuid())); // a replaced version: queued garbage

            // A writer commits keys in order while the snapshot streams out; the snapshot must hold exactly a prefix.
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(() =>
            {
                for (var i = 0; !stop.IsCancellationRequested && i < 100_000; i++)
                {
                    var key = $"late-{i:D6}";
                    store.PutObject("photos", Manifest(key, Guid.NewGuid()));
                    lock (committed)
                    {
                        committed.Add(key);
                    }
                }
            }, TestContext.Current.CancellationToken);
            while (Count(committed) < 20)
            {
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }

            info = store.WriteSnapshot(snapshot);
            await stop.CancelAsync();
            await writer;
        }

        Assert.True(info.Entries > 600, $"{info.Entries} entries");
        var restored = Path.Join(_root.Path, "restored");
        var bytes = snapshot.ToArray();
        Assert.Equal(info, RocksDbIndexStore.RestoreSnapshot(() => new MemoryStream(bytes), restored, time));

        using var source = new RocksDbIndexStore(sourceDirectory, time);
        using var copy = new RocksDbIndexStore(restored, time);
        Assert.Equal(source.ListBuckets(), copy.ListBuckets());
        for (var i = 0; i < 300; i++)
        {
            var key = $"early-{i:D4}";
            Assert.True(IndexGen.Same(source.GetObject("photos", key)!, copy.GetObject("photos", key)!), key);
        }

        Assert.Equal(
            source.ListObjectVersions("versioned", new ListVersionsQuery("", null, null, null, 1000)).Versions.Select(v => (v.Manifest.VersionId, v.Manifest.Sequence)),
            copy.ListObjectVersions("versioned", new ListVersionsQuery("", null, null, null, 1000)).Versions.Select(v => (v.Manifest.VersionId, v.Manifest.Sequence)));
        Assert.Single(copy.PeekGarbage(DateTimeOffset.MaxValue, 100));

        var late = copy.ListObjects("photos", new ListObjectsQuery("late-", null, null, 1000));
        var present = new List<string>();
        for (var page = late; ; page = copy.ListObjects("photos", new ListObjectsQuery("late-", null, present[^1], 1000)))
        {
            present.AddRange(page.Objects.Select(o => o.Key));
            if (!page.IsTruncated)
            {
                break;
            }
        }

        Assert.True(present.Count >= 20, $"{present.Count} late keys");
        Assert.True(present.Count < committed.Count, "the writer went on after the snapshot");
        Assert.Equal(committed.Take(present.Count), present);
        foreach (var key in present)
        {
            Assert.True(IndexGen.Same(source.GetObject("photos", key)!, copy.GetObject("photos", key)!), key);
        }

        // The restored index goes on with sequences above everything it holds.
        var next = copy.PutObject("photos", Manifest("after", Guid.NewGuid())).Stored!;
        Assert.True(next.Sequence > copy.GetObject("photos", present[^1])!.Sequence);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(-1)]
    [InlineData(-12)]
    public void CorruptOrTruncatedSnapshotsAreRefusedAndLeaveNoIndex(int flipAt)
    {
        var time = TimeProvider.System;
        var snapshot = new MemoryStream();
        using (var store = new RocksDbIndexStore(Path.Join(_root.Path, "source"), time))
        {
            store.CreateBucket(new BucketInfo("photos", "owner", time.GetUtcNow(), "us-east-1", VersioningState.Unversioned));
            for (var i = 0; i < 20; i++)
            {
                store.PutObject("photos", Manifest($"k{i}", Guid.NewGuid()));
            }

            store.WriteSnapshot(snapshot);
        }

        var good = snapshot.ToArray();
        var flipped = good.ToArray();
        flipped[flipAt >= 0 ? flipAt : good.Length + flipAt] ^= 0x10;
        var truncated = good[..^(Math.Abs(flipAt) + 1)];
        foreach (var (name, bytes) in new[] { ("flipped", flipped), ("truncated", truncated), ("extended", [.. good, 0]) })
        {
            Assert.Throws<InvalidDataException>(() => IndexSnapshot.Verify(new MemoryStream(bytes)));
            var target = Path.Join(_root.Path, name);
            Directory.CreateDirectory(target);
            File.WriteAllText(Path.Join(target, "keep.txt"), "other files stay");
            Assert.Throws<InvalidDataException>(() => RocksDbIndexStore.RestoreSnapshot(() => new MemoryStream(bytes), target, time));
            Assert.False(File.Exists(Path.Join(target, "CURRENT")), name);
            Assert.True(File.Exists(Path.Join(target, "keep.txt")), name);
        }

        // 20 versions, 20 latest pointers, 20 segment references, the bucket, the sequence mark and the layout mark.
        Assert.Equal(63, IndexSnapshot.Verify(new MemoryStream(good)).Entries);
    }

    private static int Count(List<string> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static ObjectManifest Manifest(string key, Guid segment) => new()
    {
        Key = key,
        VersionId = "",
        Size = 10,
        ETag = "0123456789abcdef0123456789abcdef",
        LastModified = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Owner = "owner",
        ContentType = "text/plain",
        UserMetadata = [new("color", "blue")],
        Segments = [new SegmentManifest { Segment = segment, Size = 10, ETag = "0123456789abcdef0123456789abcdef", DataShards = 4, ParityShards = 2, ShardSize = 4096, Disks = ["d1", "d2", "d3", "d4", "d5", "d6"] }],
    };
}
