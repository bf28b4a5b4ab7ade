using System.Globalization;
using System.Net;
using Tessera.Storage;

namespace Tessera.Cluster.Storage;

/// <summary>
/// Reads blocks of a fragment on a <see cref="RemoteDisk"/>: one GET a block, verified by the other node against the
/// block's checksum before it is sent. A missing, corrupt or unreachable block is "false", as on a local disk, so the
/// caller reconstructs it from the other fragments.
/// </summary>
internal sealed class RemoteFragmentReader(RemoteDisk disk, FragmentHeader header) : IFragmentReader
{
    /// <inheritdoc />
    public FragmentHeader Header { get; } = header;

    /// <inheritdoc />
    public async ValueTask<bool> TryReadBlockAsync(int stripe, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (stripe < 0 || stripe >= Header.StripeCount || destination.Length != Header.BlockLength(stripe))
        {
            return false;
        }

        using var request = disk.Request(HttpMethod.Get, disk.Path(RemoteDisk.FragmentRest(Header.Id) + "/blocks/" + stripe.ToString(CultureInfo.InvariantCulture)));
        try
        {
            using var response = await disk.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, disk.Options.ReadTimeout, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentLength != destination.Length)
            {
                return false;
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(disk.Options.ReadTimeout);
            var body = await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await body.ReadExactlyAsync(destination, limit.Token).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception e) when (e is NodeUnreachableException or HttpRequestException or IOException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <inheritdoc />
    public byte[]? ReadTrailer()
    {
        try
        {
            using var response = disk.Send(HttpMethod.Get, disk.Path(RemoteDisk.FragmentRest(Header.Id) + "/trailer"));
            return response.StatusCode == HttpStatusCode.OK ? RemoteDisk.ReadAll(response) : null;
        }
        catch (NodeUnreachableException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
