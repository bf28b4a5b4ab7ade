using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Tessera.LoadGen;

/// <summary>
/// S3 PUT and GET of <c>obj-{i}</c> (SigV4, UNSIGNED-PAYLOAD), plain GET of one URL, and CreateBucket, over one
/// <see cref="HttpClient"/> whose pool holds one connection per worker. PUT bodies are one random buffer per worker,
/// resent every time; GET bodies are read into one buffer per worker and dropped.
/// </summary>
public sealed class HttpOperation : ILoadOperation
{
    private const int MaxErrorBody = 2048;

    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly LoadOptions _options;
    private readonly HttpClient _client;
    private readonly SigV4Signer? _signer;
    private readonly byte[][] _buffers;

    public HttpOperation(LoadOptions options)
    {
        _options = options;
        _client = CreateClient(options.Concurrency);
        if (options.Op != "httpget")
        {
            _signer = new SigV4Signer(options.AccessKey, options.SecretKey, options.Region);
        }

        var random = new Random(12345);
        _buffers = new byte[options.Concurrency][];
        for (var w = 0; w < _buffers.Length; w++)
        {
            _buffers[w] = GC.AllocateUninitializedArray<byte>(options.Op == "put" ? options.Size : 256 * 1024, pinned: true);
            random.NextBytes(_buffers[w]);
        }
    }

    public async ValueTask<OpOutcome> RunAsync(int worker, long index, CancellationToken cancellationToken)
    {
        using var request = _options.Op switch
        {
            "put" => Signed(HttpMethod.Put, $"/{_options.Bucket}/obj-{(_options.ObjectsGiven ? index % _options.Objects : index)}"),
            "get" => Signed(HttpMethod.Get, $"/{_options.Bucket}/obj-{index % _options.Objects}"),
            "mkbucket" => Signed(HttpMethod.Put, $"/{_options.Bucket}"),
            _ => new HttpRequestMessage(HttpMethod.Get, _options.Url),
        };
        if (_options.Op == "put")
        {
            request.Content = new ByteArrayContent(_buffers[worker]);
            request.Content.Headers.ContentType = OctetStream;
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            if (_options.Op == "mkbucket" && response.StatusCode == HttpStatusCode.Conflict)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (body.Contains("BucketAlreadyOwnedByYou", StringComparison.Ordinal))
                {
                    return new OpOutcome(0);
                }
            }

            return new OpOutcome(0, await DescribeAsync(response, cancellationToken).ConfigureAwait(false));
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (_options.Op == "put")
            {
                await stream.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                return new OpOutcome(_options.Size);
            }

            var buffer = _buffers[worker].AsMemory();
            long received = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                received += read;
            }

            return new OpOutcome(received);
        }
    }

    public void Dispose() => _client.Dispose();

    private static HttpClient CreateClient(int concurrency)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, MaxErrorBody));
        return string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
    }

    private HttpRequestMessage Signed(HttpMethod method, string path)
    {
        var encoded = SigV4Signer.EncodePath(path);
        var uri = new Uri(_options.Endpoint, encoded);
        var (amzDate, authorization) = _signer!.Sign(method.Method, uri.Authority, encoded, SigV4Signer.UnsignedPayload, DateTime.UtcNow);
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", SigV4Signer.UnsignedPayload);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }
}
