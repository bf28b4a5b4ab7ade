using Microsoft.Extensions.Primitives;

namespace Tessera.Tests.Fuzz;

/// <summary>What the gateway answered: status, headers, body, and any exception it logged.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Headers">The response headers.</param>
/// <param name="Body">The response body.</param>
/// <param name="Logged">Exceptions the gateway logged while handling the request.</param>
internal sealed record GatewayResponse(int Status, IReadOnlyDictionary<string, StringValues> Headers, byte[] Body, IReadOnlyList<Exception> Logged)
{
    /// <summary>A response header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value.ToString() : null;
}
