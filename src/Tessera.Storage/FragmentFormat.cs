using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Tessera.Storage;

/// <summary>
/// The fragment file format, version 2 (docs/design/on-disk-format.md); version 1 files (no trailer) still read.
/// All integers are little-endian.
/// </summary>
/// <remarks>
/// <para>Header region, starting at offset 0:</para>
/// <code>
///  0  magic          8 bytes  "TSRFRAG1"
///  8  header length  uint32   bytes of the whole header region (magic, length and checksum included)
/// 12  header check   uint32   XxHash32 (seed 0) of bytes [16, header length)
/// 16  version        uint16   2 (1: older files, same header, never a trailer)
/// 18  segment        16 bytes the segment Guid in RFC 4122 (big-endian) order: its hex is the file name
/// 34  shard index    uint16
/// 36  k              uint16
/// 38  m              uint16
/// 40  shard size     int32    bytes of a full block
/// 44  segment size   int64    bytes of object data in the segment
/// 52  part number    int32    0 for a single-part object
/// 56  bucket         uint16 length + UTF-8
///  …  key            uint16 length + UTF-8 (S3 keys are at most 1024 bytes)
///  …  version id     uint16 length + UTF-8
/// </code>
/// <para>
/// Blocks start at the header length rounded up to <see cref="BlockAlignment"/> (the gap is never read). Block
/// <c>i</c> holds this shard of stripe <c>i</c> and sits at <c>blockStart + i × (shardSize + 8)</c>: its
/// <see cref="FragmentHeader.BlockLength"/> bytes, then their XxHash3-64 (seed 0) as 8 bytes. Only the last block
/// can be short, so the blocks end right after its checksum. An empty segment has no blocks.
/// </para>
/// <para>
/// Version 2 may append a trailer after the blocks, written at commit: <c>[trailer bytes][uint32 length][uint32
/// XxHash32 (seed 0) of the trailer bytes]["TSRTRLR1"]</c>. The bytes are opaque to storage (the S3 layer puts the
/// manifest entry there, for index recovery). The file then ends exactly after the trailer magic; anything else
/// (no footer, a wrong length or checksum, a truncated trailer) means "no trailer", never a failure to read blocks.
/// </para>
/// </remarks>
internal static class FragmentFormat
{
    /// <summary>The format version this code writes (it reads this one and <see cref="VersionWithoutTrailer"/>).</summary>
    public const ushort Version = 2;

    /// <summary>The first format version: the same header, and never a trailer.</summary>
    public const ushort VersionWithoutTrailer = 1;

    /// <summary>Bytes after the trailer bytes: length, checksum, magic.</summary>
    public const int TrailerFooterLength = 16;

    /// <summary>The largest trailer accepted (a manifest entry is a few KiB at most; this bounds a corrupt length).</summary>
    public const int MaxTrailerLength = 16 * 1024 * 1024;

    /// <summary>Blocks start on a multiple of this (a page) so that block 0 reads are aligned.</summary>
    public const int BlockAlignment = 4096;

    /// <summary>Bytes of the checksum that follows every block.</summary>
    public const int ChecksumLength = sizeof(ulong);

    /// <summary>Bytes before the header fields that the header checksum covers: magic, length, checksum.</summary>
    public const int PreambleLength = 16;

    /// <summary>Offset of the bucket length: the end of the fixed-size fields.</summary>
    private const int FixedFieldsEnd = 56;

    /// <summary>The smallest header: fixed fields and three empty strings.</summary>
    public const int MinHeaderLength = FixedFieldsEnd + (3 * sizeof(ushort));

    /// <summary>The largest header: three strings of the largest length a uint16 prefix allows.</summary>
    public const int MaxHeaderLength = MinHeaderLength + (3 * ushort.MaxValue);

    /// <summary>The 8 magic bytes that open every fragment file.</summary>
    public static ReadOnlySpan<byte> Magic => "TSRFRAG1"u8;

    /// <summary>The 8 magic bytes that end a trailer footer.</summary>
    public static ReadOnlySpan<byte> TrailerMagic => "TSRTRLR1"u8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Offset of the first block for a header of <paramref name="headerLength"/> bytes.</summary>
    public static long BlockStart(int headerLength) =>
        (headerLength + (long)BlockAlignment - 1) / BlockAlignment * BlockAlignment;

    /// <summary>Offset of block <paramref name="stripe"/>.</summary>
    public static long BlockOffset(long blockStart, int shardSize, int stripe) =>
        blockStart + (stripe * ((long)shardSize + ChecksumLength));

