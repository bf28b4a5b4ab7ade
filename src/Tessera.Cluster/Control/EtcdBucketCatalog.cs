using System.Collections.Concurrent;
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
/// The cluster's bucket records in etcd, at <c>/tessera/buckets/&lt;name&gt;</c> (a <see cref="BucketRecord"/> in JSON),
/// as the <see cref="IBucketCatalog"/> of the index node's <see cref="RocksDbIndexStore"/>.
/// </summary>
/// <remarks>
/// <para><b>Reads</b> are served from an in-memory copy loaded at start (<see cref="LoadAsync"/>): no etcd request on
/// the request path. The copy is exact because the index node is the only writer of these keys and the store calls
/// <see cref="Put"/> and <see cref="Delete"/> under the bucket's writer lock, after reading the record under it.</para>
/// <para><b>Writes</b> are one etcd Txn each, answered after etcd committed it (a majority of members fsynced it):
/// the put or delete holds only while the key's mod revision is still the one in the copy (0: absent). That makes
/// the single-writer rule checked rather than assumed: a record changed behind the index node's back (etcdctl, a
/// second index node by mistake) fails the compare, the copy takes etcd's record from the Txn's answer, and the call
/// throws <see cref="StorageUnavailableException"/> (503: the client retries and is answered from etcd's record).</para>
/// <para><b>Uncertain writes.</b> When etcd does not answer (a timeout, no leader), the write may or may not have
/// committed: the call throws <see cref="StorageUnavailableException"/> and the bucket is marked unknown in the copy;
/// the next read of it reads the key from etcd (blocking, once) before answering, so neither an object write nor a
/// later bucket change acts on a guess.</para>
/// </remarks>
public sealed class EtcdBucketCatalog : IBucketCatalog
{
    private const int PageSize = 500;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly EtcdClient _client;
    private readonly EtcdKeys _keys;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private EtcdBucketCatalog(EtcdClient client, ControlPlaneOptions options, ILogger logger)
    {
        _client = client;
        _keys = new EtcdKeys(options.KeyPrefix);
        _timeout = options.RequestTimeout;
        _logger = logger;
    }

    /// <summary>The etcd revision the copy was loaded at.</summary>
    public long LoadedRevision { get; private set; }

    /// <summary>
    /// Loads every bucket record under the prefix at one revision (paged, every page at that revision). etcd failures
    /// are retried until <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <param name="client">The etcd client (not disposed here).</param>
    /// <param name="options">Key prefix and request timeout; defaults when null.</param>
    /// <param name="logger">Where uncertain writes and conflicts are logged.</param>
    /// <param name="cancellationToken">Stops the retries.</param>
    /// <exception cref="InvalidDataException">A record cannot be read: the index node does not start on a guess.</exception>
    public static async Task<EtcdBucketCatalog> LoadAsync(EtcdClient client, ControlPlaneOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new ControlPlaneOptions();
        options.Validate();
        var catalog = new EtcdBucketCatalog(client, options, logger ?? NullLogger.Instance);
        while (true)
        {
            try
            {
                await catalog.LoadOnceAsync(cancellationToken).ConfigureAwait(false);
                ControlLog.BucketsLoaded(catalog._logger, catalog._entries.Count, catalog.LoadedRevision);
                return catalog;
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, cancellationToken))
            {
                ControlLog.WatchFailed(catalog._logger, catalog._keys.BucketsPrefix, e.Message, 0);
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public BucketInfo? Get(string name)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            return null;
        }

        return entry.Known ? entry.Bucket : Resolve(name, entry).Bucket;
    }

