using System.Buffers.Binary;
using Amazon.S3;
using Amazon.S3.Model;
using Tessera.Index;
using Tessera.Storage;
using Tessera.Store.Maintenance;

namespace Tessera.IntegrationTests;

/// <summary>
/// The scrubber verifies every block of every referenced fragment and finds exactly the faults injected on disk
/// (flipped bytes, deleted fragment files, planted orphans, a whole disk gone), with no false positive, while every
/// object still reads back bit-exact.
/// </summary>
public sealed class ScrubTests(ScrubStoreFixture store) : IClassFixture<ScrubStoreFixture>
{
    private const int ShardSize = 4096;
    private const int Shards = 6;

    private readonly AmazonS3Client _s3 = store.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AScrubFindsEveryInjectedFaultAndNothingElse()
    {
        var scrubber = store.Server.Scrubber;
        var random = new Random(20261125);

        // Objects: single PUTs of several sizes (empty, sub-block, one stripe, many stripes), two versions of a key,
        // a completed multipart upload, and an open upload with stored parts.
        var objects = new List<(string Bucket, string Key, string? VersionId, byte[] Data)>();
        var plain = Names.Bucket("scrub");
        await _s3.PutBucketAsync(plain, Ct);
        int[] sizes = [0, 1, 4095, 4 * ShardSize, 100_000, 300_001];
        for (var i = 0; i < sizes.Length; i++)
        {
            var data = Names.RandomBytes(sizes[i], i);
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = plain, Key = $"object{i}", InputStream = new MemoryStream(data) }, Ct);
            objects.Add((plain, $"object{i}", null, data));
        }

        var versioned = Names.Bucket("scrubv");
        await _s3.PutBucketAsync(versioned, Ct);
        await _s3.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = versioned, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled } }, Ct);
        foreach (var (size, seed) in new[] { (50_000, 100), (70_001, 101) })
        {
            var data = Names.RandomBytes(size, seed);
            var put = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = versioned, Key = "v", InputStream = new MemoryStream(data) }, Ct);
            objects.Add((versioned, "v", put.VersionId, data));
        }

        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = plain, Key = "multipart" }, Ct);
        byte[][] parts = [Names.RandomBytes(40_000, 200), Names.RandomBytes(40_000, 201), Names.RandomBytes(5_000, 202)];
        var etags = new List<PartETag>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await _s3.UploadPartAsync(new UploadPartRequest { BucketName = plain, Key = "multipart", UploadId = upload.UploadId, PartNumber = i + 1, InputStream = new MemoryStream(parts[i]) }, Ct);
            etags.Add(new PartETag(i + 1, part.ETag));
        }

        await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = plain, Key = "multipart", UploadId = upload.UploadId, PartETags = etags }, Ct);
        objects.Add((plain, "multipart", null, [.. parts.SelectMany(p => p)]));

        var open = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = plain, Key = "open" }, Ct);
        for (var i = 1; i <= 2; i++)
        {
            await _s3.UploadPartAsync(new UploadPartRequest { BucketName = plain, Key = "open", UploadId = open.UploadId, PartNumber = i, InputStream = new MemoryStream(Names.RandomBytes(30_000 + i, 300 + i)) }, Ct);
        }

        // 6 single + 2 versions + 3 completed parts + 2 open parts = 13 segments; each has 6 fragments (the empty one's are header and trailer only).
        long[] segmentSizes = [.. sizes.Select(s => (long)s), 50_000, 70_001, 40_000, 40_000, 5_000, 30_001, 30_002];
        var referenced = store.Server.Store.Index.ReferencedSegments().ToList();
        Assert.Equal(segmentSizes.Order(), referenced.Select(s => s.Size).Order());
        var nonEmpty = referenced.Where(s => s.Size > 0).ToList();
        Assert.Equal(12, nonEmpty.Count);
        Assert.Equal(13 * Shards, FragmentFiles().Count);
        var totalBytes = nonEmpty.Sum(s => Shards * FragmentBytes(s.Size));

        // A clean store: no fault, exact counts.
        var clean = await scrubber.ScrubOnceAsync(0, Ct);
        Assert.Equal(13, clean.Segments);
        Assert.Equal(13 * Shards, clean.FragmentsChecked);
        Assert.Equal(totalBytes, clean.BytesVerified);
        Assert.Equal((0L, 0L, 0L, 0L, 0), (clean.MissingFragments, clean.CorruptFragments, clean.CorruptBlocks, clean.OrphanFragments, clean.FailedDisks));
        Assert.Empty(clean.Damaged);
        Assert.True(clean.Clean);
        Assert.Same(clean, store.Server.LastScrub);

        // The same pass at a limited rate: same findings; the bucket holds one second, the rest is paced.
        var rate = totalBytes / 4;
        var paced = await scrubber.ScrubOnceAsync(rate, Ct);
        Assert.Equal(clean with { Started = paced.Started, Duration = paced.Duration, Damaged = paced.Damaged, FailedDiskIds = paced.FailedDiskIds }, paced);
        Assert.True(paced.Duration >= TimeSpan.FromSeconds(2.5), $"A pass of {totalBytes} bytes at {rate} B/s took {paced.Duration}.");

        // Faults. One whole disk goes; each of 3 + 3 other segments loses one more fragment (corrupt or deleted), so
        // every segment keeps k = 4 good fragments and reads back.
        var victim = "disk" + random.Next(1, Shards + 1);
        var shuffled = nonEmpty.OrderBy(_ => random.Next()).ToList();
        var expectedDamage = new HashSet<DamagedFragment>();
        long lostBytes = 0;
        foreach (var segment in referenced)
        {
            var index = segment.Disks.ToList().IndexOf(victim);
            expectedDamage.Add(new DamagedFragment(new FragmentId(segment.Segment, index), victim, FragmentDamage.Missing));
            lostBytes += FragmentBytes(segment.Size);
        }

        const int corruptCount = 3, deleteCount = 3, orphanCount = 4;
        foreach (var segment in shuffled.Take(corruptCount))
        {
            var (id, disk) = PickShard(segment, victim, random);
            var path = FragmentPath(disk, id);
            var bytes = await File.ReadAllBytesAsync(path, Ct);
            var blockStart = (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) + 4095) / 4096 * 4096;
            var header = Header(segment.Size);
            var stripe = random.Next(header.StripeCount);
            var offset = blockStart + (stripe * (ShardSize + 8)) + random.Next(header.BlockLength(stripe));
            bytes[offset] ^= (byte)(1 << random.Next(8));
            await File.WriteAllBytesAsync(path, bytes, Ct);
            expectedDamage.Add(new DamagedFragment(id, disk, FragmentDamage.Corrupt));
            lostBytes += header.BlockLength(stripe);
        }

        foreach (var segment in shuffled.Skip(corruptCount).Take(deleteCount))
        {
            var (id, disk) = PickShard(segment, victim, random);
            File.Delete(FragmentPath(disk, id));
            expectedDamage.Add(new DamagedFragment(id, disk, FragmentDamage.Missing));
            lostBytes += FragmentBytes(segment.Size);
        }

        for (var i = 0; i < orphanCount; i++)
        {
            var orphan = new FragmentId(Guid.NewGuid(), random.Next(Shards));
            var disk = "disk" + random.Next(1, Shards + 1);
            disk = disk == victim ? (disk == "disk1" ? "disk2" : "disk1") : disk;
            Directory.CreateDirectory(Path.GetDirectoryName(FragmentPath(disk, orphan))!);
            await File.WriteAllBytesAsync(FragmentPath(disk, orphan), Names.RandomBytes(5000, i), Ct);
        }

        Directory.Delete(Path.Combine(store.DataDirectory, victim), recursive: true);

        var report = await scrubber.ScrubOnceAsync(0, Ct);
        Assert.Equal(13, report.Segments);
        Assert.Equal(13 * Shards, report.FragmentsChecked);
        Assert.Equal(corruptCount, report.CorruptFragments);
        Assert.Equal(corruptCount, report.CorruptBlocks);
        Assert.Equal(deleteCount + referenced.Count, report.MissingFragments);
        Assert.Equal(orphanCount, report.OrphanFragments);
        Assert.Equal(1, report.FailedDisks);
        Assert.Equal([victim], report.FailedDiskIds);
        Assert.Equal(totalBytes - lostBytes, report.BytesVerified);
        Assert.Equal(expectedDamage.Count, report.Damaged.Count);
        Assert.True(expectedDamage.SetEquals(report.Damaged));
        Assert.False(report.Clean);
        Assert.Same(report, store.Server.LastScrub);

        // The scrubber deletes nothing: the planted orphans are still there.
        Assert.Equal((13 * (Shards - 1)) - deleteCount + orphanCount, FragmentFiles().Count);

        // Every object still reads back bit-exact, reconstructed from the surviving fragments.
        foreach (var (bucket, key, versionId, data) in objects)
        {
            using var get = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, VersionId = versionId }, Ct);
            using var read = new MemoryStream();
            await get.ResponseStream.CopyToAsync(read, Ct);
            Assert.True(data.AsSpan().SequenceEqual(read.ToArray()), $"{bucket}/{key} ({versionId}) differs.");
        }
    }

    private static FragmentHeader Header(long size) =>
        new(new FragmentId(Guid.Empty, 0), Shards - 2, 2, ShardSize, size, "", "", "", 0);

    /// <summary>Bytes of all blocks of one fragment of a segment of <paramref name="size"/> bytes.</summary>
    private static long FragmentBytes(long size)
    {
        var header = Header(size);
        return Enumerable.Range(0, header.StripeCount).Sum(s => (long)header.BlockLength(s));
    }

    private static (FragmentId Id, string Disk) PickShard(SegmentManifest segment, string victim, Random random)
    {
        var candidates = Enumerable.Range(0, Shards).Where(i => segment.Disks[i] != victim).ToList();
        var index = candidates[random.Next(candidates.Count)];
        return (new FragmentId(segment.Segment, index), segment.Disks[index]);
    }

    private string FragmentPath(string disk, FragmentId id)
    {
        var name = id.ToString();
        return Path.Combine(store.DataDirectory, disk, "fragments", name[..2], name);
    }

    private List<string> FragmentFiles() =>
        [.. Directory.EnumerateDirectories(store.DataDirectory, "disk*")
            .Where(d => Directory.Exists(Path.Combine(d, "fragments")))
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(d, "fragments"), "*", SearchOption.AllDirectories))];
}
