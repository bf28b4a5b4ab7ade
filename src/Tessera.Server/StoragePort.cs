using System.Net;
using System.Net.Sockets;
using Tessera.Cluster.Storage;
using Tessera.Storage;

namespace Tessera.Server;

/// <summary>
/// The storage port of a cluster node: a second Kestrel listener on which the node serves its own disks to the other
/// nodes (<see cref="StorageEndpoint"/>). Requests are told apart by the port they arrived on, so the S3 port never
/// serves storage paths and the storage port never serves S3.
/// </summary>
internal sealed class StoragePort
{
    private StoragePort(IPEndPoint address, StorageEndpoint endpoint)
    {
        Address = address;
        Endpoint = endpoint;
    }

    /// <summary>Where the port listens (a port 0 in the settings is resolved to a free one first).</summary>
    public IPEndPoint Address { get; }

    /// <summary>The endpoint served on it.</summary>
    public StorageEndpoint Endpoint { get; }

    /// <summary>The port for <paramref name="options"/>, or null when the node serves no storage port.</summary>
    /// <exception cref="ArgumentException">A storage address without a cluster secret, or a secret under 16 characters.</exception>
    public static StoragePort? Create(ServerOptions options, IEnumerable<IDisk> disks)
    {
        if (options.StorageAddress is null)
        {
            return null;
        }

        if (string.IsNullOrEmpty(options.ClusterSecret))
        {
            throw new ArgumentException("--storage-address needs --cluster-secret (or TESSERA_CLUSTER_SECRET): the nodes authenticate each other with it.");
        }

        var address = Resolve(TesseraServer.ParseEndpoint(options.StorageAddress));
        return new StoragePort(address, new StorageEndpoint(disks, new ClusterAuthenticator(NodeIdOf(options), options.ClusterSecret)));
    }

    /// <summary><paramref name="address"/>, with a port 0 replaced by a port that was free a moment ago.</summary>
    public static IPEndPoint Resolve(IPEndPoint address)
    {
        if (address.Port != 0)
        {
            return address;
        }

        using var probe = new TcpListener(address.Address, 0);
        probe.Start();
        return new IPEndPoint(address.Address, ((IPEndPoint)probe.LocalEndpoint).Port);
    }

    /// <summary>The index served on this port when this node is the cluster's index node.</summary>
    public Tessera.Cluster.Index.IndexEndpoint? Index { get; set; }

    /// <summary>This node's id: the setting, or the machine name.</summary>
    public static string NodeIdOf(ServerOptions options) => options.NodeId ?? Environment.MachineName;

    /// <summary>Whether <paramref name="context"/> arrived on the storage port.</summary>
    public bool Owns(HttpContext context) => context.Connection.LocalPort == Address.Port;

    /// <summary>Serves a request that arrived on the storage port.</summary>
    public Task HandleAsync(HttpContext context)
    {
        if (StorageEndpoint.Handles(context))
        {
            return Endpoint.HandleAsync(context);
        }

        if (Index is not null && Tessera.Cluster.Index.IndexEndpoint.Handles(context))
        {
            return Index.HandleAsync(context);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
