using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Tessera.Storage;

namespace Tessera.Cluster.Storage;

/// <summary>
/// Serves this node's disks to the other nodes over HTTP (<see cref="RemoteDisk"/> is the other end). Every request
/// carries the cluster secret's HMAC (<see cref="ClusterAuthenticator"/>); S3 credentials mean nothing here. A fragment
/// write streams its body (the header as the fragment file stores it, the blocks in stripe order, then the trailer) into
/// a local fragment writer and answers only after the commit: fsync, rename, directory fsync. A write whose body breaks
/// off leaves no file.
/// </summary>
/// <remarks>
/// Routes, under <see cref="ClusterProtocol.StoragePrefix"/><c>{disk}/</c>: <c>probe</c> (GET), <c>format</c> (POST),
/// <c>fragments</c> (GET: one id a line), <c>fragments/{id}</c> (PUT: write; GET: its header; HEAD: its last write time;
/// DELETE), <c>fragments/{id}/blocks/{stripe}</c> (GET: the verified block, 404 when missing, 422 when corrupt),
/// <c>fragments/{id}/trailer</c> (GET: 200 with it, 204 without), <c>records</c> (GET: one id a line) and
/// <c>records/{id}</c> (PUT, GET, HEAD, DELETE).
/// </remarks>
public sealed class StorageEndpoint
{
    private readonly Dictionary<string, IDisk> _disks;
    private readonly ClusterAuthenticator _authenticator;
    private readonly ArrayPool<byte> _buffers;

    /// <summary>Creates the endpoint for this node's <paramref name="disks"/>.</summary>
    /// <param name="disks">The local disks, by id.</param>
    /// <param name="authenticator">Checks callers against the cluster secret.</param>
    /// <param name="buffers">Block buffers; default the shared pool.</param>
    public StorageEndpoint(IEnumerable<IDisk> disks, ClusterAuthenticator authenticator, ArrayPool<byte>? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(disks);
        ArgumentNullException.ThrowIfNull(authenticator);
        _disks = disks.ToDictionary(d => d.Id, StringComparer.Ordinal);
        _authenticator = authenticator;
        _buffers = buffers ?? ArrayPool<byte>.Shared;
    }

    /// <summary>Whether <paramref name="context"/> is addressed to the storage endpoint.</summary>
    public static bool Handles(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Path.StartsWithSegments(ClusterProtocol.StoragePrefix.TrimEnd('/'), StringComparison.Ordinal);
    }

    /// <summary>Serves one request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var response = context.Response;
        var target = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        if (_authenticator.Verify(request.Headers[ClusterProtocol.AuthHeader], request.Method, target) is null)
        {
            await PlainAsync(response, StatusCodes.Status403Forbidden, "cluster authentication failed").ConfigureAwait(false);
            return;
        }

