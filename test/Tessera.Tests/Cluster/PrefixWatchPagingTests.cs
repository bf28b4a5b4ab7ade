using System.Collections.Immutable;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Cluster.Control;

namespace Tessera.Tests.Cluster;

/// <summary>
/// A watch's first load pages through the prefix (500 keys a page) at ONE revision, then watches from the next one:
/// a key written between two pages is either in the load or in the watch, never lost.
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class PrefixWatchPagingTests(EtcdClusterFixture etcd)
{
    [Fact]
    public async Task AKeyOfTheFirstPageChangedWhileLaterPagesLoadIsNotLost()
    {
        using var client = etcd.Client();
        var prefix = EtcdClusterFixture.Options().KeyPrefix + "paging/";
        for (var i = 0; i < 1_600; i += 100)
        {
            var txn = new TxnRequest();
            for (var j = i; j < i + 100; j++)
            {
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Key(prefix, j), Value = ByteString.CopyFromUtf8("before") } });
            }

            await client.TransactionAsync(txn, cancellationToken: Within.Ct);
        }

        // When the load reaches the second page, the first key (on the first page, already read) changes.
        var changed = false;
        await using var watch = new PrefixWatch<ImmutableDictionary<string, string>>(
            client, prefix, ImmutableDictionary<string, string>.Empty,
            (state, key, value) =>
            {
                if (key == "00500" && !changed)
                {
                    changed = true;
                    client.Put(new PutRequest { Key = Key(prefix, 0), Value = ByteString.CopyFromUtf8("changed between pages") });
                }

                return value is null ? state.Remove(key) : state.SetItem(key, value.ToStringUtf8());
            },
            TimeSpan.FromSeconds(5), NullLogger.Instance);
        await watch.StartAsync(Within.Ct);
        Assert.True(changed);

        var state = await Within.Seconds(10, watch.WaitForAsync(s => s.GetValueOrDefault("00000") == "changed between pages", Within.Ct), "the watch to see the first key's change");
        Assert.Equal(1_600, state.Count);
    }

    private static ByteString Key(string prefix, int i) => ByteString.CopyFromUtf8($"{prefix}{i:D5}");
}
