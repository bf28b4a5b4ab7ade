using System.IO.Pipelines;
using System.Net;
using Tessera.Storage;

namespace Tessera.Cluster.Storage;

/// <summary>
/// Streams one fragment to a <see cref="RemoteDisk"/> as one chunked HTTP PUT: the header, each block as it is
/// written, then the trailer at commit. The request starts at creation and its body is fed through a pipe, so memory
/// per writer is the pipe's window, not the fragment. <see cref="CommitAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// returns once the other node has fsynced, renamed and fsynced the directory (its 204). Disposing before the commit
/// aborts the request: the other node deletes its temporary file.
/// </summary>
internal sealed class RemoteFragmentWriter : IFragmentWriter
{
    /// <summary>Bytes the pipe holds before a block write waits for the network.</summary>
    private const long Window = 1024 * 1024;

    private readonly RemoteDisk _disk;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: Window, resumeWriterThreshold: Window / 2, useSynchronizationContext: false));
    private readonly CancellationTokenSource _abort = new();
    private readonly HttpRequestMessage _request;
    private Task<HttpResponseMessage>? _send;
    private bool _done;

    private RemoteFragmentWriter(RemoteDisk disk, FragmentHeader header)
    {
        _disk = disk;
        Header = header;
        _request = disk.Request(HttpMethod.Put, disk.FragmentPath(header.Id));
        _request.Content = new PipeContent(_pipe.Reader);
    }

    /// <inheritdoc />
    public FragmentHeader Header { get; }

    /// <summary>Starts the PUT and sends the header.</summary>
    public static async Task<RemoteFragmentWriter> StartAsync(RemoteDisk disk, FragmentHeader header, CancellationToken cancellationToken)
    {
        var writer = new RemoteFragmentWriter(disk, header);
        writer._send = disk.Client.SendAsync(writer._request, HttpCompletionOption.ResponseHeadersRead, writer._abort.Token);
        try
        {
            await writer.PushAsync(header.ToBytes(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return writer;
    }

    /// <inheritdoc />
    public ValueTask WriteBlockAsync(ReadOnlyMemory<byte> block, CancellationToken cancellationToken) =>
        new(PushAsync(block, cancellationToken));

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken) => CommitAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <inheritdoc />
    public async ValueTask CommitAsync(ReadOnlyMemory<byte> trailer, CancellationToken cancellationToken)
    {
        if (trailer.Length > ClusterProtocol.MaxTrailerLength)
        {
            throw new ArgumentException("The trailer is over 16 MiB.", nameof(trailer));
        }

        await PushAsync(trailer, cancellationToken).ConfigureAwait(false);
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_disk.Options.WriteTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _send!.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (RemoteDisk.IsTransport(e, cancellationToken))
        {
            throw _disk.WriteUnreachable(e);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                var message = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new NodeUnreachableException($"Disk {_disk.Id} refused fragment {Header.Id}: {(int)response.StatusCode} {message}");
            }
        }

        _done = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_done)
        {
            // Abort the body: the server sees it end early and deletes its temporary file.
            await _pipe.Writer.CompleteAsync(new OperationCanceledException("fragment write abandoned")).ConfigureAwait(false);
            await _abort.CancelAsync().ConfigureAwait(false);
            if (_send is not null)
            {
                try
                {
                    (await _send.ConfigureAwait(false)).Dispose();
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    // Expected: the request was aborted.
                }
            }
        }

        _request.Dispose();
        _abort.Dispose();
    }

    private async Task PushAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_disk.Options.WriteTimeout);
        FlushResult result;
        try
        {
            result = await _pipe.Writer.WriteAsync(bytes, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _disk.WriteUnreachable(e);
        }

        if (result.IsCompleted || _send!.IsCompleted)
        {
            // The request ended before its body did: the node refused or the connection broke.
            throw await FailureAsync().ConfigureAwait(false);
        }
    }

    private async Task<Exception> FailureAsync()
    {
        try
        {
            using var response = await _send!.ConfigureAwait(false);
            return new NodeUnreachableException($"Disk {_disk.Id} answered {(int)response.StatusCode} before fragment {Header.Id} was sent.");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return _disk.WriteUnreachable(e);
        }
    }

    /// <summary>A request body read from a pipe as it is written (chunked: the length is not known up front).</summary>
    private sealed class PipeContent(PipeReader reader) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            try
            {
                await reader.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
