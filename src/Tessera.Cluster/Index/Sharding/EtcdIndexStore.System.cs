using Etcdserverpb;
using Google.Protobuf;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>
/// System records (<c>10 'Y' name</c>, RocksDB's layout): group-level keys of the directory's first group, which no
/// range move copies or deletes; read and written through the group's fence like every request.
/// </content>
public sealed partial class EtcdIndexStore
{
    /// <inheritdoc/>
    public byte[]? GetSystemRecord(string name)
    {
        var key = IndexKeys.SystemRecord(name);
        ThrowIfDisposed();
        return Retrying(() => ViewOf(_directory.Groups[0]).Get(key) is { } kv ? kv.Value.ToByteArray() : null);
    }

    /// <inheritdoc/>
    public void PutSystemRecord(string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, IndexKeys.MaxSystemRecordBytes, nameof(value));
        var key = IndexKeys.SystemRecord(name);
        ThrowIfDisposed();
        Retrying(() =>
        {
            var view = ViewOf(_directory.Groups[0]);
            var txn = new TxnRequest();
            txn.Compare.Add(view.FenceCompare());
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = view.Full(key), Value = ByteString.CopyFrom(value) } });
            return view.Send(txn).Succeeded;
        });
    }
}
