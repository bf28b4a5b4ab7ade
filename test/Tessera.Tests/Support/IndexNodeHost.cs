using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Tessera.Cluster.Index;
using Tessera.Cluster.Storage;
using Tessera.Index;

namespace Tessera.Tests;

/// <summary>An index node in the test process: <see cref="IndexEndpoint"/> over a given index on a loopback Kestrel.</summary>
public sealed class IndexNodeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IndexNodeHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<IndexNodeHost> StartAsync(IIndexStore index, string secret = StorageNodeHost.Secret)
    {
        var endpoint = new IndexEndpoint(index, new ClusterAuthenticator("index", secret));
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context => IndexEndpoint.Handles(context) ? endpoint.HandleAsync(context) : Task.CompletedTask);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IndexNodeHost(app, new Uri(address + "/"));
    }

    public RemoteIndexStore Client(HttpClient http, string secret = StorageNodeHost.Secret) =>
        new(Endpoint, http, new ClusterAuthenticator("gateway", secret));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
