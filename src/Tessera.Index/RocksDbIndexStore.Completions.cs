using System.Text.Json;
using RocksDbSharp;

namespace Tessera.Index;

/// <summary>Completed uploads, remembered for retried completions (<c>0B 'C'</c>).</summary>
public sealed partial class RocksDbIndexStore
{
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

        using var recordKey = IndexKeys.CompletedUpload(stackalloc byte[KeyBuffer.StackSize], uploadId);
        var value = _db.Get(recordKey.Span);
        return value is not null && ReadCompleted(value) is { } completed && completed.Bucket == bucket && completed.Key == key ? completed : null;
    }

    /// <inheritdoc/>
    public int PruneCompletedUploads(DateTimeOffset before)
    {
        ThrowIfDisposed();
        var pruned = 0;
        using var batch = new WriteBatch();
        using (var iterator = _db.NewIterator())
        {
            var space = IndexKeys.CompletedUploadSpace;
            for (iterator.Seek(space); iterator.Valid() && iterator.GetKeySpan().StartsWith(space); iterator.Next())
            {
                if (ReadCompleted(iterator.GetValueSpan().ToArray()) is not { } completed || completed.Completed < before)
                {
                    batch.Delete(iterator.GetKeySpan());
                    pruned++;
                }
            }
        }

        if (pruned > 0)
        {
            _db.Write(batch, _syncWrite);
        }

        return pruned;
    }

    /// <summary>Stages the record of a completion in the completing batch.</summary>
    private void StageCompleted(WriteBatch batch, CompletedUpload completed)
    {
        using var recordKey = IndexKeys.CompletedUpload(stackalloc byte[KeyBuffer.StackSize], completed.UploadId);
        batch.Put(recordKey.Span, JsonSerializer.SerializeToUtf8Bytes(completed, IndexJson.Default.CompletedUpload));
    }

    private static CompletedUpload? ReadCompleted(byte[] value)
    {
        try
        {
            return JsonSerializer.Deserialize(value, IndexJson.Default.CompletedUpload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
