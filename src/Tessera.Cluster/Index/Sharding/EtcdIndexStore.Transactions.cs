using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using Tessera.Cluster.Control;
using Tessera.Storage;

namespace Tessera.Cluster.Index.Sharding;

/// <content>Sending Txns within etcd's limits, and the retry loops: fence refreshes, conflicts, frozen ranges.</content>
public sealed partial class EtcdIndexStore
{
    /// <summary>
    /// Sends one Txn to <paramref name="group"/>. Refuses (a bug) one over etcd's limits; counts it in <see cref="Stats"/>.
    /// </summary>
    /// <exception cref="StorageUnavailableException">etcd did not answer (the Txn may or may not have committed).</exception>
    /// <exception cref="RetryException">A read asked for a compacted revision.</exception>
    internal TxnResponse Send(IndexGroup group, TxnRequest txn)
    {
        var bytes = txn.CalculateSize();
        var ops = Math.Max(txn.Success.Count, txn.Failure.Count);
        if (txn.Compare.Count > EtcdIndexOptions.EtcdMaxTxnOps || ops > EtcdIndexOptions.EtcdMaxTxnOps || bytes > EtcdIndexOptions.EtcdMaxRequestBytes - 4096)
        {
            throw new InvalidOperationException($"A Txn of {txn.Compare.Count} compares, {ops} operations and {bytes} bytes is over etcd's limits.");
        }

        Stats.Record(txn.Compare.Count, ops, bytes);
        try
        {
            return group.Client.Transaction(txn, deadline: DateTime.UtcNow + Options.RequestTimeout);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange)
        {
            throw new RetryException($"Index group {group.Name} compacted the revision read at: {e.Status.Detail}");
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            throw new StorageUnavailableException($"Index group {group.Name} did not answer: {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs an object mutation: <paramref name="attempt"/> reads and stages writes on a fresh <see cref="ObjectMutation"/>
    /// of the object's route; its result is returned once its commit succeeded (or at once when it wrote nothing).
    /// A failed compare or a <see cref="RetryException"/> starts a new attempt after a jittered backoff; a fence failure
    /// refreshes the directory first. Other exceptions (<see cref="ArgumentException"/>) pass through.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Too many conflicts or fence failures, a frozen range that stays frozen, or etcd down.</exception>
    internal T Mutate<T>(string bucket, string key, Func<ObjectMutation, T> attempt)
    {
        var coordinate = IndexCoordinates.Of(bucket, key);
        var fenceFailures = 0;
        var attempts = 0;
        while (true)
        {
            var route = WritableRoute(coordinate);
            string reason;
            try
            {
                var mutation = new ObjectMutation(this, route, bucket, key);
                var result = attempt(mutation);
                if (!mutation.HasWrites || mutation.Commit())
                {
                    return result;
                }

                reason = "another mutation of the object committed first";
            }
            catch (FenceFailedException e)
            {
                RefreshAfter(e, ref fenceFailures);
                continue;
            }
            catch (RetryException e)
            {
                reason = e.Message;
            }

            if (++attempts >= Options.MaxAttempts)
            {
                throw new StorageUnavailableException($"A mutation of {bucket}/{key} did not commit in {attempts} attempts: {reason}");
            }

            Thread.Sleep(Backoff(attempts));
        }
    }

    /// <summary>
    /// Runs a read or a multi-group call, retrying it from scratch after a fence failure (directory refreshed) or a
    /// <see cref="RetryException"/> (a compacted revision).
    /// </summary>
    internal T Retrying<T>(Func<T> call)
    {
        var fenceFailures = 0;
        var attempts = 0;
        while (true)
        {
            try
            {
                return call();
            }
            catch (FenceFailedException e)
            {
                RefreshAfter(e, ref fenceFailures);
            }
            catch (RetryException e)
            {
                if (++attempts >= Options.MaxAttempts)
                {
                    throw new StorageUnavailableException($"An index read did not complete in {attempts} attempts: {e.Message}");
                }

                Thread.Sleep(Backoff(attempts));
            }
        }
    }

    /// <summary>Reads through the route of <paramref name="bucket"/>/<paramref name="key"/> (one view, fenced, retried).</summary>
    internal T ReadObject<T>(string bucket, string key, Func<GroupView, RangeRoute, T> read)
    {
        var coordinate = IndexCoordinates.Of(bucket, key);
        return Retrying(() =>
        {
            var route = _directory.Route(coordinate);
            return read(new GroupView(this, route.Group, route.Generation), route);
        });
    }

    /// <summary>A view of <paramref name="group"/> under its current generation (not retried: callers run in <see cref="Retrying{T}"/>).</summary>
    internal GroupView ViewOf(IndexGroup group) => new(this, group, GenerationOf(group));

    /// <summary>Whether <paramref name="group"/> holds the range of <paramref name="bucket"/>/<paramref name="key"/> now.</summary>
    internal bool Holds(IndexGroup group, string bucket, string key) =>
        _directory.Route(IndexCoordinates.Of(bucket, key)).Group.Name == group.Name;

    /// <summary>The route of <paramref name="coordinate"/>, waiting while it is frozen.</summary>
    private RangeRoute WritableRoute(byte[] coordinate)
    {
        var route = _directory.Route(coordinate);
        if (!route.Frozen)
        {
            return route;
        }

        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(5);
        while (route.Frozen)
        {
            if (waited.Elapsed >= Options.FrozenWait)
            {
                throw new StorageUnavailableException($"Range {route.RangeId} stayed frozen (a move in progress) for {Options.FrozenWait.TotalSeconds:F0} s.");
            }

            Thread.Sleep(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
            _directory.Refresh();
            route = _directory.Route(coordinate);
        }

        return route;
    }

    /// <summary>The generation of <paramref name="group"/> in the directory's routes (its fence's when it holds no range).</summary>
    private long GenerationOf(IndexGroup group)
    {
        foreach (var route in _directory.Routes([], IndexCoordinates.Last))
        {
            if (route.Group.Name == group.Name)
            {
                return route.Generation;
            }
        }

        return GroupFence.Read(group, Options.RequestTimeout)
            ?? throw new StorageUnavailableException($"Index group {group.Name} has no fence.");
    }

    private void RefreshAfter(FenceFailedException e, ref int fenceFailures)
    {
        if (++fenceFailures > Options.MaxFenceRetries)
        {
            throw new StorageUnavailableException($"The index directory stayed stale after {fenceFailures} refreshes: {e.Message}", e);
        }

        _directory.Refresh();
    }

    /// <summary>A random wait that grows with the attempt: 0 to 2^attempt ms, at most 50 ms.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(50, 1 << Math.Min(attempt, 6)));
}
