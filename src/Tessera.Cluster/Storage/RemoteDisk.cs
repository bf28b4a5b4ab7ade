using System.Globalization;
using System.Net;
using Tessera.Storage;

namespace Tessera.Cluster.Storage;

/// <summary>
/// A disk of another node, reached over its <see cref="StorageEndpoint"/>: the <see cref="IDisk"/> the erasure set
/// places fragments on, wherever the disk is. Fragment writes stream (<see cref="RemoteFragmentWriter"/>) and return
/// once the other node has committed them durably; reads fetch one verified block per request; the small calls (stat,
/// delete, list, probe) are one request each on pooled connections. Every call has a timeout.
/// </summary>
/// <remarks>
/// <para>A node that cannot be reached is a transport failure, never a "not there": calls that change or enumerate
/// state (delete, list, records) throw <see cref="NodeUnreachableException"/> (an <see cref="IOException"/>, which the
/// write path answers by dropping the fragment, keeping at least k + 1), reads answer "missing" so a GET reconstructs
/// from the other fragments, and <see cref="Probe"/> answers <see cref="DiskProbe.Failed"/>. Declaring the disk failed
/// is the coordinator's call after the down-out interval, not this class's.</para>
/// <para>The synchronous members of <see cref="IDisk"/> block on the request (HttpClient.Send): they are small calls,
/// bounded by <see cref="RemoteDiskOptions.CallTimeout"/>.</para>
/// </remarks>
public sealed class RemoteDisk : IDisk
{
    private readonly HttpClient _client;
    private Uri _endpoint;
    private readonly ClusterAuthenticator _authenticator;

