using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.S3.Operations;
using Tessera.S3.Xml;
using Tessera.Storage;

namespace Tessera.S3.Gateway;

/// <summary>
/// The S3 front door, mounted as Kestrel's terminal middleware: gives every request an id, resolves path-style or
/// virtual-hosted-style addressing, authenticates (SigV4), routes to the operation's handler, and renders any
/// <see cref="S3Exception"/> as S3's XML error. Anything else that escapes a handler is logged and answered as
/// InternalError without leaking details.
/// </summary>
public sealed class S3Gateway
{
    private readonly S3Services _services;
    /// <summary>The pseudo-bucket the admin paths live under.</summary>
    public const string AdminPathBucket = "_tessera";

    private readonly IAdminEndpoint? _admin;

    /// <summary>Creates the gateway over a store.</summary>
    /// <param name="services">The store.</param>
    /// <param name="admin">The API served under <c>/_tessera/</c>; null to serve none.</param>
    public S3Gateway(S3Services services, IAdminEndpoint? admin = null)
    {
        _services = services;
        _admin = admin;
    }

    /// <summary>Handles one HTTP request.</summary>
    public async Task HandleAsync(HttpContext http)
    {
        var requestId = NewRequestId();
        var response = http.Response;
        response.Headers["x-amz-request-id"] = requestId;
        response.Headers["x-amz-id-2"] = requestId;
        response.Headers.Server = "Tessera";
        var request = new S3Request(http, _services, requestId);
        UploadAdmission.Lease? upload = null;
        IdleTimeoutBody? body = null;
        S3Exception? error = null;
        var hasBody = UploadAdmission.HasBody(http.Request);
        try
        {
            if (hasBody)
            {
                // Before anything reads the body (so an Expect: 100-continue client is told before it sends it).
                upload = _services.Uploads.TryEnter(http) ?? throw new S3Exception(S3Errors.SlowDown);
                http.Request.Body = body = new IdleTimeoutBody(http.Request.BodyReader, _services.Options.BodyIdleTimeout);
            }

            await HandleAuthenticatedAsync(request).ConfigureAwait(false);
        }
        catch (S3Exception e)
        {
            error = e;
        }
        catch (StorageUnavailableException e)
        {
            LogMessages.StorageUnavailable(_services.Logger, requestId, e.Message);
            error = new S3Exception(S3Errors.ServiceUnavailable, e.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout && !response.HasStarted)
        {
            // Kestrel's minimum body data rate: the body arrived too slowly (or this server was too starved to read it).
            // S3's answer is RequestTimeout, which clients retry, not IncompleteBody, which they do not.
            error = new S3Exception(S3Errors.RequestTimeout);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException && !response.HasStarted)
        {
            // The body ended early or broke off (Kestrel reports it as a bad request or an I/O error).
            error = new S3Exception(S3Errors.IncompleteBody);
        }
        catch (Exception e)
        {
            LogMessages.UnhandledError(_services.Logger, e, requestId, request.Operation?.ToString() ?? "-", http.Request.Method, http.Request.Path);
            error = new S3Exception(S3Errors.InternalError);
        }
        finally
        {
            upload?.Dispose();
        }

        try
        {
            if (error is not null)
            {
                // A body left unread (refused before it was read, stalled, or cut short) is not drained: the connection closes.
                var timedOut = body?.TimedOut == true;
                var close = hasBody && (timedOut || error.Error == S3Errors.SlowDown || error.Error == S3Errors.IncompleteBody || error.Error == S3Errors.RequestTimeout);
                await WriteErrorAsync(request, error, close).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Rendering the error failed (a bug): never a second exception into Kestrel, never a half-written answer.
            LogMessages.UnhandledError(_services.Logger, e, requestId, request.Operation?.ToString() ?? "-", http.Request.Method, http.Request.Path);
            http.Abort();
        }
        finally
        {
            body?.Dispose();
            if (request.Operation is { } operation)
            {
                _services.Requests.Record(operation, response.StatusCode);
            }
        }
    }

    private async Task HandleAuthenticatedAsync(S3Request request)
    {
        var http = request.Http;
        S3Routing.ResolveAddress(request);
        if (PostObject.Matches(request))
        {
            // A browser upload signs its policy inside the form, not its headers.
            request.Operation = S3Operation.PostObject;
            await PostObject.HandleAsync(request).ConfigureAwait(false);
            return;
        }

        var auth = _services.Verifier.Verify(http.Request, request.IsVirtualHosted ? request.RequestedBucket : null);
        if (!_services.Users.TryGetUser(auth.AccessKey, out var user))
        {
            throw new S3Exception(S3Errors.InvalidAccessKeyId);
        }

        request.Auth = auth;
        request.User = user;
        if (_admin is not null && IsAdminRequest(request))
        {
            await _admin.HandleAsync(http, user.AccessKey, request.RequestedKey ?? "").ConfigureAwait(false);
            return;
        }

        var operation = S3Routing.Resolve(request);
        request.Operation = operation;
        await S3Routing.DispatchAsync(request, operation).ConfigureAwait(false);
    }

    /// <summary>Whether a request addresses <c>/_tessera/</c> rather than a bucket.</summary>
    internal static bool IsAdminRequest(S3Request request) => string.Equals(request.RequestedBucket, AdminPathBucket, StringComparison.Ordinal);

    private static async Task WriteErrorAsync(S3Request request, S3Exception error, bool closeConnection)
    {
        var response = request.Response;
        if (response.HasStarted)
        {
            // Headers (and perhaps bytes) are out: the only honest signal left is to break the connection.
            request.Http.Abort();
            return;
        }

        response.Clear();
        response.Headers["x-amz-request-id"] = request.RequestId;
        response.Headers["x-amz-id-2"] = request.RequestId;
        if (closeConnection)
        {
            response.Headers.Connection = "close";
        }

        if (error.Headers is not null)
        {
            foreach (var (name, value) in error.Headers)
            {
                response.Headers[name] = value;
            }
        }

        if (HttpMethods.IsHead(request.Request.Method) || error.Error.Status == StatusCodes.Status304NotModified)
        {
            response.StatusCode = error.Error.Status;
            return;
        }

        // Messages, details and the resource echo the request (keys, ids, header values): only text every XML parser reads.
        await S3Xml.WriteAsync(response, error.Error.Status, w =>
        {
            w.WriteStartElement("Error");
            w.WriteElementString("Code", error.Error.Code);
            w.WriteElementString("Message", S3Xml.Readable(error.Message));
            foreach (var (name, value) in error.Details ?? [])
            {
                w.WriteElementString(name, S3Xml.Readable(value));
            }

            w.WriteElementString("Resource", S3Xml.Readable(error.Resource ?? request.Request.Path.Value ?? "/"));
            w.WriteElementString("RequestId", request.RequestId);
            w.WriteElementString("HostId", request.RequestId);
            w.WriteEndElement();
        }).ConfigureAwait(false);
    }

    /// <summary>16 upper-case hex digits, like S3's request ids.</summary>
    private static string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, (DateTime.UtcNow.Ticks << 16) ^ RandomNumberGenerator.GetInt32(1 << 16));
        return Convert.ToHexString(bytes);
    }
}