    /// <inheritdoc/>
    /// <exception cref="StorageUnavailableException">etcd did not confirm the write, or the record changed behind this catalog.</exception>
    public void Put(BucketInfo bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var key = EtcdKeys.Bytes(_keys.Bucket(bucket.Name));
        var value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(BucketRecord.From(bucket), ControlJsonContext.Default.BucketRecord));
        var expected = Known(bucket.Name).ModRevision;
        var txn = Guarded(key, expected);
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = value } });
        var response = Commit(bucket.Name, "put", txn);
        if (!response.Succeeded)
        {
            throw Conflict(bucket.Name, "put", expected, response);
        }

        // A Txn's writes all carry the revision in its header.
        _entries[bucket.Name] = new Entry(bucket, response.Header.Revision);
    }

    /// <inheritdoc/>
    /// <exception cref="StorageUnavailableException">etcd did not confirm the delete, or the record changed behind this catalog.</exception>
    public void Delete(string name)
    {
        var expected = Known(name).ModRevision;
        if (expected == 0)
        {
            return;
        }

        var key = EtcdKeys.Bytes(_keys.Bucket(name));
        var txn = Guarded(key, expected);
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
        var response = Commit(name, "delete", txn);
        if (!response.Succeeded)
        {
            throw Conflict(name, "delete", expected, response);
        }

        _entries.TryRemove(name, out _);
    }

    /// <inheritdoc/>
    public IReadOnlyList<BucketInfo> List()
    {
        var buckets = new List<BucketInfo>(_entries.Count);
        foreach (var (name, entry) in _entries)
        {
            if ((entry.Known ? entry : Resolve(name, entry)).Bucket is { } bucket)
            {
                buckets.Add(bucket);
            }
        }

        buckets.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return buckets;
    }

    /// <summary>The known entry of <paramref name="name"/> (an absent one when there is none), read from etcd first when unknown.</summary>
    private Entry Known(string name) =>
        !_entries.TryGetValue(name, out var entry) ? Entry.Absent
        : entry.Known ? entry
        : Resolve(name, entry);

    /// <summary>A Txn that holds while the key's mod revision is <paramref name="modRevision"/> and answers with the key when it does not.</summary>
    private static TxnRequest Guarded(ByteString key, long modRevision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
        return txn;
    }

    private TxnResponse Commit(string name, string operation, TxnRequest txn)
    {
        try
        {
            // Blocking: bucket changes are rare and the store calls the catalog synchronously under its lock.
            return _client.Transaction(txn, deadline: DateTime.UtcNow + _timeout);
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            _entries[name] = new Entry(null, 0, known: false);
            ControlLog.BucketWriteUncertain(_logger, operation, name, e);
            throw new StorageUnavailableException($"etcd did not confirm the {operation} of bucket {name}: {e.Message}", e);
        }
    }

    private StorageUnavailableException Conflict(string name, string operation, long expected, TxnResponse response)
    {
        var kv = response.Responses[0].ResponseRange.Kvs.FirstOrDefault();
        var entry = kv is null ? Entry.Absent : Read(kv.Value, kv.ModRevision, kv.Key.ToStringUtf8());
        _entries[name] = entry;
        ControlLog.BucketRecordConflict(_logger, name, operation, expected, entry.ModRevision);
        return new StorageUnavailableException($"The record of bucket {name} changed in etcd outside the index node; the {operation} was refused.");
    }

    /// <summary>Reads an unknown bucket's key from etcd and puts what it holds in the copy, unless a write replaced the entry meanwhile.</summary>
    /// <exception cref="StorageUnavailableException">etcd does not answer.</exception>
    private Entry Resolve(string name, Entry unknown)
    {
        RangeResponse response;
        try
        {
            response = _client.Get(new RangeRequest { Key = EtcdKeys.Bytes(_keys.Bucket(name)) }, deadline: DateTime.UtcNow + _timeout);
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            throw new StorageUnavailableException($"The record of bucket {name} is uncertain and etcd does not answer: {e.Message}", e);
        }

        var kv = response.Kvs.FirstOrDefault();
        var entry = kv is null ? Entry.Absent : Read(kv.Value, kv.ModRevision, kv.Key.ToStringUtf8());

        // Only over the same unknown entry: a write (under the bucket's lock) that completed since knows better.
        if (_entries.TryUpdate(name, entry, unknown))
        {
            return entry;
        }

        return !_entries.TryGetValue(name, out var now) ? Entry.Absent : now.Known ? now : entry;
    }

    private async Task LoadOnceAsync(CancellationToken cancellationToken)
    {
        _entries.Clear();
        var prefix = _keys.BucketsPrefix;
        var start = EtcdKeys.Bytes(prefix);
        var end = EtcdKeys.RangeEnd(prefix);
        long revision = 0;
        while (true)
        {
            var request = new RangeRequest { Key = start, RangeEnd = end, Limit = PageSize, Revision = revision };
            var page = await _client.GetAsync(request, deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            // A response's header carries the store's current revision, not the one asked for: only the first page
            // fixes the revision; the others are read at it.
            if (revision == 0)
            {
                revision = page.Header.Revision;
            }
            foreach (var kv in page.Kvs)
            {
                var key = kv.Key.ToStringUtf8();
                var entry = Read(kv.Value, kv.ModRevision, key);
                _entries[key[prefix.Length..]] = entry;
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            start = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }

        LoadedRevision = revision;
    }

    private static Entry Read(ByteString value, long modRevision, string key)
    {
        try
        {
            var record = JsonSerializer.Deserialize(value.Span, ControlJsonContext.Default.BucketRecord)
                ?? throw new InvalidDataException($"The bucket record at {key} is null.");
            return new Entry(record.ToBucketInfo(), modRevision);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"The bucket record at {key} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// A bucket in the copy: its record (null: absent) and the key's mod revision, or unknown after an uncertain
    /// write. Compared by reference, so a read-back replaces only the unknown entry it started from.
    /// </summary>
    private sealed class Entry(BucketInfo? bucket, long modRevision, bool known = true)
    {
        public static readonly Entry Absent = new(null, 0);

        public BucketInfo? Bucket { get; } = bucket;

        public long ModRevision { get; } = modRevision;

        public bool Known { get; } = known;
    }
}
