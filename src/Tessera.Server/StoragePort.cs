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
    /// <summary>The path the index node takes repair work from the other nodes on: <c>POST {RepairPath}{segment}?redundancy=R[&amp;corrupt=i,j]</c>.</summary>
    public const string RepairPath = "/_tessera/repair/v1/";

    /// <summary>The path admin operations forwarded to the coordinator arrive on: <c>{AdminPath}{operation}</c>, cluster-signed.</summary>
    public const string AdminPath = "/_tessera/admin/v1/";

    private readonly ClusterAuthenticator _authenticator;

    private StoragePort(IPEndPoint address, StorageEndpoint endpoint, ClusterAuthenticator authenticator)
    {
        _authenticator = authenticator;
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
        var authenticator = new ClusterAuthenticator(NodeIdOf(options), options.ClusterSecret);
        return new StoragePort(address, new StorageEndpoint(disks, authenticator), authenticator);
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

    /// <summary>The repair queue served on this port when this node is the cluster's index node.</summary>
    public Tessera.Store.Maintenance.RepairQueue? Repairs { get; set; }

    /// <summary>The admin API, for operations other nodes forward to this one (the coordinator).</summary>
    public AdminApi? Admin { get; set; }

    /// <summary>The index served on this port when this node is the cluster's index node.</summary>
    public Tessera.Cluster.Index.IndexEndpoint? Index { get; set; }

    /// <summary>This node's id: the setting, or the machine name.</summary>
    public static string NodeIdOf(ServerOptions options) => options.NodeId ?? Environment.MachineName;

    private Task QueueRepair(HttpContext context, Tessera.Store.Maintenance.RepairQueue repairs)
    {
        var request = context.Request;
        var name = (request.Path.Value ?? "")[RepairPath.Length..];
        var corrupt = request.Query["corrupt"].ToString();
        if (_authenticator.Verify(request.Headers[ClusterProtocol.AuthHeader], request.Method, request.Path.ToUriComponent() + request.QueryString.ToUriComponent()) is null)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
        }
        else if (!HttpMethods.IsPost(request.Method) || !Guid.TryParseExact(name, "N", out var segment)
            || !int.TryParse(request.Query["redundancy"], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var redundancy)
            || corrupt.Length > 64)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            var indices = corrupt.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(i => int.TryParse(i, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n < 256 ? n : -1)
                .Where(n => n >= 0);
            repairs.EnqueueHere(segment, redundancy, indices); // Never handed on again: no forwarding loops.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }

        return Task.CompletedTask;
    }

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

        if (Repairs is not null && context.Request.Path.StartsWithSegments(RepairPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return QueueRepair(context, Repairs);
        }

        if (Admin is not null && context.Request.Path.StartsWithSegments(AdminPath.TrimEnd('/'), StringComparison.Ordinal))
        {
            var request = context.Request;
            if (_authenticator.Verify(request.Headers[ClusterProtocol.AuthHeader], request.Method, request.Path.ToUriComponent() + request.QueryString.ToUriComponent()) is null)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            }

            return Admin.HandleAuthorizedAsync(context, (request.Path.Value ?? "")["/_tessera/".Length..], forwarded: true);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
