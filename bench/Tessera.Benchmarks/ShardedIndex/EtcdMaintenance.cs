using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>etcd's maintenance API, as <c>etcdctl endpoint status</c>, <c>compaction --physical</c> and <c>defrag</c> use it.</summary>
internal static class EtcdMaintenance
{
    /// <summary>The backend's file size, the part of it in use, and the current revision.</summary>
    public static (long DbSize, long DbSizeInUse, long Revision) Status(EtcdClient client)
    {
        var status = client.StatusAsync(new StatusRequest()).GetAwaiter().GetResult();
        return (status.DbSize, status.DbSizeInUse, status.Header.Revision);
    }

    /// <summary>Compacts every revision before the current one and waits until the compaction is applied (physical).</summary>
    public static void Compact(EtcdClient client)
    {
        var revision = Status(client).Revision;
        client.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }).GetAwaiter().GetResult();
    }

    /// <summary>Rewrites the backend without its free pages (blocks the member while it runs).</summary>
    public static void Defragment(EtcdClient client) => client.DefragmentAsync(new DefragmentRequest()).GetAwaiter().GetResult();

    /// <summary>How many keys start with <paramref name="prefix"/>.</summary>
    public static long Count(EtcdClient client, byte[] prefix)
    {
        var end = prefix.ToArray();
        end[^1]++;
        return client.Get(new RangeRequest { Key = ByteString.CopyFrom(prefix), RangeEnd = ByteString.CopyFrom(end), CountOnly = true }).Count;
    }

    /// <summary>Deletes every key that starts with <paramref name="prefix"/>.</summary>
    public static void DeletePrefix(EtcdClient client, string prefix)
    {
        var start = Encoding.UTF8.GetBytes(prefix);
        var end = start.ToArray();
        end[^1]++;
        client.Delete(new DeleteRangeRequest { Key = ByteString.CopyFrom(start), RangeEnd = ByteString.CopyFrom(end) });
    }
}
