using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace Tessera.IntegrationTests;

/// <summary>
/// Lets the SDK address <c>bucket.localhost</c> (virtual-hosted style) while every connection goes to the server on
/// loopback: the host name stays in the request (Host header, signature), only name resolution is bypassed.
/// </summary>
public sealed class LoopbackHttpClientFactory(int port) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
}
