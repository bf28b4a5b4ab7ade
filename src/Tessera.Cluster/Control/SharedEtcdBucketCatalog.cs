using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tessera.Index;
using Tessera.Storage;

namespace Tessera.Cluster.Control;

/// <summary>
/// The cluster's bucket records in etcd (<c>/tessera/buckets/&lt;name&gt;</c>, a <see cref="BucketRecord"/> in JSON, as
/// <see cref="EtcdBucketCatalog"/> keeps them) for a cluster where every node writes them: the range-sharded index,
/// whose every gateway runs its own <c>EtcdIndexStore</c>.
/// </summary>
/// <remarks>
/// <para><b>Reads</b> go to etcd on every call (one linearizable Range): a bucket created or changed through another node
/// is seen at once (read-after-write across gateways), at the price of one etcd round trip per lookup. There is no copy
/// to go stale.</para>
/// <para><b>Writes</b> are one Txn each that holds only while the key's mod revision is the one the same thread's last
/// <see cref="Get"/> of that bucket saw (the store reads the record, then writes it, under its bucket lock): a record
/// another node changed in between fails the compare and the call throws <see cref="StorageUnavailableException"/> (503:
/// the client retries and is answered from the new record). Two nodes creating one bucket at once: one creates it, the
/// other is refused and, retried, finds it. When etcd does not answer, the write may or may not have happened; the call
/// throws <see cref="StorageUnavailableException"/> and the next read tells.</para>
/// </remarks>
public sealed class SharedEtcdBucketCatalog : IBucketCatalog
{
    private const int PageSize = 500;

    [ThreadStatic]
    private static LastRead? _lastRead;

    private readonly EtcdClient _client;
    private readonly EtcdKeys _keys;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    /// <summary>A catalog over <paramref name="client"/> (not disposed here).</summary>
    /// <param name="client">The control plane's etcd client.</param>
    /// <param name="options">Key prefix and request timeout; defaults when null.</param>
    /// <param name="logger">Where refused and uncertain writes are logged.</param>
    public SharedEtcdBucketCatalog(EtcdClient client, ControlPlaneOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new ControlPlaneOptions();
        options.Validate();
        _client = client;
        _keys = new EtcdKeys(options.KeyPrefix);
        _timeout = options.RequestTimeout;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    /// <exception cref="StorageUnavailableException">etcd does not answer.</exception>
    public BucketInfo? Get(string name)
    {
        var key = EtcdKeys.Bytes(_keys.Bucket(name));
        var response = Call(name, "read", () => _client.Get(new RangeRequest { Key = key }, deadline: Deadline()));
        var kv = response.Kvs.FirstOrDefault();
        _lastRead = new LastRead(this, name, kv?.ModRevision ?? 0);
        return kv is null ? null : Read(kv).ToBucketInfo();
    }

    /// <inheritdoc/>
    /// <exception cref="StorageUnavailableException">etcd did not confirm the write, or another node changed the record since it was read.</exception>
    public void Put(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var key = EtcdKeys.Bytes(_keys.Bucket(bucket.Name));
        var value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(BucketRecord.From(bucket), ControlJsonContext.Default.BucketRecord));
        var expected = Expected(bucket.Name);
        var txn = Guarded(key, expected);
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = value } });
        Commit(bucket.Name, "put", expected, txn);
        _lastRead = null;
    }

    /// <inheritdoc/>
    /// <exception cref="StorageUnavailableException">etcd did not confirm the delete, or another node changed the record since it was read.</exception>
    public void Delete(string name)
    {
        var expected = Expected(name);
        if (expected == 0)
        {
            return;
        }

        var key = EtcdKeys.Bytes(_keys.Bucket(name));
        var txn = Guarded(key, expected);
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
        Commit(name, "delete", expected, txn);
        _lastRead = null;
    }

    /// <inheritdoc/>
    /// <exception cref="StorageUnavailableException">etcd does not answer.</exception>
    public IReadOnlyList<BucketInfo> List()
    {
        var prefix = _keys.BucketsPrefix;
        var start = EtcdKeys.Bytes(prefix);
        var end = EtcdKeys.RangeEnd(prefix);
        var buckets = new List<BucketInfo>();
        long revision = 0;
        while (true)
        {
            var request = new RangeRequest { Key = start, RangeEnd = end, Limit = PageSize, Revision = revision };
            var page = Call("*", "list", () => _client.Get(request, deadline: Deadline()));

            // The header carries the store's current revision: the first page fixes the one the others are read at.
            if (revision == 0)
            {
                revision = page.Header.Revision;
            }

            buckets.AddRange(page.Kvs.Select(kv => Read(kv).ToBucketInfo()));
            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            start = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }

        buckets.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return buckets;
    }

    /// <summary>The mod revision this thread's last <see cref="Get"/> of <paramref name="name"/> saw, read now when there was none.</summary>
    private long Expected(string name)
    {
        if (_lastRead is { } last && ReferenceEquals(last.Catalog, this) && last.Name == name)
        {
            return last.ModRevision;
        }

        _ = Get(name);
        return _lastRead!.ModRevision;
    }

    private static TxnRequest Guarded(ByteString key, long modRevision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
        return txn;
    }

    private void Commit(string name, string operation, long expected, TxnRequest txn)
    {
        var response = Call(name, operation, () => _client.Transaction(txn, deadline: Deadline()), uncertain: true);
        if (!response.Succeeded)
        {
            var actual = response.Responses[0].ResponseRange.Kvs.FirstOrDefault()?.ModRevision ?? 0;
            ControlLog.BucketRecordConflict(_logger, name, operation, expected, actual);
            throw new StorageUnavailableException($"The record of bucket {name} changed through another node; the {operation} was refused: try again.");
        }
    }

    /// <summary>Runs a blocking etcd call (bucket calls are synchronous in the index), turning etcd failures into 503s.</summary>
    private T Call<T>(string name, string operation, Func<T> call, bool uncertain = false)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            _lastRead = null;
            if (uncertain)
            {
                ControlLog.BucketWriteUncertain(_logger, operation, name, e);
            }

            throw new StorageUnavailableException($"etcd did not answer the {operation} of bucket {name}: {e.Message}", e);
        }
    }

    private DateTime Deadline() => DateTime.UtcNow + _timeout;

    private static BucketRecord Read(Mvccpb.KeyValue kv)
    {
        try
        {
            return JsonSerializer.Deserialize(kv.Value.Span, ControlJsonContext.Default.BucketRecord)
                ?? throw new InvalidDataException($"The bucket record at {kv.Key.ToStringUtf8()} is null.");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"The bucket record at {kv.Key.ToStringUtf8()} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>What a thread's last <see cref="Get"/> saw: the catalog, the bucket and the key's mod revision (0: absent).</summary>
    private sealed record LastRead(SharedEtcdBucketCatalog Catalog, string Name, long ModRevision);
}
