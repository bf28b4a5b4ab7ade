using System.Collections.Concurrent;
using Etcdserverpb;
using Google.Protobuf;

namespace Tessera.Cluster.Index.Sharding;

/// <summary>
/// The witness of the read path: for an object, the mod revision of its guard key (<see cref="EtcdIndexKeys.Guard"/>),
/// which every mutation of the object writes in its own Txn, read linearizably and fenced. Concurrent questions to one
/// group share one etcd Txn (one quorum read for up to <see cref="MaxBatch"/> objects).
/// </summary>
/// <remarks>
/// A question is answered only by a Txn sent after it was asked: while a Txn is in flight, new questions wait for the
/// next one, since the one in flight may have been linearized before they began. That is what makes an answer a
/// barrier: no write acknowledged before the question can be missing from it.
/// </remarks>
public sealed class WitnessReader
{
    /// <summary>At most this many objects per Txn (etcd allows 128 operations; one is the fence compare's read).</summary>
    public const int MaxBatch = 100;

    private readonly IRangeDirectory _directory;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<string, GroupQueue> _queues = new(StringComparer.Ordinal);
    private long _txns;
    private long _questions;

    /// <summary>A witness reader over <paramref name="directory"/>.</summary>
    public WitnessReader(IRangeDirectory directory, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _directory = directory;
        _timeout = timeout ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>Witness Txns sent (quorum reads).</summary>
    public long Txns => Interlocked.Read(ref _txns);

    /// <summary>Questions answered.</summary>
    public long Questions => Interlocked.Read(ref _questions);

    /// <summary>
    /// The group holding the object and its guard's mod revision there (0: the object has never been written, or its
    /// records are gone), as of a moment after this call began. A stale route re-reads the directory and asks again.
    /// </summary>
    public (string Group, long Revision) Read(string bucket, string key)
    {
        var coordinate = IndexCoordinates.Of(bucket, key);
        for (var attempt = 0; ; attempt++)
        {
            var route = _directory.Route(coordinate);
            if (TryRead(route, bucket, key, out var revision))
            {
                Interlocked.Increment(ref _questions);
                return (route.Group.Name, revision);
            }

            // A stale route: read the directory again and ask the group that holds the object now.
            _directory.Refresh();
            if (attempt >= 8)
            {
                throw new FenceFailedException(route.Group.Name, route.Generation);
            }
        }
    }

    private bool TryRead(RangeRoute route, string bucket, string key, out long revision)
    {
        var question = new Question(ByteString.CopyFrom([.. System.Text.Encoding.UTF8.GetBytes(route.Group.KeyPrefix), .. EtcdIndexKeys.Guard(bucket, key)]), route.Generation);
        var queue = _queues.GetOrAdd(route.Group.Name + "#" + route.Generation, _ => new GroupQueue(this, route.Group, route.Generation));
        queue.Ask(question);
        if (!question.Answer.Task.Wait(_timeout * 2))
        {
            throw new TimeoutException($"The witness of {bucket}/{key} did not answer within {_timeout * 2}.");
        }

        revision = question.Answer.Task.Result;
        return revision >= 0;
    }

    private sealed record Question(ByteString GuardKey, long Generation)
    {
        public TaskCompletionSource<long> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The questions to one group under one generation, sent as batches, one Txn in flight at a time.</summary>
    private sealed class GroupQueue(WitnessReader owner, IndexGroup group, long generation)
    {
        private readonly Lock _lock = new();
        private List<Question> _waiting = [];
        private bool _sending;

        public void Ask(Question question)
        {
            lock (_lock)
            {
                _waiting.Add(question);
                if (_sending)
                {
                    return; // The loop in flight takes it with the next batch.
                }

                _sending = true;
            }

            _ = Task.Run(SendLoopAsync);
        }

        private async Task SendLoopAsync()
        {
            while (true)
            {
                List<Question> batch;
                lock (_lock)
                {
                    if (_waiting.Count == 0)
                    {
                        _sending = false;
                        return;
                    }

                    batch = _waiting.Count <= MaxBatch ? _waiting : _waiting[..MaxBatch];
                    _waiting = _waiting.Count <= MaxBatch ? [] : _waiting[MaxBatch..];
                }

                try
                {
                    var txn = new TxnRequest();
                    txn.Compare.Add(new Compare { Key = GroupFence.Key(group), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = GroupFence.Encode(generation) });
                    foreach (var question in batch)
                    {
                        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = question.GuardKey, KeysOnly = true } });
                    }

                    Interlocked.Increment(ref owner._txns);
                    var response = await group.Client.TransactionAsync(txn, deadline: DateTime.UtcNow + owner._timeout).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var kvs = response.Succeeded ? response.Responses[i].ResponseRange.Kvs : null;
                        batch[i].Answer.TrySetResult(kvs is null ? -1 : kvs.Count == 0 ? 0 : kvs[0].ModRevision);
                    }
                }
                catch (Exception e)
                {
                    foreach (var question in batch)
                    {
                        question.Answer.TrySetException(e);
                    }
                }
            }
        }
    }
}
