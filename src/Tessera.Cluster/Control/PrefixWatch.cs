using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Tessera.Cluster.Control;

/// <summary>
/// Keeps a state folded from every key under a prefix current. The initial load is a Range over the prefix pinned to
/// one revision R (paged, every page at R); the watch then starts at R + 1, so no change is missed or applied twice.
/// When the watch breaks (a member killed, a member without a leader) it resumes after the last revision applied;
/// when that revision was compacted it reloads from scratch. Each published state is immutable and comes with the
/// revision it reflects.
/// </summary>
/// <typeparam name="TState">The folded state; <see cref="Apply"/> returns a new one per key event.</typeparam>
internal sealed class PrefixWatch<TState> : IAsyncDisposable
    where TState : class
{
    /// <summary>Folds one key's new value (null: deleted) into the state; the key is relative to the prefix.</summary>
    public delegate TState Apply(TState state, string key, ByteString? value);

    private const int PageSize = 500;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly EtcdClient _client;
    private readonly string _prefix;
    private readonly ByteString _rangeEnd;
    private readonly TState _empty;
    private readonly Apply _apply;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Published _current;
    private Task _loop = Task.CompletedTask;
    private int _started;
    private int _reconnects;

    public PrefixWatch(EtcdClient client, string prefix, TState empty, Apply apply, TimeSpan requestTimeout, ILogger logger)
    {
        _client = client;
        _prefix = prefix;
        _rangeEnd = EtcdKeys.RangeEnd(prefix);
        _empty = empty;
        _apply = apply;
        _requestTimeout = requestTimeout;
        _logger = logger;
        _current = new Published(empty, 0);
    }

    /// <summary>Raised (on a pool thread) after each change to <see cref="Current"/>.</summary>
    public event EventHandler? Changed;

    /// <summary>The state and the etcd revision it reflects (0 before <see cref="StartAsync"/>).</summary>
    public (TState State, long Revision) Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return (current.State, current.Revision);
        }
    }

    /// <summary>How many times the watch was re-established after a failure.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>
    /// Loads the prefix and starts watching; returns once the loaded state is published. Retries etcd failures (a
    /// leader election, a member down) until <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The watch is already started.");
        }

        if (!await RetryAsync(() => LoadAsync(cancellationToken), cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        _loop = Task.Run(() => WatchLoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the current state and returns that state.</summary>
    public async Task<TState> WaitForAsync(Func<TState, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before testing, so a change between the test and the wait is not missed.
            var changed = Volatile.Read(ref _changed).Task;
            var state = Current.State;
            if (condition(state))
            {
                return state;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var state = _empty;
        var start = EtcdKeys.Bytes(_prefix);
        long revision = 0;
        while (true)
        {
            var request = new RangeRequest { Key = start, RangeEnd = _rangeEnd, Limit = PageSize, Revision = revision };
            var page = await _client.GetAsync(request, deadline: DateTime.UtcNow + _requestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            // A response's header carries the store's current revision, not the one asked for: only the first page
            // fixes the revision; the others are read at it.
            if (revision == 0)
            {
                revision = page.Header.Revision;
            }
            foreach (var kv in page.Kvs)
            {
                state = _apply(state, RelativeKey(kv.Key), kv.Value);
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                break;
            }

            // The next page starts just after the last key of this one.
            start = ByteString.CopyFrom([.. page.Kvs[^1].Key.Span, 0]);
        }

        Publish(state, revision);
    }

    private async Task WatchLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var (state, revision) = Current;
            var resumedAfter = revision;
            try
            {
                await foreach (var response in EtcdWatch.ReadAsync(_client, _prefix, _rangeEnd, revision + 1, stop).ConfigureAwait(false))
                {
                    var applied = false;
                    foreach (var e in response.Events)
                    {
                        // etcd starts at resumedAfter + 1, so nothing here is old; the check keeps it that way. (One
                        // transaction's events share a revision and arrive in one response.)
                        if (e.Kv.ModRevision <= resumedAfter)
                        {
                            continue;
                        }

                        var deleted = e.Type == Mvccpb.Event.Types.EventType.Delete;
                        state = _apply(state, RelativeKey(e.Kv.Key), deleted ? null : e.Kv.Value);
                        revision = e.Kv.ModRevision;
                        applied = true;
                    }

                    if (applied)
                    {
                        Publish(state, revision);
                    }
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (WatchCompactedException e)
            {
                ControlLog.WatchCompacted(_logger, _prefix, revision, e.CompactRevision);
                if (!await RetryAsync(() => LoadAsync(stop), stop).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, stop))
            {
                Interlocked.Increment(ref _reconnects);
                ControlLog.WatchFailed(_logger, _prefix, e is RpcException r ? r.Status.StatusCode + ": " + r.Status.Detail : e.Message, revision);
            }

            try
            {
                await Task.Delay(RetryDelay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> until it succeeds; false when stopped first.</summary>
    private async Task<bool> RetryAsync(Func<Task> action, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await action().ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, stop))
            {
                ControlLog.WatchFailed(_logger, _prefix, e.Message, Current.Revision);
                try
                {
                    await Task.Delay(RetryDelay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return false;
            }
        }

        return false;
    }

    private void Publish(TState state, long revision)
    {
        Volatile.Write(ref _current, new Published(state, revision));
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Changed?.Invoke(this, EventArgs.Empty);
    }

    private string RelativeKey(ByteString key) => key.ToStringUtf8()[_prefix.Length..];

    private sealed record Published(TState State, long Revision);
}
