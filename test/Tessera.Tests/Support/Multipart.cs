using Tessera.Index;

namespace Tessera.Tests;

/// <summary>Builders for multipart tests: uploads, parts and the manifest a gateway would assemble.</summary>
public static class Multipart
{
    public static MultipartUpload Upload(StoreFixture f, string bucket, string key, string? uploadId = null, string versionId = "") => new(
        bucket,
        key,
        uploadId ?? Guid.NewGuid().ToString("N"),
        f.Time.GetUtcNow(),
        "initiator",
        new ObjectManifest
        {
            Key = key,
            VersionId = versionId,
            Owner = "initiator",
            ContentType = "text/plain",
            UserMetadata = [new("color", "blue")],
            Tags = [new("t", "1")],
            StorageClass = "STANDARD_IA",
            Checksums = [new("CRC32", "")],
        });

    public static UploadPart Part(int number, long size = 5) => new(
        number,
        new SegmentManifest
        {
            PartNumber = number,
            Segment = Guid.NewGuid(),
            Size = size,
            ETag = $"etag-{number}",
            DataShards = 2,
            ParityShards = 1,
            ShardSize = 4096,
            Disks = ["d1", "d2", "d3"],
        },
        new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.FromHours(2)),
        "CRC32",
        "AAAAAA==");

    /// <summary>What the gateway builds from the template and the chosen parts.</summary>
    public static ObjectManifest Assemble(MultipartUpload upload, IEnumerable<UploadPart> parts)
    {
        var list = parts.ToList();
        return upload.Template with
        {
            Segments = [.. list.Select(p => p.Segment)],
            Size = list.Sum(p => p.Segment.Size),
            ETag = $"md5ofmd5s-{list.Count}",
            Checksums = [new("CRC32", "BBBBBB==-" + list.Count)],
            LastModified = new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero),
        };
    }

    /// <summary>Creates an upload and stores the given parts; returns the upload and the parts by number.</summary>
    public static (MultipartUpload Upload, Dictionary<int, UploadPart> Parts) Start(StoreFixture f, string bucket, string key, params int[] partNumbers)
    {
        var upload = Upload(f, bucket, key);
        Assert.True(f.Store.CreateUpload(upload));
        var parts = new Dictionary<int, UploadPart>();
        foreach (var number in partNumbers)
        {
            var part = Part(number);
            Assert.Equal(PutPartStatus.Stored, f.Store.PutPart(bucket, key, upload.UploadId, part).Status);
            parts[number] = part;
        }

        return (upload, parts);
    }

    /// <summary>Completes with the given part numbers (as the gateway would, after validating them).</summary>
    public static CompleteResult Complete(StoreFixture f, MultipartUpload upload, Dictionary<int, UploadPart> parts, int[] use, WriteCondition condition = default) =>
        f.Store.CompleteUpload(upload.Bucket, upload.Key, upload.UploadId, use, Assemble(upload, use.Select(n => parts[n])), condition);
}
