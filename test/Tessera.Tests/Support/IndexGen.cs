using CsCheck;
using Tessera.Index;

namespace Tessera.Tests;

/// <summary>CsCheck generators for index records, and structural comparison (records compare lists by reference).</summary>
public static class IndexGen
{
    private static readonly KeyValuePair<string, string>[] NoPairs = [];
    private static readonly SegmentManifest[] NoSegments = [];
    private static readonly string[] NoDisks = [];

    /// <summary>Pieces that exercise 1-, 2-, 3- and 4-byte UTF-8, '/', and a code point above the surrogates (U+FF5E).</summary>
    public static readonly Gen<string> Atom = Gen.OneOf(
        Gen.OneOf("a", "b", "/", "é", "😀", "～", "-", " ", "0"),
        Gen.Int[0x20, 0x10FFFF].Where(c => c is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32));

    /// <summary>Valid Unicode strings, often empty.</summary>
    public static readonly Gen<string> Text = Atom.Array[0, 12].Select(parts => string.Concat(parts));

    /// <summary>Name/value lists, often empty.</summary>
    public static readonly Gen<KeyValuePair<string, string>[]> Pairs =
        Gen.Select(Text, Text, (k, v) => new KeyValuePair<string, string>(k, v)).Array[0, 4];

    /// <summary>Segments.</summary>
    public static readonly Gen<SegmentManifest> Segment =
        Gen.Select(Gen.Int, Gen.Guid, Gen.Long, Text, Gen.Int, Gen.Int, Gen.Int, Text.Array[0, 20])
        .Select(t => new SegmentManifest
        {
            PartNumber = t.Item1,
            Segment = t.Item2,
            Size = t.Item3,
            ETag = t.Item4,
            DataShards = t.Item5,
            ParityShards = t.Item6,
            ShardSize = t.Item7,
            Disks = t.Item8,
        });

    /// <summary>Object manifests with every field random, optional ones often null.</summary>
    public static readonly Gen<ObjectManifest> Manifest =
        Gen.Select(PlainManifest(), Restore().Null(0.7), (m, r) => m with { Restore = r });

    /// <summary>Restore states (a running restore, or a copy with its segments).</summary>
    public static Gen<ObjectRestore> Restore() =>
        Gen.Select(Gen.Bool, Gen.Int, Text, Gen.DateTimeOffset, Gen.Frequency((1, Gen.Const((DateTimeOffset?)null)), (2, Gen.DateTimeOffset.Select(d => (DateTimeOffset?)d))), Segment.Array[0, 3])
        .Select(t => new ObjectRestore { Ongoing = t.Item1, Days = t.Item2, Tier = t.Item3, Requested = t.Item4, Expiry = t.Item5, Segments = t.Item6 });

    private static Gen<ObjectManifest> PlainManifest() =>
        Gen.Select(
            Gen.Select(Text.Where(k => k.Length > 0), Text, Gen.ULong, Gen.Bool, Gen.Long, Text, Gen.DateTimeOffset, Text),
            Gen.Select(Text, Text.Null(0.5), Text.Null(0.5), Text.Null(0.5), Text.Null(0.5), Text.Null(0.5), Text.Null(0.5)),
            Gen.Select(Pairs, Pairs, Pairs, Segment.Array[0, 5]))
        .Select(t => new ObjectManifest
        {
            Key = t.Item1.Item1,
            VersionId = t.Item1.Item2,
            Sequence = t.Item1.Item3,
            IsDeleteMarker = t.Item1.Item4,
            Size = t.Item1.Item5,
            ETag = t.Item1.Item6,
            LastModified = t.Item1.Item7,
            Owner = t.Item1.Item8,
            StorageClass = t.Item2.Item1,
            ContentType = t.Item2.Item2,
            ContentEncoding = t.Item2.Item3,
            ContentDisposition = t.Item2.Item4,
            ContentLanguage = t.Item2.Item5,
            CacheControl = t.Item2.Item6,
            Expires = t.Item2.Item7,
            UserMetadata = t.Item3.Item1,
            Tags = t.Item3.Item2,
            Checksums = t.Item3.Item3,
            Segments = t.Item3.Item4,
        });

