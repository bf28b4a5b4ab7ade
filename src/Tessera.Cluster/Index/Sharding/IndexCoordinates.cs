using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// Object coordinates, the keys a <see cref="IRangeDirectory"/> ranges over: the UTF-8 bucket name, 0x00, the UTF-8
/// object key. Neither contains U+0000, so 0x00 sorts before every name byte and the coordinates of one bucket are
/// exactly [<see cref="BucketStart"/>, <see cref="BucketEnd"/>), in S3's listing order. Names that are not valid
/// UTF-16 (lone surrogates) throw <see cref="ArgumentException"/>, as the index's own keys do.
/// </summary>
public static class IndexCoordinates
{
    /// <summary>The coordinate of <paramref name="key"/> in <paramref name="bucket"/>: <c>bucket 00 key</c>.</summary>
    public static byte[] Of(string bucket, string key)
    {
        var bucketLength = RecordWriter.StrictUtf8.GetByteCount(bucket);
        var coordinate = new byte[bucketLength + 1 + RecordWriter.StrictUtf8.GetByteCount(key)];
        RecordWriter.StrictUtf8.GetBytes(bucket, coordinate);
        RecordWriter.StrictUtf8.GetBytes(key, coordinate.AsSpan(bucketLength + 1));
        return coordinate;
    }

    /// <summary>The first coordinate of <paramref name="bucket"/>: <c>bucket 00</c>.</summary>
    public static byte[] BucketStart(string bucket) => [.. RecordWriter.StrictUtf8.GetBytes(bucket), 0x00];

    /// <summary>The first coordinate after <paramref name="bucket"/>: <c>bucket 01</c>.</summary>
    public static byte[] BucketEnd(string bucket) => [.. RecordWriter.StrictUtf8.GetBytes(bucket), 0x01];

    /// <summary>The coordinate after every coordinate: 0xFF never occurs in UTF-8.</summary>
    public static byte[] Last => [0xFF];

    /// <summary>Whether <paramref name="coordinate"/> lies in [<see cref="RangeRoute.Start"/>, <see cref="RangeRoute.End"/>) of <paramref name="route"/>.</summary>
    public static bool InRange(RangeRoute route, ReadOnlySpan<byte> coordinate)
    {
        ArgumentNullException.ThrowIfNull(route);
        return coordinate.SequenceCompareTo(route.Start) >= 0 && (route.End is null || coordinate.SequenceCompareTo(route.End) < 0);
    }
}