    /// <summary>Writes the footer that follows <paramref name="trailer"/> into a <see cref="TrailerFooterLength"/>-byte span.</summary>
    public static void WriteTrailerFooter(ReadOnlySpan<byte> trailer, Span<byte> footer)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(footer, (uint)trailer.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[4..], XxHash32.HashToUInt32(trailer));
        TrailerMagic.CopyTo(footer[8..]);
    }

    /// <summary>
    /// Checks a footer read from the last <see cref="TrailerFooterLength"/> bytes of a file whose blocks end at
    /// <paramref name="blocksEnd"/> and which is <paramref name="fileLength"/> bytes long: the magic is right and the
    /// length puts the trailer exactly between the blocks and the footer. Returns the trailer length and checksum.
    /// </summary>
    public static bool TryReadTrailerFooter(ReadOnlySpan<byte> footer, long blocksEnd, long fileLength, out int length, out uint checksum)
    {
        length = 0;
        checksum = 0;
        if (footer.Length != TrailerFooterLength || !footer[8..].SequenceEqual(TrailerMagic))
        {
            return false;
        }

        var declared = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        if (declared > MaxTrailerLength || blocksEnd + declared + TrailerFooterLength != fileLength)
        {
            return false;
        }

        length = (int)declared;
        checksum = BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]);
        return true;
    }

    /// <summary>The exact length of a complete fragment file without its trailer (where the trailer starts).</summary>
    public static long FileLength(FragmentHeader header, int headerLength)
    {
        var stripes = header.StripeCount;
        if (stripes == 0)
        {
            return headerLength;
        }

        var last = stripes - 1;
        return BlockOffset(BlockStart(headerLength), header.ShardSize, last) + header.BlockLength(last) + ChecksumLength;
    }

    /// <summary>
    /// Checks that <paramref name="header"/> describes a fragment this format can hold: k ≥ 1, m ≥ 0, index below
    /// k + m (all as uint16), shard size ≥ 1 with a stripe of at most 2 GiB − 1, a non-negative segment size of at
    /// most int.MaxValue stripes, a non-negative part number.
    /// </summary>
    /// <returns>Null when valid, otherwise what is wrong.</returns>
    public static string? Check(FragmentHeader header)
    {
        if (header.DataShards is < 1 or > ushort.MaxValue || header.ParityShards is < 0 or > ushort.MaxValue)
        {
            return $"RS({header.DataShards},{header.ParityShards}) is not a valid code.";
        }

        if (header.Id.Index < 0 || header.Id.Index >= header.DataShards + header.ParityShards
            || header.Id.Index > ushort.MaxValue)
        {
            return $"Shard index {header.Id.Index} is outside RS({header.DataShards},{header.ParityShards}).";
        }

        if (header.ShardSize < 1 || header.StripeSize > int.MaxValue)
        {
            return $"Shard size {header.ShardSize} is not positive or makes a stripe over 2 GiB.";
        }

        if (header.SegmentSize < 0 || header.SegmentSize / header.StripeSize >= int.MaxValue)
        {
            return $"Segment size {header.SegmentSize} is negative or has too many stripes.";
        }

        return header.PartNumber < 0 ? $"Part number {header.PartNumber} is negative." : null;
    }

    /// <summary>Serializes the header region (without the alignment padding).</summary>
    /// <exception cref="ArgumentException">The header is invalid (<see cref="Check"/>) or a string is over 65,535 UTF-8 bytes.</exception>
    public static byte[] Encode(FragmentHeader header) => Encode(header, Version);

    /// <summary>Serializes the header region with an explicit format version (tests write version 1 files with it).</summary>
    internal static byte[] Encode(FragmentHeader header, ushort version)
    {
        if (Check(header) is { } problem)
        {
            throw new ArgumentException(problem, nameof(header));
        }

        var bucketLength = Utf8Length(header.Bucket, nameof(FragmentHeader.Bucket));
        var keyLength = Utf8Length(header.Key, nameof(FragmentHeader.Key));
        var versionLength = Utf8Length(header.VersionId, nameof(FragmentHeader.VersionId));
        var bytes = new byte[MinHeaderLength + bucketLength + keyLength + versionLength];
        var span = bytes.AsSpan();

        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)bytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], version);
        header.Id.Segment.TryWriteBytes(span.Slice(18, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], (ushort)header.Id.Index);
        BinaryPrimitives.WriteUInt16LittleEndian(span[36..], (ushort)header.DataShards);
        BinaryPrimitives.WriteUInt16LittleEndian(span[38..], (ushort)header.ParityShards);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], header.ShardSize);
        BinaryPrimitives.WriteInt64LittleEndian(span[44..], header.SegmentSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[52..], header.PartNumber);
        var position = FixedFieldsEnd;
        position = WriteString(span, position, header.Bucket, bucketLength);
        position = WriteString(span, position, header.Key, keyLength);
        WriteString(span, position, header.VersionId, versionLength);

        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], XxHash32.HashToUInt32(span[PreambleLength..]));
        return bytes;
    }

    /// <summary>
    /// Reads the header length from the 16-byte preamble; false when the magic is wrong or the length is outside
    /// [<see cref="MinHeaderLength"/>, <see cref="MaxHeaderLength"/>].
    /// </summary>
    public static bool TryReadHeaderLength(ReadOnlySpan<byte> preamble, out int headerLength)
    {
        headerLength = 0;
        if (preamble.Length < PreambleLength || !preamble[..Magic.Length].SequenceEqual(Magic))
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        if (length is < MinHeaderLength or > MaxHeaderLength)
        {
            return false;
        }

        headerLength = (int)length;
        return true;
    }

    /// <summary>
    /// Parses a whole header region. False when the magic, length or checksum is wrong, the version is unknown,
    /// the fields are out of range (<see cref="Check"/>), a string is not valid UTF-8, or the strings do not end
    /// exactly at the header length.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> region, [NotNullWhen(true)] out FragmentHeader? header) =>
        TryDecode(region, out header, out _);

    /// <summary>As <see cref="TryDecode(ReadOnlySpan{byte}, out FragmentHeader?)"/>, also giving the format version (1 or 2).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> region, [NotNullWhen(true)] out FragmentHeader? header, out ushort version)
    {
        header = null;
        version = 0;
        if (!TryReadHeaderLength(region, out var headerLength) || region.Length != headerLength)
        {
            return false;
        }

        version = BinaryPrimitives.ReadUInt16LittleEndian(region[16..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(region[12..]) != XxHash32.HashToUInt32(region[PreambleLength..])
            || version is not (Version or VersionWithoutTrailer))
        {
            return false;
        }

        var position = FixedFieldsEnd;
        if (!TryReadString(region, ref position, out var bucket)
            || !TryReadString(region, ref position, out var key)
            || !TryReadString(region, ref position, out var versionId)
            || position != region.Length)
        {
            return false;
        }

        var candidate = new FragmentHeader(
            new FragmentId(new Guid(region.Slice(18, 16), bigEndian: true), BinaryPrimitives.ReadUInt16LittleEndian(region[34..])),
            DataShards: BinaryPrimitives.ReadUInt16LittleEndian(region[36..]),
            ParityShards: BinaryPrimitives.ReadUInt16LittleEndian(region[38..]),
            ShardSize: BinaryPrimitives.ReadInt32LittleEndian(region[40..]),
            SegmentSize: BinaryPrimitives.ReadInt64LittleEndian(region[44..]),
            Bucket: bucket,
            Key: key,
            VersionId: versionId,
            PartNumber: BinaryPrimitives.ReadInt32LittleEndian(region[52..]));
        if (Check(candidate) is not null)
        {
            return false;
        }

        header = candidate;
        return true;
    }

    /// <summary>
    /// Parses a fragment file name (<see cref="FragmentId.ToString"/>); only the canonical spelling is accepted
    /// (lower-case hex, no sign or leading zeros in the index), so every id has exactly one file name.
    /// </summary>
    public static bool TryParseFileName(ReadOnlySpan<char> name, out FragmentId id)
    {
        id = default;
        if (name.Length < 34 || name.Length > 38 || name[32] != '.'
            || !Guid.TryParseExact(name[..32], "N", out var segment)
            || !int.TryParse(name[33..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index > ushort.MaxValue)
        {
            return false;
        }

        var candidate = new FragmentId(segment, index);
        Span<char> canonical = stackalloc char[38];
        if (!candidate.Segment.TryFormat(canonical, out var written, "N")
            || !name[..32].SequenceEqual(canonical[..written])
            || (name.Length > 34 && name[33] == '0'))
        {
            return false;
        }

        id = candidate;
        return true;
    }

    private static int Utf8Length(string value, string field)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"{field} is {length} UTF-8 bytes; a fragment header holds at most {ushort.MaxValue}.", "header");
        }

        return length;
    }

    private static int WriteString(Span<byte> span, int position, string value, int length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span[position..], (ushort)length);
        Encoding.UTF8.GetBytes(value, span.Slice(position + sizeof(ushort), length));
        return position + sizeof(ushort) + length;
    }

    private static bool TryReadString(ReadOnlySpan<byte> region, ref int position, [NotNullWhen(true)] out string? value)
    {
        value = null;
        if (region.Length - position < sizeof(ushort))
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(region[position..]);
        position += sizeof(ushort);
        if (region.Length - position < length)
        {
            return false;
        }

        try
        {
            value = StrictUtf8.GetString(region.Slice(position, length));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        position += length;
        return true;
    }
}
