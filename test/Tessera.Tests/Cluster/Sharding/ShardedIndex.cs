using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>An <see cref="EtcdIndexStore"/> over two groups with ranges given as "bucket/key" boundaries, and the records the tests write.</summary>
internal static class ShardedIndex
{
    /// <summary>The tests' clock start.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

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

    public static BucketInfo Bucket(string name, VersioningState versioning = VersioningState.Unversioned) => new(name, "alice", Now, "us-east-1", versioning);

    public static SegmentManifest Segment(int part = 0) =>
        new() { PartNumber = part, Segment = Guid.NewGuid(), Size = 1, DataShards = 1, ParityShards = 1, ShardSize = 4096, Disks = ["d1", "d2"] };

    /// <summary>A version of one new segment.</summary>
    public static ObjectManifest Manifest(string key, string etag = "e") => new()
    {
        Key = key,
        VersionId = "",
        ETag = etag,
        Size = 1,
        LastModified = Now,
        Segments = [Segment()],
    };

    /// <summary>How many keys of <paramref name="group"/> start with <paramref name="prefix"/> (after the group's prefix), read from etcd directly.</summary>
    public static long Count(IndexGroup group, byte[] prefix)
    {
        byte[] start = [.. Encoding.UTF8.GetBytes(group.KeyPrefix), .. prefix];
        var end = start.ToArray();
        end[^1]++;
        return group.Client.Get(new RangeRequest { Key = ByteString.CopyFrom(start), RangeEnd = ByteString.CopyFrom(end), CountOnly = true }, cancellationToken: Within.Ct).Count;
    }
}
