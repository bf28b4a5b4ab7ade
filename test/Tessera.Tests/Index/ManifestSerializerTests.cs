using System.Buffers;
using System.Text;
using CsCheck;
using Tessera.Index;

namespace Tessera.Tests.Index;

public sealed class ManifestSerializerTests
{
    [Fact]
    public void ObjectManifestRoundTrips()
    {
        IndexGen.Manifest.Sample(
            m => IndexGen.Same(m, ManifestSerializer.ReadObjectManifest(ManifestSerializer.ToArray(m))),
            iter: 2000);
    }

    [Fact]
    public void SegmentBucketAndGarbageRoundTrip()
    {
        IndexGen.Segment.Sample(s => IndexGen.Same(s, ManifestSerializer.ReadSegmentManifest(Encode(w => ManifestSerializer.Write(w, s)))), iter: 500);
        IndexGen.Bucket.Sample(
            b =>
            {
                var back = ManifestSerializer.ReadBucketInfo(Encode(w => ManifestSerializer.Write(w, b)));
                return back == b && back.Created.Offset == b.Created.Offset;
            },
            iter: 500);
        IndexGen.Garbage.Sample(g => IndexGen.Same(g, ManifestSerializer.ReadGarbageEntry(Encode(w => ManifestSerializer.Write(w, g)))), iter: 500);
    }

    [Fact]
    public void UploadPartAndReferenceRoundTrip()
    {
        IndexGen.Upload.Sample(u => IndexGen.Same(u, ManifestSerializer.ReadMultipartUpload(Encode(w => ManifestSerializer.Write(w, u)))), iter: 500);
        IndexGen.Upload.Sample(u => ManifestSerializer.UploadIdOf(Encode(w => ManifestSerializer.Write(w, u))).SequenceEqual(Encoding.UTF8.GetBytes(u.UploadId)), iter: 200);
        IndexGen.Part.Sample(p => IndexGen.Same(p, ManifestSerializer.ReadUploadPart(Encode(w => ManifestSerializer.Write(w, p)))), iter: 500);
        IndexGen.Reference.Sample(r => r == ManifestSerializer.ReadSegmentReference(Encode(w => ManifestSerializer.Write(w, r))), iter: 500);
    }

