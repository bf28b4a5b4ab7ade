using System.Globalization;
using Tessera.Index;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// The objects the index benchmarks write: object <c>i</c> has a deterministic key of 47 bytes,
/// <c>tenant-TT/2025-11-DD/HHHHHHHH-IIIIIIIII.parquet</c> (16 tenants, 30 days, a hash so keys of one folder are not
/// written in order), and the manifest a single-segment PUT makes (RS(4,2) over 6 disks, MD5 ETag, CRC64NVME checksum,
/// content type, owner; no user metadata, no tags).
/// </summary>
internal static class BenchObjects
{
    /// <summary>Tenants (first key level).</summary>
    public const int Tenants = 16;

    /// <summary>Days (second key level).</summary>
    public const int Days = 30;

    private static readonly DateTimeOffset Written = new(2025, 11, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Disks = ["n1-disk1", "n2-disk3", "n3-disk2", "n4-disk4", "n5-disk1", "n6-disk2"];

    /// <summary>The key of object <paramref name="i"/>.</summary>
    public static string Key(long i) => string.Create(CultureInfo.InvariantCulture, $"{Folder(i)}{Mix(i):x8}-{i:D9}.parquet");

    /// <summary>The folder (<c>tenant-TT/2025-11-DD/</c>) object <paramref name="i"/> is in.</summary>
    public static string Folder(long i) => TenantPrefix((int)(i % Tenants)) + string.Create(CultureInfo.InvariantCulture, $"2025-11-{i / Tenants % Days + 1:D2}/");

    /// <summary>The first key level of tenant <paramref name="tenant"/>.</summary>
    public static string TenantPrefix(int tenant) => string.Create(CultureInfo.InvariantCulture, $"tenant-{tenant:D2}/");

    /// <summary>The manifest a PUT of <paramref name="key"/> commits (a new segment id each call).</summary>
    public static ObjectManifest Manifest(string key, long size = 187_345) => new()
    {
        Key = key,
        VersionId = "",
        Size = size,
        ETag = "9e107d9d372bb6826bd81d3542a419d6",
        LastModified = Written,
        Owner = "AKIAIOSFODNN7EXAMPLE",
        ContentType = "application/octet-stream",
        Checksums = [new("CRC64NVME", "u4ZsJCmT9fQ=")],
        Segments =
        [
            new SegmentManifest
            {
                Segment = Guid.NewGuid(),
                Size = size,
                ETag = "9e107d9d372bb6826bd81d3542a419d6",
                DataShards = 4,
                ParityShards = 2,
                ShardSize = 1024 * 1024,
                Disks = Disks,
            },
        ],
    };

    /// <summary>The encoded size of a typical manifest (what the version record and the latest pointer each hold).</summary>
    public static int ManifestBytes() => ManifestSerializer.ToArray(Manifest(Key(123_456))).Length;

    private static uint Mix(long i)
    {
        var x = (ulong)i * 0x9E3779B97F4A7C15UL;
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9UL;
        return (uint)(x >> 32);
    }
}
