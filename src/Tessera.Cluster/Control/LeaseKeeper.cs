using System.Diagnostics;
using dotnet_etcd;
using Etcdserverpb;

namespace Tessera.Cluster.Control;

/// <summary>
/// One etcd lease and the loop that renews it every TTL/3 over a keep-alive stream. <see cref="Lost"/> completes once
/// the lease is known or presumed gone: etcd answered a keep-alive with TTL 0 (expired or revoked), or no renewal
/// succeeded for a whole TTL counted from when the last successful keep-alive was sent — a time by which etcd may
/// have expired it, since etcd counts from when it received that request, which is later. A lost lease is not
/// renewed again: the owner grants a new one.
/// </summary>
internal sealed class LeaseKeeper : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly EtcdClient _client;
    private readonly TimeSpan _requestTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    private LeaseKeeper(EtcdClient client, long id, TimeSpan ttl, TimeSpan requestTimeout)
    {
        _client = client;
        Id = id;
        Ttl = ttl;
        _requestTimeout = requestTimeout;
    }

    /// <summary>The lease id to attach keys to.</summary>
    public long Id { get; }

    /// <summary>The TTL etcd granted (at least the one asked for).</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Completes with the reason once the lease is lost; never faults, never completes on dispose.</summary>
    public Task<string> Lost => _lost.Task;

    /// <summary>Grants a lease of <paramref name="ttl"/> (rounded up to whole seconds) and starts renewing it.</summary>
    public static async Task<LeaseKeeper> GrantAsync(EtcdClient client, TimeSpan ttl, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        var sent = Stopwatch.GetTimestamp();
        var seconds = (long)Math.Ceiling(ttl.TotalSeconds);
        var granted = await client.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, deadline: DateTime.UtcNow + requestTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(granted.Error))
        {
            throw new InvalidOperationException("etcd refused the lease: " + granted.Error);
        }

        var keeper = new LeaseKeeper(client, granted.ID, TimeSpan.FromSeconds(granted.TTL), requestTimeout);
        keeper._loop = Task.Run(() => keeper.RenewAsync(sent), CancellationToken.None);
        return keeper;
    }

    /// <summary>Stops renewing without revoking, so the lease runs out on its own: what a SIGKILLed process leaves behind.</summary>
    public void Abandon()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
        }
    }

    /// <summary>Stops renewing and revokes the lease (best effort, one request timeout): its keys vanish at once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _loop.ConfigureAwait(false);
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        if (_lost.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = Id }, deadline: DateTime.UtcNow + _requestTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (EtcdErrors.IsTransient(e, CancellationToken.None))
        {
            // etcd unreachable: the lease expires on its own within the TTL.
        }
    }

    private async Task RenewAsync(long lastRenewed)
    {
        var stop = _stop.Token;
        var interval = Ttl / 3;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = _client.GetConnection().LeaseClient.LeaseKeepAlive(cancellationToken: stop);
                while (true)
                {
                    await Task.Delay(interval - Stopwatch.GetElapsedTime(lastRenewed) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, stop).ConfigureAwait(false);
                    var remaining = Ttl - Stopwatch.GetElapsedTime(lastRenewed);
                    if (remaining <= TimeSpan.Zero)
                    {
                        _lost.TrySetResult("no renewal within the TTL");
                        return;
                    }

                    var sent = Stopwatch.GetTimestamp();
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    timeout.CancelAfter(remaining < _requestTimeout ? remaining : _requestTimeout);
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = Id }, timeout.Token).ConfigureAwait(false);
                    if (!await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
                    {
                        break;
                    }

                    if (call.ResponseStream.Current.TTL <= 0)
                    {
                        _lost.TrySetResult("etcd reports it expired or revoked");
                        return;
                    }

                    lastRenewed = sent;
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (EtcdErrors.IsTransient(e, stop))
            {
                // The stream broke or a renewal timed out: open a new stream (the channel may pick another member).
            }

            if (Stopwatch.GetElapsedTime(lastRenewed) >= Ttl)
            {
                _lost.TrySetResult("no renewal within the TTL");
                return;
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
}
