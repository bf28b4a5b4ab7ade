using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Cluster.Storage;
using Tessera.Storage;

namespace Tessera.Tests;

/// <summary>
/// A storage node in the test process: a Kestrel app on a loopback port serving <see cref="StorageEndpoint"/> over
/// local disks in a temporary directory. <see cref="Delay"/> holds every request (a slow node); <see cref="StopAsync"/>
/// takes it off the network (a dead node).
/// </summary>
public sealed class StorageNodeHost : IAsyncDisposable
{
    public const string Secret = "test-cluster-secret-0123456789";

    private readonly WebApplication _app;
    private readonly TempDirectory _root;
    private bool _stopped;

    private StorageNodeHost(string nodeId, WebApplication app, TempDirectory root, LocalDisk[] disks, Uri endpoint)
    {
        NodeId = nodeId;
        _app = app;
        _root = root;
        Disks = disks;
        Endpoint = endpoint;
    }

    public string NodeId { get; }

    public LocalDisk[] Disks { get; }

    public Uri Endpoint { get; }

    /// <summary>How long every request waits before it is served (zero: none).</summary>
    public TimeSpan Delay { get; set; }

    public static async Task<StorageNodeHost> StartAsync(string nodeId, int disks, string secret = Secret, TimeProvider? time = null)
    {
        var root = new TempDirectory();
        var local = Enumerable.Range(1, disks)
            .Select(i => new LocalDisk($"{nodeId}-disk{i}", Path.Combine(root.Path, $"disk{i}"), new DiskLabels(nodeId, nodeId, nodeId)))
            .ToArray();
        var endpoint = new StorageEndpoint(local, new ClusterAuthenticator(nodeId, secret, time));
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(System.Net.IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        StorageNodeHost? host = null;
        app.Run(async context =>
        {
            if (host?.Delay is { } delay && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            if (StorageEndpoint.Handles(context))
            {
                await endpoint.HandleAsync(context);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host = new StorageNodeHost(nodeId, app, root, local, new Uri(address + "/"));
        return host;
    }

    /// <summary>Remote handles of this node's disks, as another node (<paramref name="caller"/>) sees them.</summary>
    public RemoteDisk[] RemoteDisks(HttpClient client, string caller = "gateway", string secret = Secret, RemoteDiskOptions? options = null) =>
        Disks.Select(d => new RemoteDisk(d.Id, d.Labels, 1, Endpoint, client, new ClusterAuthenticator(caller, secret), options)).ToArray();

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _root.Dispose();
    }
}
