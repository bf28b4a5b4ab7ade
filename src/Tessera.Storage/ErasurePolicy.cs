namespace Tessera.Storage;

/// <summary>How a storage class codes and spreads its segments.</summary>
/// <param name="DataShards">k.</param>
/// <param name="ParityShards">m.</param>
/// <param name="ShardSize">Bytes of each shard of a full stripe; a stripe holds k × this many bytes of data.</param>
/// <param name="DomainLevel">The failure-domain level fragments spread over: <c>disk</c>, <c>node</c>, <c>rack</c> or <c>zone</c>.</param>
public sealed record ErasurePolicy(int DataShards, int ParityShards, int ShardSize, string DomainLevel)
{
    /// <summary>
    /// The trailer a small segment's fragments carry (its recovery record: bucket, key, version, ETag, checksums), as
    /// assumed when comparing the space of the two layouts in <see cref="CopiesTakeNoMoreSpace"/>. Real trailers of
    /// short keys are 300–600 bytes; a longer one only moves the break-even by a few KiB.
    /// </summary>
    private const int TypicalTrailer = 1024;

    /// <summary>The default: RS(4,2) with 256 KiB shards (1 MiB stripes), each disk its own domain.</summary>
    public static ErasurePolicy Default { get; } = new(4, 2, 256 * 1024, "disk");

    /// <summary>
    /// Whether segments small enough that m + 1 copies take no more disk space than k + m fragments are written as
    /// copies, that is RS(1, m) (<see cref="CopiedSegmentLimit"/>): the same m failures survived, m + 1 files to write
    /// and fsync instead of k + m, and one file to read instead of k. Default true.
    /// </summary>
    public bool CopySmallSegments { get; init; } = true;

    /// <summary>k + m.</summary>
    public int TotalShards => DataShards + ParityShards;

    /// <summary>Bytes of object data in a full stripe.</summary>
    public long StripeSize => (long)DataShards * ShardSize;

    /// <summary>
    /// The largest segment written as copies when <see cref="CopySmallSegments"/> is set: every length up to it takes no
    /// more filesystem blocks as m + 1 copies (RS(1, m)) than as k + m fragments. Each fragment file is a 4 KiB header
    /// block, then its blocks with their checksums and the trailer, rounded up to 4 KiB; so while a shard is a few KiB
    /// the k + m headers and roundings outweigh the copies' extra bytes. RS(4,2) and RS(8,4): 11,240 bytes; RS(10,4):
    /// 15,336; RS(17,3): 35,816. −1 when nothing is copied (the flag is off, or k is already 1).
    /// </summary>
    public long CopiedSegmentLimit()
    {
        if (!CopySmallSegments || DataShards == 1)
        {
            return -1;
        }

        var length = 0L;
        while (length < ShardSize && CopiesTakeNoMoreSpace(length + 1))
        {
            length++;
        }

        return length;
    }

    /// <summary>True when a segment of <paramref name="length"/> bytes takes no more space as m + 1 copies than as RS(k, m).</summary>
    internal bool CopiesTakeNoMoreSpace(long length) =>
        (ParityShards + 1) * FileBlocks(1, length) <= TotalShards * FileBlocks(DataShards, length);

    /// <summary>4 KiB blocks of one fragment file of a <paramref name="length"/>-byte segment coded with k = <paramref name="k"/>.</summary>
    private long FileBlocks(int k, long length)
    {
        var stripe = (long)k * ShardSize;
        var stripes = (length + stripe - 1) / stripe;
        var lastData = length - (Math.Max(0, stripes - 1) * stripe);
        var blocks = stripes == 0 ? 0 : ((stripes - 1) * ((long)ShardSize + FragmentFormat.ChecksumLength)) + ((lastData + k - 1) / k) + FragmentFormat.ChecksumLength;
        var bytes = FragmentFormat.BlockAlignment + blocks + TypicalTrailer + FragmentFormat.TrailerFooterLength;
        return (bytes + FragmentFormat.BlockAlignment - 1) / FragmentFormat.BlockAlignment;
    }
}
