using System.Text.Json;
using Etcdserverpb;
using Mvccpb;
using Tessera.Index;

namespace Tessera.Cluster.Index.Sharding;

/// <content>Completed uploads, remembered for retried completions (<c>0B 'C' bucket 00 key 00 uploadId</c>).</content>
public sealed partial class EtcdIndexStore
{
    /// <summary>
    /// Completed-upload records per Range request: one holds the completion's part list (about 40 bytes a part, so up to
    /// 400 KB for 10,000 parts), and a response must stay below gRPC's 4 MiB.
    /// </summary>
    private const int CompletedPage = 4;

    /// <inheritdoc/>
    public CompletedUpload? GetCompletedUpload(string bucket, string key, string uploadId)
    {
        IndexKeys.ValidateBucket(bucket);
        IndexKeys.ValidateKey(key);
        ThrowIfDisposed();
        if (!IndexKeys.IsValidUploadId(uploadId))
        {
            return null;
        }

        return ReadObject(bucket, key, (view, _) =>
            view.Get(EtcdIndexKeys.Completed(bucket, key, uploadId)) is { } kv && ReadCompleted(kv) is { } completed && completed.Bucket == bucket && completed.Key == key
                ? completed
                : null);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Scans each group's completed uploads at one revision and deletes those completed before <paramref name="before"/>
    /// (and unreadable ones), in fenced Txns of at most 100 deletes that compare each record.
    /// </remarks>
    public int PruneCompletedUploads(DateTimeOffset before)
    {
        ThrowIfDisposed();
        var pruned = 0;
        foreach (var group in _directory.Groups)
        {
            Retrying(() =>
            {
                var view = ViewOf(group);
                var space = IndexKeys.CompletedUploadSpace.ToArray();
                var old = view.Scan(space, EtcdIndexKeys.End(space), CompletedPage)
                    .Where(kv => ReadCompleted(kv) is not { } completed || completed.Completed < before)
                    .ToList();
                foreach (var chunk in old.Chunk(100))
                {
                    var txn = new TxnRequest();
                    txn.Compare.Add(view.FenceCompare());
                    foreach (var kv in chunk)
                    {
                        txn.Compare.Add(new Compare { Key = kv.Key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = kv.ModRevision });
                        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = kv.Key } });
                    }

                    if (!view.Send(txn).Succeeded)
                    {
                        throw new RetryException("A completed upload changed while it was pruned.");
                    }

                    pruned += chunk.Length;
                }

                return true;
            });
        }

        return pruned;
    }

    private static CompletedUpload? ReadCompleted(KeyValue kv)
    {
        try
        {
            return JsonSerializer.Deserialize(kv.Value.Span, IndexJson.Default.CompletedUpload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
