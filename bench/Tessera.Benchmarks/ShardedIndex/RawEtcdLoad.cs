using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Tessera.Benchmarks.ShardedIndex;

/// <summary>
/// etcd's own write rate, the baseline of the index's: Txns of plain puts under a scratch prefix from the same number of
/// threads and the same client, without reads or compares. One put of a manifest-sized value is "etcd's put rate"; four
/// puts of the sizes a PutObject commits (version and latest pointer of a manifest each, a segment reference, an empty
/// guard) is the same write as the index's commit without its read Txn and its compares.
/// </summary>
internal static class RawEtcdLoad
{
    /// <summary>Writes for <paramref name="duration"/>; the caller deletes <paramref name="prefix"/> afterwards.</summary>
    public static LoadResult Run(EtcdClient[] clients, string prefix, int threads, TimeSpan duration, bool commitShaped, int manifestBytes)
    {
        var value = ByteString.CopyFrom(new byte[manifestBytes]);
        var reference = ByteString.CopyFrom(new byte[60]);
        var sequence = new long[threads];
        return LoadDriver.ForDuration(threads, duration, t =>
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"{prefix}{t:D3}/tenant-03/2025-11-07/{sequence[t]++:D12}.parquet");
            var txn = new TxnRequest();
            txn.Success.Add(Put("V" + key, value));
            if (commitShaped)
            {
                txn.Success.Add(Put("L" + key, value));
                txn.Success.Add(Put("R" + key, reference));
                txn.Success.Add(Put("K" + key, ByteString.Empty));
            }

            clients[t % clients.Length].Transaction(txn);
        });
    }

    private static RequestOp Put(string key, ByteString value) => new() { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = value } };
}