        var path = (request.Path.Value ?? "").AsMemory(ClusterProtocol.StoragePrefix.Length);
        var parts = path.ToString().Split('/');
        if (parts.Length < 2 || !_disks.TryGetValue(Uri.UnescapeDataString(parts[0]), out var disk))
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, "no such disk").ConfigureAwait(false);
            return;
        }

        try
        {
            await RouteAsync(context, disk, parts).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !context.RequestAborted.IsCancellationRequested)
        {
            if (!response.HasStarted)
            {
                await PlainAsync(response, StatusCodes.Status507InsufficientStorage, e.Message).ConfigureAwait(false);
            }
        }
    }

    private Task RouteAsync(HttpContext context, IDisk disk, string[] parts)
    {
        var method = context.Request.Method;
        return (parts.Length, parts[1]) switch
        {
            (2, "probe") when HttpMethods.IsGet(method) => PlainAsync(context.Response, 200, disk.Probe().ToString()),
            (2, "format") when HttpMethods.IsPost(method) => FormatAsync(context.Response, disk),
            (2, "fragments") when HttpMethods.IsGet(method) => ListAsync(context.Response, disk.ListFragments().Select(f => f.ToString())),
            (2, "records") when HttpMethods.IsGet(method) => ListAsync(context.Response, disk.ListRecords().Select(r => r.ToString("N"))),
            ( >= 3, "fragments") when FragmentId.TryParse(parts[2], out var id) => FragmentAsync(context, disk, id, parts),
            (3, "records") when Guid.TryParseExact(parts[2], "N", out var id) => RecordAsync(context, disk, id),
            _ => PlainAsync(context.Response, StatusCodes.Status404NotFound, "no such resource"),
        };
    }

    private static Task FormatAsync(HttpResponse response, IDisk disk)
    {
        disk.Format();
        response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task FragmentAsync(HttpContext context, IDisk disk, FragmentId id, string[] parts)
    {
        var method = context.Request.Method;
        var response = context.Response;
        switch (parts.Length)
        {
            case 3 when HttpMethods.IsPut(method):
                return WriteFragmentAsync(context, disk, id);
            case 3 when HttpMethods.IsGet(method):
                {
                    using var reader = disk.OpenFragment(id);
                    return reader is null ? Missing(response) : BytesAsync(response, reader.Header.ToBytes());
                }

            case 3 when HttpMethods.IsHead(method):
                return LastWrite(response, disk.LastWriteTime(id));
            case 3 when HttpMethods.IsDelete(method):
                response.StatusCode = disk.DeleteFragment(id) ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            case 4 when parts[3] == "trailer" && HttpMethods.IsGet(method):
                {
                    using var reader = disk.OpenFragment(id);
                    if (reader is null)
                    {
                        return Missing(response);
                    }

                    var trailer = reader.ReadTrailer();
                    response.StatusCode = trailer is null ? StatusCodes.Status204NoContent : StatusCodes.Status200OK;
                    return trailer is null ? Task.CompletedTask : BytesAsync(response, trailer);
                }

            case 5 when parts[3] == "blocks" && HttpMethods.IsGet(method)
                && int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var stripe):
                return ReadBlockAsync(context, disk, id, stripe);
            default:
                return PlainAsync(response, StatusCodes.Status404NotFound, "no such resource");
        }
    }

    private async Task ReadBlockAsync(HttpContext context, IDisk disk, FragmentId id, int stripe)
    {
        using var reader = disk.OpenFragment(id);
        if (reader is null)
        {
            await Missing(context.Response).ConfigureAwait(false);
            return;
        }

        if (stripe >= reader.Header.StripeCount)
        {
            await PlainAsync(context.Response, StatusCodes.Status416RangeNotSatisfiable, "no such block").ConfigureAwait(false);
            return;
        }

        var length = reader.Header.BlockLength(stripe);
        var buffer = _buffers.Rent(length);
        try
        {
            if (!await reader.TryReadBlockAsync(stripe, buffer.AsMemory(0, length), context.RequestAborted).ConfigureAwait(false))
            {
                await PlainAsync(context.Response, StatusCodes.Status422UnprocessableEntity, "block short or corrupt").ConfigureAwait(false);
                return;
            }

            context.Response.ContentLength = length;
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            _buffers.Return(buffer);
        }
    }

    /// <summary>
    /// The body: the fragment header (as <see cref="FragmentHeader.ToBytes"/> writes it), every block in stripe order,
    /// then the trailer up to the end. Committed (fsync, rename, directory fsync) before the 204.
    /// </summary>
    private async Task WriteFragmentAsync(HttpContext context, IDisk disk, FragmentId id)
    {
        var body = context.Request.Body;
        var token = context.RequestAborted;
        var header = await ReadHeaderAsync(body, token).ConfigureAwait(false);
        if (header is null || header.Id != id)
        {
            await PlainAsync(context.Response, StatusCodes.Status400BadRequest, "bad fragment header").ConfigureAwait(false);
            return;
        }

        var buffer = _buffers.Rent(Math.Max(1, Math.Min(header.ShardSize, header.BlockLength(0))));
        try
        {
            await using var writer = await disk.CreateFragmentAsync(header, token).ConfigureAwait(false);
            for (var s = 0; s < header.StripeCount; s++)
            {
                var block = buffer.AsMemory(0, header.BlockLength(s));
                await body.ReadExactlyAsync(block, token).ConfigureAwait(false);
                await writer.WriteBlockAsync(block, token).ConfigureAwait(false);
            }

            var trailer = await ReadToEndAsync(body, ClusterProtocol.MaxTrailerLength, token).ConfigureAwait(false);
            if (trailer is null)
            {
                await PlainAsync(context.Response, StatusCodes.Status413PayloadTooLarge, "trailer too large").ConfigureAwait(false);
                return;
            }

            await writer.CommitAsync(trailer, token).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        catch (EndOfStreamException)
        {
            // The caller went away mid-body: disposing the uncommitted writer deleted its temporary file.
            await PlainAsync(context.Response, StatusCodes.Status400BadRequest, "body ended early").ConfigureAwait(false);
        }
        finally
        {
            _buffers.Return(buffer);
        }
    }

    private async Task RecordAsync(HttpContext context, IDisk disk, Guid id)
    {
        var method = context.Request.Method;
        var response = context.Response;
        if (HttpMethods.IsPut(method))
        {
            var content = await ReadToEndAsync(context.Request.Body, ClusterProtocol.MaxTrailerLength, context.RequestAborted).ConfigureAwait(false);
            if (content is null)
            {
                await PlainAsync(response, StatusCodes.Status413PayloadTooLarge, "record too large").ConfigureAwait(false);
                return;
            }

            await disk.WriteRecordAsync(id, content, context.RequestAborted).ConfigureAwait(false);
            response.StatusCode = StatusCodes.Status204NoContent;
        }
        else if (HttpMethods.IsGet(method))
        {
            await (disk.ReadRecord(id) is { } bytes ? BytesAsync(response, bytes) : Missing(response)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsHead(method))
        {
            await LastWrite(response, disk.RecordWriteTime(id)).ConfigureAwait(false);
        }
        else if (HttpMethods.IsDelete(method))
        {
            response.StatusCode = disk.DeleteRecord(id) ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
        }
        else
        {
            await PlainAsync(response, StatusCodes.Status405MethodNotAllowed, "method not allowed").ConfigureAwait(false);
        }
    }

    private static async Task<FragmentHeader?> ReadHeaderAsync(Stream body, CancellationToken token)
    {
        var preamble = new byte[16];
        await body.ReadExactlyAsync(preamble, token).ConfigureAwait(false);
        var length = BitConverter.ToUInt32(preamble, 8);
        if (length is < 16 or > 256 * 1024)
        {
            return null;
        }

        var bytes = new byte[length];
        preamble.CopyTo(bytes, 0);
        await body.ReadExactlyAsync(bytes.AsMemory(16), token).ConfigureAwait(false);
        return FragmentHeader.TryParse(bytes, out var header) ? header : null;
    }

    /// <summary>The rest of <paramref name="body"/>, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadToEndAsync(Stream body, int limit, CancellationToken token)
    {
        using var memory = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, token).ConfigureAwait(false)) > 0)
        {
            if (memory.Length + read > limit)
            {
                return null;
            }

            memory.Write(chunk, 0, read);
        }

        return memory.ToArray();
    }

    private static async Task ListAsync(HttpResponse response, IEnumerable<string> lines)
    {
        response.ContentType = "text/plain";
        var writer = new StreamWriter(response.Body, System.Text.Encoding.ASCII, 64 * 1024, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var line in lines)
            {
                await writer.WriteAsync(line).ConfigureAwait(false);
                await writer.WriteAsync('\n').ConfigureAwait(false);
            }
        }
    }

    private static Task LastWrite(HttpResponse response, DateTimeOffset? written)
    {
        if (written is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        response.Headers[ClusterProtocol.LastWriteHeader] = written.Value.UtcTicks.ToString(CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }

    private static Task Missing(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static Task BytesAsync(HttpResponse response, byte[] bytes)
    {
        response.ContentType = "application/octet-stream";
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes).AsTask();
    }

    private static Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain";
        return response.WriteAsync(message);
    }
}
