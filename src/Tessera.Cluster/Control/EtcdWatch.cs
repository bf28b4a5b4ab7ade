using System.Runtime.CompilerServices;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Tessera.Cluster.Control;

/// <summary>
/// One etcd watch stream, read as an async sequence. It ends only by throwing: <see cref="RpcException"/> when the
/// stream breaks (the member died, lost its leader, or closed the stream) and <see cref="WatchCompactedException"/>
/// when the start revision is already compacted. Callers resume from the last revision they applied.
/// </summary>
internal static class EtcdWatch
{
    /// <summary>
    /// etcd's <c>WithRequireLeader</c>: a member cut off from its raft leader cancels the watch instead of going
    /// silent, so the caller moves to a member that still hears the cluster.
    /// </summary>
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };

    /// <summary>Watches [<paramref name="key"/>, <paramref name="rangeEnd"/>) (one key when null) from <paramref name="startRevision"/> on.</summary>
    public static async IAsyncEnumerable<WatchResponse> ReadAsync(
        EtcdClient client, string key, ByteString? rangeEnd, long startRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = client.GetConnection().WatchClient.Watch(RequireLeader, cancellationToken: cancellationToken);
        var create = new WatchCreateRequest { Key = EtcdKeys.Bytes(key), StartRevision = startRevision };
        if (rangeEnd is not null)
        {
            create.RangeEnd = rangeEnd;
        }

        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, cancellationToken).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.CompactRevision != 0)
            {
                throw new WatchCompactedException(response.CompactRevision);
            }

            if (response.Canceled)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "watch canceled by etcd: " + response.CancelReason));
            }

            yield return response;
        }

        throw new RpcException(new Status(StatusCode.Unavailable, "watch stream ended"));
    }
}
