using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Tessera.IntegrationTests;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests no HTTP client library will send as written: non-ASCII or control
/// bytes in headers, bodies that stall or run past their framing, exact header sets. One request per connection.
/// </summary>
public static class RawHttp
{
    /// <summary>A response: status, headers (last value wins), body as UTF-8, and whether the server closed the connection after it.</summary>
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body, bool Closed)
    {
        /// <summary>The S3 error code in the body, or null.</summary>
        public string? ErrorCode => Between(Body, "<Code>", "</Code>");

        /// <summary>The text of the first element named <paramref name="name"/>, or null.</summary>
        public string? Element(string name) => Between(Body, $"<{name}>", $"</{name}>");

        private static string? Between(string text, string open, string close)
        {
            var start = text.IndexOf(open, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            start += open.Length;
            var end = text.IndexOf(close, start, StringComparison.Ordinal);
            return end < 0 ? null : text[start..end];
        }
    }

    /// <summary>The request head as bytes: request line, headers (values written as UTF-8), blank line.</summary>
    public static byte[] Head(string method, string target, Uri endpoint, IEnumerable<(string Name, string Value)> headers)
    {
        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        text.Append("Host: ").Append(endpoint.Authority).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Sends one request (head, then body) and reads the response.</summary>
    public static async Task<Response> SendAsync(Uri endpoint, string method, string target, IEnumerable<(string Name, string Value)> headers, byte[]? body = null, CancellationToken cancellationToken = default)
    {
        using var client = await ConnectAsync(endpoint, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Head(method, target, endpoint, headers), cancellationToken);
        if (body is { Length: > 0 })
        {
            await stream.WriteAsync(body, cancellationToken);
        }

        return await ReadResponseAsync(stream, HttpMethod.Head.Method == method, cancellationToken);
    }

    /// <summary>A connected socket to the store.</summary>
    public static async Task<TcpClient> ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
        return client;
    }

    /// <summary>Reads one response from <paramref name="stream"/>: by Content-Length, else to the end of the connection.</summary>
    public static async Task<Response> ReadResponseAsync(NetworkStream stream, bool head, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection before a response head: " + Encoding.UTF8.GetString(buffer.ToArray()));
            }

            buffer.Write(chunk, 0, read);
        }

        var all = buffer.ToArray();
        var lines = Encoding.UTF8.GetString(all, 0, headEnd).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = new MemoryStream();
        body.Write(all, headEnd + 4, all.Length - headEnd - 4);
        var closed = false;
        if (!head && status is not (204 or 304) && headers.TryGetValue("Content-Length", out var lengthText))
        {
            var length = long.Parse(lengthText, CultureInfo.InvariantCulture);
            while (body.Length < length)
            {
                var read = await stream.ReadAsync(chunk, cancellationToken);
                if (read == 0)
                {
                    closed = true;
                    break;
                }

                body.Write(chunk, 0, read);
            }
        }

        if (headers.TryGetValue("Connection", out var connection) && connection.Equals("close", StringComparison.OrdinalIgnoreCase))
        {
            closed = true;
        }

        return new Response(status, headers, Encoding.UTF8.GetString(body.ToArray()), closed);
    }

    private static int IndexOfHeadEnd(MemoryStream buffer)
    {
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        return bytes.IndexOf("\r\n\r\n"u8);
    }
}
