using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tessera.Tests.Fuzz;

/// <summary>A request as it arrives: method, raw target, headers in order (names may repeat), body.</summary>
/// <param name="Method">The method.</param>
/// <param name="RawTarget">The request target as sent (percent-encoded path and query).</param>
/// <param name="Headers">The headers in order.</param>
/// <param name="Body">The body.</param>
internal sealed record WireRequest(string Method, string RawTarget, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    /// <summary>The size of the input, for the allocation budget: target, headers and body.</summary>
    public long Length => RawTarget.Length + Headers.Sum(h => h.Name.Length + h.Value.Length + 4) + Body.Length;

    /// <summary>
    /// A <see cref="DefaultHttpContext"/> as Kestrel would fill it: the raw target, the decoded path (lenient, like
    /// Kestrel's), the query string, the headers, the body with its Content-Length, and a response body to read back.
    /// </summary>
    public DefaultHttpContext ToContext()
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = Method;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = RawTarget;
        var question = RawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? RawTarget : RawTarget[..question];
        var path = Uri.UnescapeDataString(rawPath);
        request.Path = path.StartsWith('/') ? new PathString(path) : PathString.Empty;
        request.QueryString = question < 0 ? QueryString.Empty : new QueryString(RawTarget[question..]);
        foreach (var (name, value) in Headers)
        {
            request.Headers.Append(name, value);
        }

        if (Body.Length > 0 || HttpMethods.IsPut(Method) || HttpMethods.IsPost(Method))
        {
            request.ContentLength = Body.Length;
        }

        request.Body = new MemoryStream(Body, writable: false);
        context.Response.Body = new MemoryStream();
        return context;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Method).Append(' ').Append(Show.Text(RawTarget));
        foreach (var (name, value) in Headers)
        {
            text.Append("\n  ").Append(name).Append(": ").Append(Show.Text(value));
        }

        return text.Append("\n  body ").Append(Show.Bytes(Body)).ToString();
    }
}