    /// <summary>Bucket records.</summary>
    public static readonly Gen<BucketInfo> Bucket =
        Gen.Select(Text, Text, Gen.DateTimeOffset, Text, Gen.Enum<VersioningState>(), Gen.Frequency((1, Gen.Const((string?)null)), (1, Text.Select(s => (string?)s))))
        .Select(t => new BucketInfo(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6));

    /// <summary>Garbage entries.</summary>
    public static readonly Gen<GarbageEntry> Garbage =
        Gen.Select(Gen.DateTimeOffset, Gen.ULong, Segment).Select(t => new GarbageEntry(t.Item1, t.Item2, t.Item3));

    /// <summary>Multipart uploads (the template is any manifest: the serializer does not police its contents).</summary>
    public static readonly Gen<MultipartUpload> Upload =
        Gen.Select(Text, Text, Text, Gen.DateTimeOffset, Text, Manifest)
        .Select(t => new MultipartUpload(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6));

    /// <summary>Upload parts.</summary>
    public static readonly Gen<UploadPart> Part =
        Gen.Select(Gen.Int, Segment, Gen.DateTimeOffset, Text.Null(0.5), Text.Null(0.5))
        .Select(t => new UploadPart(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));

    /// <summary>Segment references of both kinds.</summary>
    internal static readonly Gen<SegmentReference> Reference =
        Gen.Select(Text, Text, Gen.ULong, Text.Null(0.5), Gen.Int)
        .Select(t => t.Item4 is null ? new SegmentReference(t.Item1, t.Item2, t.Item3) : new SegmentReference(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));

    /// <summary>Structural equality of uploads, including exact timestamps and offsets.</summary>
    public static bool Same(MultipartUpload a, MultipartUpload b) =>
        a with { Template = b.Template } == b && a.Initiated.Offset == b.Initiated.Offset && Same(a.Template, b.Template);

    /// <summary>Structural equality of parts, including exact timestamps and offsets.</summary>
    public static bool Same(UploadPart a, UploadPart b) =>
        a with { Segment = b.Segment } == b && a.LastModified.Offset == b.LastModified.Offset && Same(a.Segment, b.Segment);

    /// <summary>Structural equality of manifests, including exact timestamps and offsets.</summary>
    public static bool Same(ObjectManifest a, ObjectManifest b) =>
        a with { UserMetadata = NoPairs, Tags = NoPairs, Checksums = NoPairs, Segments = NoSegments, Restore = null }
            == b with { UserMetadata = NoPairs, Tags = NoPairs, Checksums = NoPairs, Segments = NoSegments, Restore = null }
        && Same(a.Restore, b.Restore)
        && a.LastModified.Offset == b.LastModified.Offset
        && a.UserMetadata.SequenceEqual(b.UserMetadata)
        && a.Tags.SequenceEqual(b.Tags)
        && a.Checksums.SequenceEqual(b.Checksums)
        && a.Segments.Count == b.Segments.Count
        && a.Segments.Zip(b.Segments).All(p => Same(p.First, p.Second));

    /// <summary>Structural equality of restore states, including exact timestamps and offsets.</summary>
    public static bool Same(ObjectRestore? a, ObjectRestore? b) =>
        a is null || b is null ? a is null && b is null
        : a with { Segments = NoSegments } == b with { Segments = NoSegments }
            && a.Requested.Offset == b.Requested.Offset && a.Expiry?.Offset == b.Expiry?.Offset
            && a.Segments.Count == b.Segments.Count && a.Segments.Zip(b.Segments).All(p => Same(p.First, p.Second));

    /// <summary>Structural equality of segments.</summary>
    public static bool Same(SegmentManifest a, SegmentManifest b) =>
        a with { Disks = NoDisks } == b with { Disks = NoDisks } && a.Disks.SequenceEqual(b.Disks);

    /// <summary>Structural equality of garbage entries.</summary>
    public static bool Same(GarbageEntry a, GarbageEntry b) =>
        a.Queued == b.Queued && a.Queued.Offset == b.Queued.Offset && a.Sequence == b.Sequence && Same(a.Segment, b.Segment);
}
