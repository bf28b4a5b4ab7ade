using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tessera.Cluster.Storage;

/// <summary>
/// Authenticates node-to-node requests with the cluster secret: the caller sends
/// <c>X-Tessera-Cluster-Auth: node:unix-seconds:hex(HMAC-SHA256(secret, METHOD \n path-and-query \n node \n seconds))</c>
/// and the receiver recomputes it, refusing a time more than <see cref="MaxSkew"/> away from its own clock. S3
/// credentials never pass this check: the storage endpoint knows only the cluster secret.
/// </summary>
/// <remarks>
/// The MAC covers the request line, not the body: fragment bytes are checked by the per-block checksums the receiving
/// disk writes and every reader verifies. A request seen on the wire can be replayed within the skew window; a cluster
/// whose links are not trusted needs TLS in front (documented in docs/design/cluster.md).
/// </remarks>
public sealed class ClusterAuthenticator
{
    /// <summary>How far a request's time may be from the receiver's clock.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>The one spelling of a MAC: lower-case hex, as <see cref="Sign"/> writes it.</summary>
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly byte[] _secret;
    private readonly TimeProvider _time;

    /// <summary>Creates an authenticator for <paramref name="nodeId"/> with the cluster's shared secret.</summary>
    /// <param name="nodeId">This node's id (sent with every request it makes).</param>
    /// <param name="secret">The cluster secret: at least 16 characters.</param>
    /// <param name="time">The clock; default the system's.</param>
    /// <exception cref="ArgumentException">The secret is shorter than 16 characters or the node id is empty or holds a colon.</exception>
    public ClusterAuthenticator(string nodeId, string secret, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 16)
        {
            throw new ArgumentException("The cluster secret must be at least 16 characters.", nameof(secret));
        }

        if (nodeId.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A node id may not contain ':'.", nameof(nodeId));
        }

        NodeId = nodeId;
        _secret = Encoding.UTF8.GetBytes(secret);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>This node's id.</summary>
    public string NodeId { get; }

    /// <summary>The header value for a request this node sends.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="pathAndQuery">The path and query exactly as sent.</param>
    public string Sign(string method, string pathAndQuery)
    {
        var seconds = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return NodeId + ":" + seconds + ":" + Convert.ToHexStringLower(Mac(method, pathAndQuery, NodeId, seconds));
    }

    /// <summary>The calling node's id when <paramref name="header"/> is a valid, fresh signature of the request; otherwise null.</summary>
    /// <param name="header">The value of <see cref="ClusterProtocol.AuthHeader"/>.</param>
    /// <param name="method">The request's method.</param>
    /// <param name="pathAndQuery">The request's raw path and query.</param>
    public string? Verify(string? header, string method, string pathAndQuery)
    {
        if (string.IsNullOrEmpty(header) || header.Length > 512)
        {
            return null;
        }

        var parts = header.Split(':');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[2].Length != 64 || parts[2].AsSpan().ContainsAnyExcept(LowerHex)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        var age = _time.GetUtcNow().ToUnixTimeSeconds() - seconds;
        if (Math.Abs(age) > MaxSkew.TotalSeconds)
        {
            return null;
        }

        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(parts[2], given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(given, Mac(method, pathAndQuery, parts[0], parts[1])) ? parts[0] : null;
    }

    private byte[] Mac(string method, string pathAndQuery, string node, string seconds) =>
        HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(method + "\n" + pathAndQuery + "\n" + node + "\n" + seconds));
}