    [Fact]
    public void UploadAndPartRecordsRejectOtherVersionsTruncationAndPadding()
    {
        Gen.Select(IndexGen.Upload, IndexGen.Part).Sample(
            (u, p) =>
            {
                var upload = Encode(w => ManifestSerializer.Write(w, u));
                var part = Encode(w => ManifestSerializer.Write(w, p));
                for (var length = 0; length < upload.Length; length++)
                {
                    Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadMultipartUpload(upload.AsSpan(0, length)));
                }

                for (var length = 0; length < part.Length; length++)
                {
                    Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadUploadPart(part.AsSpan(0, length)));
                }

                Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadMultipartUpload([.. upload, 0]));
                Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadUploadPart([.. part, 0]));
                upload[0] = part[0] = 2;
                Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadMultipartUpload(upload));
                Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadUploadPart(part));
            },
            iter: 30);

        // A reference kind this build does not know.
        var reference = Encode(w => ManifestSerializer.Write(w, new SegmentReference("b", "k", 1, "u", 1)));
        reference[1] = 2;
        Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadSegmentReference(reference));
    }

    [Fact]
    public void HeaderProbesAgreeWithTheFullDecode()
    {
        IndexGen.Manifest.Sample(
            m =>
            {
                var bytes = ManifestSerializer.ToArray(m);
                return ManifestSerializer.IsDeleteMarker(bytes) == m.IsDeleteMarker
                    && ManifestSerializer.VersionIdEquals(bytes, Encoding.UTF8.GetBytes(m.VersionId))
                    && !ManifestSerializer.VersionIdEquals(bytes, Encoding.UTF8.GetBytes(m.VersionId + "x"));
            },
            iter: 500);
    }

    [Fact]
    public void MinimalManifestRoundTripsWithEmptyListsAndNulls()
    {
        var m = new ObjectManifest { Key = "k", VersionId = "null" };
        var bytes = ManifestSerializer.ToArray(m);
        Assert.Equal(ManifestSerializer.FormatVersion, bytes[0]);
        var back = ManifestSerializer.ReadObjectManifest(bytes);
        Assert.True(IndexGen.Same(m, back));
        Assert.Null(back.ContentType);
        Assert.Empty(back.Segments);
        Assert.Empty(back.UserMetadata);
    }

    [Fact]
    public void ABucketRecordCarriesItsLifecycleInVersionTwoAndVersionOneRecordsStillRead()
    {
        var plain = new BucketInfo("b", "o", DateTimeOffset.UnixEpoch, "r", VersioningState.Enabled);
        var v1 = Encode(w => ManifestSerializer.Write(w, plain));
        Assert.Equal(1, v1[0]);
        Assert.Equal(plain, ManifestSerializer.ReadBucketInfo(v1));

        var withRules = plain with { Lifecycle = "<LifecycleConfiguration/>" };
        var v2 = Encode(w => ManifestSerializer.Write(w, withRules));
        Assert.Equal(ManifestSerializer.BucketLifecycleVersion, v2[0]);
        Assert.Equal(withRules, ManifestSerializer.ReadBucketInfo(v2));
        Assert.Equal(v1, v2[..v1.Length].Select((b, i) => i == 0 ? (byte)1 : b).ToArray());
        Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadBucketInfo(v2[..^1]));
        Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadBucketInfo([.. v2, 0]));
    }

    [Fact]
    public void UnknownFormatVersionsAreRejected()
    {
        var manifest = ManifestSerializer.ToArray(new ObjectManifest { Key = "k", VersionId = "null" });
        var bucket = Encode(w => ManifestSerializer.Write(w, new BucketInfo("b", "o", DateTimeOffset.UnixEpoch, "r", VersioningState.Enabled)));
        var segment = Encode(w => ManifestSerializer.Write(w, new SegmentManifest()));
        var garbage = Encode(w => ManifestSerializer.Write(w, new GarbageEntry(DateTimeOffset.UnixEpoch, 1, new SegmentManifest())));
        foreach (var version in new byte[] { 0, 2, 0xFF })
        {
            manifest[0] = bucket[0] = segment[0] = garbage[0] = version;
            Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest(manifest));
            Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadBucketInfo(bucket));
            Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadSegmentManifest(segment));
            Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadGarbageEntry(garbage));
            Assert.Throws<InvalidDataException>(() => ManifestSerializer.IsDeleteMarker(manifest));
        }
    }

    [Fact]
    public void TruncatedOrPaddedRecordsAreRejected()
    {
        IndexGen.Manifest.Sample(
            m =>
            {
                var bytes = ManifestSerializer.ToArray(m);
                for (var length = 0; length < bytes.Length; length++)
                {
                    Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest(bytes.AsSpan(0, length)));
                }

                Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest([.. bytes, 0]));
            },
            iter: 50);
    }

    [Fact]
    public void RandomBytesNeverDecodeIntoAnythingButInvalidData()
    {
        Gen.Byte.Array[0, 200].Sample(
            bytes =>
            {
                bytes = [ManifestSerializer.FormatVersion, .. bytes];
                try
                {
                    ManifestSerializer.ReadObjectManifest(bytes);
                }
                catch (InvalidDataException)
                {
                }
            },
            iter: 2000);
    }

    [Fact]
    public void ARestoreSectionTrailsTheOlderEncodingUnderFlagBitFour()
    {
        var segment = new SegmentManifest { Segment = Guid.NewGuid(), Size = 10, ETag = "e", DataShards = 4, ParityShards = 2, ShardSize = 64, Disks = ["d1", "d2", "", "d4", "d5", "d6"] };
        var plain = new ObjectManifest { Key = "k", VersionId = "null", StorageClass = "GLACIER", Size = 10, Segments = [segment] };
        var older = ManifestSerializer.ToArray(plain);
        Assert.Equal(0, older[1]);
        Assert.Null(ManifestSerializer.ReadObjectManifest(older).Restore);

        var restore = new ObjectRestore
        {
            Ongoing = false,
            Days = 3,
            Tier = "Bulk",
            Requested = new DateTimeOffset(2012, 12, 18, 10, 30, 0, TimeSpan.Zero),
            Expiry = new DateTimeOffset(2012, 12, 21, 0, 0, 0, TimeSpan.Zero),
            Segments = [segment with { Segment = Guid.NewGuid(), DataShards = 2, ParityShards = 1, Disks = ["a", "b", "c"] }],
        };
        var restored = ManifestSerializer.ToArray(plain with { Restore = restore });
        Assert.Equal(0x04, restored[1]);
        Assert.Equal(older.AsSpan(2).ToArray(), restored.AsSpan(2, older.Length - 2).ToArray());
        var back = ManifestSerializer.ReadObjectManifest(restored);
        Assert.True(IndexGen.Same(plain with { Restore = restore }, back));
        Assert.Equal(plain.Segments.Concat(restore.Segments).Select(s => s.Segment), back.AllSegments().Select(s => s.Segment));
        Assert.True(back.IsRestoredSegment(restore.Segments[0].Segment));
        Assert.False(back.IsRestoredSegment(segment.Segment));

        var ongoing = ManifestSerializer.ToArray(plain with { IsDeleteMarker = false, Restore = new ObjectRestore { Ongoing = true, Days = 1, Requested = restore.Requested } });
        Assert.True(ManifestSerializer.ReadObjectManifest(ongoing).Restore is { Ongoing: true, Expiry: null, Segments.Count: 0, Tier: "Standard" });

        // Truncated or padded restore sections, a bad ongoing or expiry byte, and the reserved bit 0x02 are refused.
        for (var cut = older.Length; cut < restored.Length; cut++)
        {
            Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest(restored.AsSpan(0, cut)));
        }

        Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest([.. restored, 0]));
        var badOngoing = restored.ToArray();
        badOngoing[older.Length] = 2;
        Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest(badOngoing));
        var reserved = older.ToArray();
        reserved[1] = 0x02;
        Assert.Throws<InvalidDataException>(() => ManifestSerializer.ReadObjectManifest(reserved));
    }

    [Fact]
    public void RecoveryRecordsNeverCarryARestore()
    {
        var manifest = new ObjectManifest
        {
            Key = "k",
            VersionId = "null",
            Segments = [new SegmentManifest { Segment = Guid.NewGuid(), Disks = ["d"] }],
            Restore = new ObjectRestore { Ongoing = true, Days = 1 },
        };
        var back = RecoveryRecord.TryRead(RecoveryRecord.ForVersion("b", manifest).ToBytes());
        Assert.NotNull(back);
        Assert.Null(back.Manifest!.Restore);
    }

    [Fact]
    public void LoneSurrogatesAreRejectedWhenEncoding()
    {
        Assert.ThrowsAny<ArgumentException>(() => ManifestSerializer.ToArray(new ObjectManifest { Key = "a\uD800", VersionId = "null" }));
    }

    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
