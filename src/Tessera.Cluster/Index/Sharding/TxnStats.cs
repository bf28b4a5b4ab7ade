namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// What <see cref="EtcdIndexStore"/> sent to etcd (tests assert etcd's limits with it): how many Txns, the most compares
/// and operations in one, and the largest request in bytes. Thread-safe; <see cref="Reset"/> starts over.
/// </summary>
internal sealed class TxnStats
{
    private long _txns;
    private int _maxCompares;
    private int _maxOps;
    private int _maxBytes;

    /// <summary>Txns sent.</summary>
    public long Txns => Interlocked.Read(ref _txns);

    /// <summary>The most compares in one Txn.</summary>
    public int MaxCompares => Volatile.Read(ref _maxCompares);

    /// <summary>The most operations in one branch (success or failure) of one Txn.</summary>
    public int MaxOps => Volatile.Read(ref _maxOps);

    /// <summary>The largest Txn request, in bytes.</summary>
    public int MaxBytes => Volatile.Read(ref _maxBytes);

    /// <summary>Counts one Txn.</summary>
    public void Record(int compares, int ops, int bytes)
    {
        Interlocked.Increment(ref _txns);
        Raise(ref _maxCompares, compares);
        Raise(ref _maxOps, ops);
        Raise(ref _maxBytes, bytes);
    }

    /// <summary>Starts counting again.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _txns, 0);
        Volatile.Write(ref _maxCompares, 0);
        Volatile.Write(ref _maxOps, 0);
        Volatile.Write(ref _maxBytes, 0);
    }

    private static void Raise(ref int field, int value)
    {
        var current = Volatile.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
