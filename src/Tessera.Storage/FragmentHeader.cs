namespace Tessera.Storage;

/// <summary>
/// What a fragment file says about itself in its header: enough to check it belongs where the manifest says, to
/// locate every block, and (for index recovery) to re-derive the manifest entry that owns it.
/// </summary>
/// <param name="Id">Segment and shard index.</param>
/// <param name="DataShards">k of the erasure code.</param>
/// <param name="ParityShards">m of the erasure code.</param>
/// <param name="ShardSize">Bytes of a full block: every stripe's shard except possibly the last is this long.</param>
/// <param name="SegmentSize">Bytes of object data the whole segment holds (all stripes, before coding).</param>
/// <param name="Bucket">Bucket of the owning object version.</param>
/// <param name="Key">Key of the owning object version.</param>
/// <param name="VersionId">Version id of the owning object version (or upload id for a multipart part).</param>
/// <param name="PartNumber">Part number for multipart segments, 0 for a single-part object.</param>
public sealed record FragmentHeader(
    FragmentId Id,
    int DataShards,
    int ParityShards,
    int ShardSize,
    long SegmentSize,
    string Bucket,
    string Key,
    string VersionId,
    int PartNumber)
{
    /// <summary>Bytes of object data in one full stripe: k × <see cref="ShardSize"/>.</summary>
    public long StripeSize => (long)DataShards * ShardSize;

    /// <summary>Number of stripes (blocks per fragment); 0 for an empty segment.</summary>
    public int StripeCount => (int)((SegmentSize + StripeSize - 1) / StripeSize);

    /// <summary>Bytes of object data in stripe <paramref name="stripe"/> (the last may be short).</summary>
    public int StripeDataLength(int stripe) =>
        (int)Math.Min(StripeSize, SegmentSize - (stripe * StripeSize));

    /// <summary>Bytes of each shard of stripe <paramref name="stripe"/>: ⌈data / k⌉, zero-padded.</summary>
    public int BlockLength(int stripe) => (StripeDataLength(stripe) + DataShards - 1) / DataShards;

    /// <summary>Bytes of all the blocks of the fragment together (without their checksums).</summary>
    public long BlocksLength => StripeCount == 0 ? 0 : ((StripeCount - 1L) * ShardSize) + BlockLength(StripeCount - 1);

    /// <summary>
    /// The header as the fragment file stores it (magic, length, checksum, fields): what a remote disk sends ahead of
    /// the blocks. <see cref="TryParse"/> reads it back.
    /// </summary>
    /// <exception cref="ArgumentException">The header is invalid or a string is over 65,535 UTF-8 bytes.</exception>
    public byte[] ToBytes() => FragmentFormat.Encode(this);

    /// <summary>Reads a header written by <see cref="ToBytes"/>; false when it is malformed or fails its checksum.</summary>
    /// <param name="bytes">Exactly the header's bytes.</param>
    /// <param name="header">The header read.</param>
    public static bool TryParse(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FragmentHeader? header) =>
        FragmentFormat.TryDecode(bytes, out header);
}
