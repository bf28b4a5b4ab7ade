using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Index.Sharding;
using Tessera.Index;
using static Tessera.Tests.Cluster.Sharding.ShardedIndex;

namespace Tessera.Tests.Cluster.Sharding;

/// <summary>
/// What a range move leaves behind: records in a group that no longer routes their coordinate are copies, ignored by
/// every call; once the records of a moved object (and its segment's reference) are copied where its range now lives,
/// the object is found there, its segment is referenced once, and the copies left in the source change nothing.
/// </summary>
[Collection(ShardingCollection.Name)]
public sealed class EtcdIndexStoreMoveTests(IndexGroupsFixture etcd)
{
    [Fact]
    public void RecordsOfARangeTheGroupNoLongerHoldsAreIgnoredUntilCopiedWhereTheRangeLives()
    {
        var (a, b) = etcd.Groups();
        var catalog = new MemoryBucketCatalog();
        var time = new ManualTimeProvider(Now);
        using var before = ShardedIndex.Store(Directory(a, b, "photos/m"), catalog, time);
        before.CreateBucket(Bucket("photos"));
        var cat = before.PutObject("photos", Manifest("cat")).Stored!;
        var zebra = before.PutObject("photos", Manifest("zebra")).Stored!;
        Assert.Equal(2, before.ReferencedSegments().Count());

        // The directory after the ranges swapped groups, before any record was copied: everything is a copy left behind.
        var swapped = new FixedRangeDirectory([("r0", [], b), ("r1", IndexCoordinates.Of("photos", "m"), a)]);
        GroupFence.Bump(a, TimeSpan.FromSeconds(5));
        GroupFence.Bump(b, TimeSpan.FromSeconds(5));
        swapped.Refresh();
        using var after = ShardedIndex.Store(swapped, catalog, time);
        Assert.Null(after.GetObject("photos", "cat"));
        Assert.Empty(after.ListObjects("photos", new ListObjectsQuery("", null, null, 1000)).Objects);
        Assert.False(after.IsSegmentReferenced(cat.Segments[0].Segment));
        Assert.Null(after.GetSegment(zebra.Segments[0].Segment));
        Assert.Empty(after.ReferencedSegments());

        // The mover copies cat's records and its segment's reference from a to b: cat is back, once.
        var copied = CopyObject(a, b, "photos", "cat", cat.Segments[0].Segment);
        Assert.Equal(cat.ETag, after.GetObject("photos", "cat")!.ETag);
        Assert.Equal(["cat"], after.ListObjects("photos", new ListObjectsQuery("", null, null, 1000)).Objects.Select(o => o.Key));
        Assert.Equal(cat.VersionId, after.FindSegmentOwner(cat.Segments[0].Segment)!.VersionId);
        Assert.Equal([cat.Segments[0].Segment], after.ReferencedSegments().Select(s => s.Segment));

        // A write after the move goes on from the copied records; the copies left in a change nothing.
        Assert.Equal(PutObjectStatus.Committed, after.PutObject("photos", Manifest("cat", "moved")).Status);
        Assert.Equal("moved", after.GetObject("photos", "cat")!.ETag);
        Assert.Single(after.ReferencedSegments());
        Within.Log($"{copied} records copied for one object");
    }

    /// <summary>Copies the object-scoped records of one object and its segment's reference from one group to another (what a mover does).</summary>
    private static int CopyObject(IndexGroup from, IndexGroup to, string bucket, string key, Guid segment)
    {
        var coordinate = IndexCoordinates.Of(bucket, key);
        var prefix = Encoding.UTF8.GetBytes(from.KeyPrefix);
        var all = from.Client.Get(new RangeRequest { Key = ByteString.CopyFrom(prefix), RangeEnd = ByteString.CopyFrom([.. prefix[..^1], (byte)(prefix[^1] + 1)]) }, cancellationToken: Within.Ct);
        var reference = new byte[18];
        IndexKeys.SegmentReference(reference, segment);
        var copied = 0;
        foreach (var kv in all.Kvs)
        {
            var indexKey = kv.Key.Span[prefix.Length..];
            var objectScoped = indexKey.Length > 2 && indexKey[0] is 0x02 or 0x03 or 0x08 or 0x09 or 0x0A or 0x0B or 0x0C or 0x0E
                && EtcdIndexKeys.CoordinateOf(indexKey).SequenceEqual(coordinate);
            if (objectScoped || indexKey.SequenceEqual(reference))
            {
                to.Client.Put(new PutRequest { Key = ByteString.CopyFrom([.. Encoding.UTF8.GetBytes(to.KeyPrefix), .. indexKey]), Value = kv.Value }, cancellationToken: Within.Ct);
                copied++;
            }
        }

        return copied;
    }
}
