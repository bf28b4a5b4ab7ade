using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Tessera.Cluster.Control;
using Tessera.Storage;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// A group's fence: the key <c>&lt;KeyPrefix&gt;fence</c> whose value is the group's generation as decimal text
/// (<c>1</c>, <c>2</c>, …; no sign, no leading zeros, so equal generations are equal bytes and etcd's value compare is
/// exact, and <c>etcdctl get</c> shows it as it is). Every request <see cref="EtcdIndexStore"/> sends to a group holds
/// only while the fence still has the generation of the route it used; whoever moves a range bumps the source group's
/// generation first, so a store still on the old route fails, refreshes its directory and retries.
/// </summary>
public static class GroupFence
{
    /// <summary>The fence key of <paramref name="group"/>.</summary>
    public static ByteString Key(IndexGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return ByteString.CopyFromUtf8(group.KeyPrefix + "fence");
    }

    /// <summary>The value that stands for <paramref name="generation"/>.</summary>
    public static ByteString Encode(long generation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(generation);
        return ByteString.CopyFromUtf8(generation.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The generation a fence value stands for; 0 when it is not one.</summary>
    public static long Decode(ByteString value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return long.TryParse(value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var generation) && generation > 0 ? generation : 0;
    }

    /// <summary>The group's generation, or null when its fence was never written.</summary>
    /// <exception cref="StorageUnavailableException">etcd did not answer within <paramref name="timeout"/>.</exception>
    public static long? Read(IndexGroup group, TimeSpan timeout)
    {
        var response = Call(group, () => group.Client.Get(new RangeRequest { Key = Key(group) }, deadline: DateTime.UtcNow + timeout));
        return response.Kvs.Count == 0 ? null : Decode(response.Kvs[0].Value);
    }

    /// <summary>Writes generation 1 unless the fence exists; returns the group's generation.</summary>
    /// <exception cref="StorageUnavailableException">etcd did not answer within <paramref name="timeout"/>.</exception>
    public static long Initialize(IndexGroup group, TimeSpan timeout)
    {
        var key = Key(group);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = Encode(1) } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
        var response = Call(group, () => group.Client.Transaction(txn, deadline: DateTime.UtcNow + timeout));
        return response.Succeeded ? 1 : Decode(response.Responses[0].ResponseRange.Kvs[0].Value);
    }

    /// <summary>
    /// Raises the generation by one (a compare-and-set on the current value, retried while another bump races it) and
    /// returns the new one: every route read before is stale from now on. A missing fence becomes generation 1.
    /// </summary>
    /// <exception cref="StorageUnavailableException">etcd did not answer within <paramref name="timeout"/>.</exception>
    public static long Bump(IndexGroup group, TimeSpan timeout)
    {
        var key = Key(group);
        while (true)
        {
            var current = Read(group, timeout);
            var next = (current ?? 0) + 1;
            var txn = new TxnRequest();
            txn.Compare.Add(current is { } value
                ? new Compare { Key = key, Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = Encode(value) }
                : new Compare { Key = key, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = Encode(next) } });
            if (Call(group, () => group.Client.Transaction(txn, deadline: DateTime.UtcNow + timeout)).Succeeded)
            {
                return next;
            }
        }
    }

    private static T Call<T>(IndexGroup group, Func<T> call)
    {
        ArgumentNullException.ThrowIfNull(group);
        try
        {
            return call();
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            throw new StorageUnavailableException($"Index group {group.Name} did not answer: {e.Message}", e);
        }
    }
}
