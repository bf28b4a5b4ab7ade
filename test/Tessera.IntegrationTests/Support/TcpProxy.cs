using System.Net;
using System.Net.Sockets;

namespace Tessera.IntegrationTests;

/// <summary>
/// A TCP forwarder on a loopback port in front of another loopback port, whose link can be cut: <see cref="Cut"/> drops
/// every open connection and leaves new ones hanging (accepted, never answered), as a dead link or a dropping firewall
/// looks to the caller; <see cref="Heal"/> forwards again. The kernel here has no netem, so faults go through it.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;

    private TcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's own address.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Connections dropped or left hanging since the start.</summary>
    public int Dropped { get; private set; }

    public static TcpProxy Start(Uri target) => new(new IPEndPoint(IPAddress.Loopback, target.Port));

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            Dropped += _open.Count;
            _open.ForEach(c => c.Dispose());
            _open.Clear();
        }
    }

    public void Heal() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_open)
            {
                _open.Add(client);
            }

            if (_cut)
            {
                Dropped++;
                continue; // Accepted and never answered: the caller's request times out.
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            lock (_open)
            {
                _open.Add(upstream);
            }

            using var link = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var a = client.GetStream().CopyToAsync(upstream.GetStream(), link.Token);
            var b = upstream.GetStream().CopyToAsync(client.GetStream(), link.Token);
            await Task.WhenAny(a, b);
            await link.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The link was cut or one side closed.
        }
        finally
        {
            client.Dispose();
        }
    }
}
