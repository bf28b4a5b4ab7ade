using Grpc.Core;

namespace Tessera.Cluster.Control;

/// <summary>Which failures of an etcd call are worth retrying.</summary>
internal static class EtcdErrors
{
    /// <summary>
    /// True for a failure of the call rather than a request to stop: gRPC errors (member down, no leader, stream
    /// closed), I/O and HTTP errors, and cancellations that <paramref name="stop"/> did not ask for — dotnet-etcd
    /// reports an exceeded deadline as <see cref="OperationCanceledException"/>.
    /// </summary>
    public static bool IsTransient(Exception e, CancellationToken stop) =>
        !stop.IsCancellationRequested && e is RpcException or IOException or HttpRequestException or OperationCanceledException;
}
