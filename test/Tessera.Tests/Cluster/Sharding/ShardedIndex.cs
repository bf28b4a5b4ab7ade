using System.Text;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>An <see cref="EtcdIndexStore"/> over two groups with ranges given as "bucket/key" boundaries.</summary>
internal static class ShardedIndex
{
    /// <summary>
    /// A directory whose ranges alternate between group a and group b at <paramref name="boundaries"/> ("bucket/key":
    /// the coordinate bucket 00 key), starting with a.
    /// </summary>
    public static FixedRangeDirectory Directory(IndexGroup a, IndexGroup b, params string[] boundaries)
    {
        var ranges = new List<(string, byte[], IndexGroup)> { ("r0", [], a) };
        for (var i = 0; i < boundaries.Length; i++)
        {
            var slash = boundaries[i].IndexOf('/', StringComparison.Ordinal);
            var start = IndexCoordinates.Of(boundaries[i][..slash], boundaries[i][(slash + 1)..]);
            ranges.Add(("r" + (i + 1), start, i % 2 == 0 ? b : a));
        }

        return new FixedRangeDirectory(ranges);
    }

    public static EtcdIndexStore Store(IRangeDirectory directory, IBucketCatalog catalog, TimeProvider time, EtcdIndexOptions? options = null) =>
        new(directory, catalog, time, options);

    /// <summary>A coordinate as text, for messages.</summary>
    public static string Show(byte[] coordinate) => Encoding.UTF8.GetString(coordinate).Replace('\0', '/');
}