    /// <summary>Creates the remote disk <paramref name="id"/> served at <paramref name="endpoint"/>.</summary>
    /// <param name="id">The disk's id (unique in the cluster).</param>
    /// <param name="labels">Its failure-domain labels.</param>
    /// <param name="weight">Its placement weight.</param>
    /// <param name="endpoint">The base URL of its node's storage endpoint, e.g. <c>http://127.0.0.1:9101/</c>.</param>
    /// <param name="client">The shared client (one per process, with pooled connections: <see cref="CreateClient"/>).</param>
    /// <param name="authenticator">Signs requests with the cluster secret.</param>
    /// <param name="options">Timeouts.</param>
    public RemoteDisk(string id, DiskLabels labels, double weight, Uri endpoint, HttpClient client, ClusterAuthenticator authenticator, RemoteDiskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(endpoint);
        Id = id;
        Labels = labels ?? throw new ArgumentNullException(nameof(labels));
        Weight = weight;
        _endpoint = endpoint;
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _authenticator = authenticator ?? throw new ArgumentNullException(nameof(authenticator));
        Options = options ?? new RemoteDiskOptions();
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public DiskLabels Labels { get; }

    /// <inheritdoc />
    public double Weight { get; }

    /// <summary>The node's storage endpoint.</summary>
    public Uri Endpoint => Volatile.Read(ref _endpoint);

    /// <summary>Points the disk at its node's new storage endpoint (the node came back on another address).</summary>
    public void Retarget(Uri endpoint) => Volatile.Write(ref _endpoint, endpoint ?? throw new ArgumentNullException(nameof(endpoint)));

    /// <summary>The timeouts in use.</summary>
    public RemoteDiskOptions Options { get; }

    /// <summary>
    /// The HTTP client remote disks share: pooled connections that are recycled every two minutes (so a moved
    /// address is picked up), a short connect timeout, no overall timeout (each call brings its own).
    /// </summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <inheritdoc />
    public async ValueTask<IFragmentWriter> CreateFragmentAsync(FragmentHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        return await RemoteFragmentWriter.StartAsync(this, header, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IFragmentReader? OpenFragment(FragmentId id)
    {
        try
        {
            using var response = Send(HttpMethod.Get, FragmentPath(id));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            var bytes = ReadAll(response);
            return FragmentHeader.TryParse(bytes, out var header) && header.Id == id ? new RemoteFragmentReader(this, header) : null;
        }
        catch (NodeUnreachableException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public DateTimeOffset? LastWriteTime(FragmentId id) => LastWrite(FragmentPath(id));

    /// <inheritdoc />
    public bool DeleteFragment(FragmentId id) => Delete(FragmentPath(id));

    /// <inheritdoc />
    public IEnumerable<FragmentId> ListFragments() =>
        List("fragments").Select(line => FragmentId.TryParse(line, out var id) ? id : (FragmentId?)null).OfType<FragmentId>();

    /// <inheritdoc />
    public DiskProbe Probe()
    {
        try
        {
            using var response = Send(HttpMethod.Get, Path("probe"), Options.ProbeTimeout);
            return response.StatusCode == HttpStatusCode.OK && Enum.TryParse<DiskProbe>(ReadText(response), out var probe) ? probe : DiskProbe.Failed;
        }
        catch (NodeUnreachableException)
        {
            return DiskProbe.Failed;
        }
    }

    /// <inheritdoc />
    public void Format()
    {
        using var response = Send(HttpMethod.Post, Path("format"));
        EnsureSuccess(response, "format");
    }

    /// <inheritdoc />
    public async ValueTask WriteRecordAsync(Guid id, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.WriteTimeout);
        using var request = Request(HttpMethod.Put, RecordPath(id));
        request.Content = new ReadOnlyMemoryContent(content);
        try
        {
            using var response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            EnsureSuccess(response, "record write");
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            throw Unreachable(e);
        }
    }

    /// <inheritdoc />
    public byte[]? ReadRecord(Guid id)
    {
        try
        {
            using var response = Send(HttpMethod.Get, RecordPath(id));
            return response.StatusCode == HttpStatusCode.OK ? ReadAll(response) : null;
        }
        catch (NodeUnreachableException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public DateTimeOffset? RecordWriteTime(Guid id) => LastWrite(RecordPath(id));

    /// <inheritdoc />
    public bool DeleteRecord(Guid id) => Delete(RecordPath(id));

    /// <inheritdoc />
    public IEnumerable<Guid> ListRecords() =>
        List("records").Select(line => Guid.TryParseExact(line, "N", out var id) ? id : (Guid?)null).OfType<Guid>();

    /// <inheritdoc />
    public override string ToString() => $"{Id} at {Endpoint}";

    /// <summary>A signed request for <paramref name="path"/> (absolute, starting with <see cref="ClusterProtocol.StoragePrefix"/>).</summary>
    internal HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(Endpoint, path)) { Version = HttpVersion.Version11 };
        request.Headers.TryAddWithoutValidation(ClusterProtocol.AuthHeader, _authenticator.Sign(method.Method, request.RequestUri!.PathAndQuery));
        return request;
    }

    /// <summary>Sends asynchronously within <paramref name="timeout"/>; transport failures become <see cref="NodeUnreachableException"/>.</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await _client.SendAsync(request, completion, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            throw Unreachable(e);
        }
    }

    /// <summary>The client the fragment writer streams through.</summary>
    internal HttpClient Client => _client;

    internal static string FragmentRest(FragmentId id) => "fragments/" + id.ToString();

    internal string FragmentPath(FragmentId id) => Path(FragmentRest(id));

    internal string Path(string rest) => ClusterProtocol.DiskPath(Id, rest);

    internal static bool IsTransport(Exception e, CancellationToken caller) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !caller.IsCancellationRequested);

    internal NodeUnreachableException Unreachable(Exception inner) => new($"Disk {Id} at {Endpoint} did not answer: {inner.Message}", inner);

    /// <summary>
    /// Raised when a fragment write to this disk's node timed out (no answer within
    /// <see cref="RemoteDiskOptions.WriteTimeout"/>, or no connection within the connect timeout): a link that drops
    /// packets, which the node's probes would take seconds more to find. Not raised for a refusal or a reset
    /// connection: a node that answers, even with an error (a restart behind a pooled connection), is there.
    /// </summary>
    public event Action<RemoteDisk>? WriteTimedOut;

    /// <summary>The exception for a fragment write's transport failure; raises <see cref="WriteTimedOut"/> when it was a timeout.</summary>
    internal NodeUnreachableException WriteUnreachable(Exception inner)
    {
        if (IsTimeout(inner))
        {
            WriteTimedOut?.Invoke(this);
        }

        return Unreachable(inner);
    }

    private static bool IsTimeout(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException or TimeoutException || e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.TimedOut })
            {
                return true;
            }
        }

        return false;
    }

    private string RecordPath(Guid id) => Path("records/" + id.ToString("N"));

    /// <summary>Sends a small call synchronously within <paramref name="timeout"/> (default <see cref="RemoteDiskOptions.CallTimeout"/>).</summary>
    internal HttpResponseMessage Send(HttpMethod method, string path, TimeSpan? timeout = null)
    {
        using var request = Request(method, path);
        using var limit = new CancellationTokenSource(timeout ?? Options.CallTimeout);
        try
        {
            return _client.Send(request, HttpCompletionOption.ResponseContentRead, limit.Token);
        }
        catch (Exception e) when (IsTransport(e, CancellationToken.None))
        {
            throw Unreachable(e);
        }
    }

    private DateTimeOffset? LastWrite(string path)
    {
        using var response = Send(HttpMethod.Head, path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureSuccess(response, "stat");
        return response.Headers.TryGetValues(ClusterProtocol.LastWriteHeader, out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : throw new NodeUnreachableException($"Disk {Id} at {Endpoint} answered a stat without its time.");
    }

    private bool Delete(string path)
    {
        using var response = Send(HttpMethod.Delete, path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        EnsureSuccess(response, "delete");
        return true;
    }

    private List<string> List(string what)
    {
        using var response = Send(HttpMethod.Get, Path(what));
        EnsureSuccess(response, "list");
        return ReadText(response).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private void EnsureSuccess(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new NodeUnreachableException($"Disk {Id} at {Endpoint} refused a {what}: {(int)response.StatusCode} {ReadText(response)}");
        }
    }

    /// <summary>The whole body of a buffered response.</summary>
    internal static byte[] ReadAll(HttpResponseMessage response)
    {
        using var stream = response.Content.ReadAsStream();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static string ReadText(HttpResponseMessage response) => System.Text.Encoding.UTF8.GetString(ReadAll(response));
}
