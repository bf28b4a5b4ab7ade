using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// One fuzzed gateway request before it meets the store: its target, headers and body may hold placeholders
/// (<c>{upload}</c>, <c>{version}</c>, <c>{etag}</c>) for ids only the seeded store knows; <see cref="ToWire"/> fills
/// them in, adds the digests asked for and signs the request as <see cref="Auth"/> says.
/// </summary>
/// <param name="Operation">What the generator meant to send (for the report).</param>
/// <param name="Method">The method.</param>
/// <param name="RawTarget">The raw target.</param>
/// <param name="Headers">Headers besides Host, the date, the payload hash and the Authorization.</param>
/// <param name="Body">The body (for streaming modes, the data before aws-chunked encoding).</param>
/// <param name="Auth">How the request authenticates.</param>
/// <param name="Md5">Content-MD5.</param>
/// <param name="Crc32">x-amz-checksum-crc32.</param>
internal sealed record GatewayCase(string Operation, string Method, string RawTarget, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, GatewayAuth Auth, GatewayDigest Md5, GatewayDigest Crc32)
{
    /// <summary>The request to send to <paramref name="store"/>.</summary>
    public WireRequest ToWire(GatewayStore store, int pick)
    {
        string Fill(string text) => text.Contains('{', StringComparison.Ordinal)
            ? text.Replace("{upload}", store.UploadId, StringComparison.Ordinal)
                .Replace("{version}", store.VersionIds.Count == 0 ? "none" : store.VersionIds[pick % store.VersionIds.Count], StringComparison.Ordinal)
                .Replace("{etag}", store.PartETag, StringComparison.Ordinal)
            : text;

        var target = WireText.AsReceived(Fill(RawTarget));
        var body = Body.AsSpan().IndexOf("{"u8) >= 0 ? Encoding.UTF8.GetBytes(Fill(Encoding.UTF8.GetString(Body))) : Body;
        var headers = Headers.Select(h => (h.Name, Fill(h.Value))).ToList();
        if (!headers.Any(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Insert(0, ("Host", "127.0.0.1:9000"));
        }

        if (Md5 != GatewayDigest.None)
        {
            headers.Add(("Content-MD5", Convert.ToBase64String(MD5.HashData(Md5 == GatewayDigest.Correct ? body : [.. body, 1]))));
        }

        var streaming = Auth is GatewayAuth.StreamingSigned or GatewayAuth.StreamingSignedTrailer or GatewayAuth.StreamingUnsignedTrailer;
        var crc = Convert.ToBase64String([.. System.IO.Hashing.Crc32.Hash(Crc32 == GatewayDigest.Wrong ? [.. body, 1] : body).Reverse()]);
        if (Crc32 != GatewayDigest.None && !(streaming && Auth != GatewayAuth.StreamingSigned))
        {
            headers.Add(("x-amz-checksum-crc32", crc));
        }

        switch (Auth)
        {
            case GatewayAuth.Anonymous or GatewayAuth.Form:
                return new WireRequest(Method, target, headers, body);
            case GatewayAuth.Presigned:
                return new WireRequest(Method, WireSigner.Presign(Method, target, headers), headers, body);
            case GatewayAuth.SigV2:
                headers.Add(("x-amz-date", AmzDate));
                return new WireRequest(Method, target, [.. headers, ("Authorization", SigV2Authorization(target, headers))], body);
        }

        if (streaming)
        {
            headers.Add(("x-amz-decoded-content-length", body.Length.ToString(CultureInfo.InvariantCulture)));
            headers.Add(("Content-Encoding", "aws-chunked"));
            if (Auth != GatewayAuth.StreamingSigned)
            {
                headers.Add(("x-amz-trailer", "x-amz-checksum-crc32"));
            }
        }

        var payloadHash = Auth switch
        {
            GatewayAuth.Unsigned => PayloadHash.Unsigned,
            GatewayAuth.Sha256 => ReferenceSigner.Sha256Hex(body),
            GatewayAuth.WrongSha256 => ReferenceSigner.Sha256Hex([.. body, 1]),
            GatewayAuth.StreamingSigned => PayloadHash.StreamingSigned,
            GatewayAuth.StreamingSignedTrailer => PayloadHash.StreamingSignedTrailer,
            _ => PayloadHash.StreamingUnsignedTrailer,
        };
        headers.Add(("x-amz-date", AmzDate));
        headers.Add(("x-amz-content-sha256", payloadHash));
        var (authorization, signature) = WireSigner.Sign(Method, target, headers, payloadHash);
        var chunks = ChunkedBodies.Chunks(body, 1 + (pick % 4_000)).ToList();
        var sent = Auth switch
        {
            GatewayAuth.StreamingSigned => ChunkedBodies.Signed(chunks, seed: signature),
            GatewayAuth.StreamingSignedTrailer => ChunkedBodies.Signed(chunks, [("x-amz-checksum-crc32", crc)], signature),
            GatewayAuth.StreamingUnsignedTrailer => ChunkedBodies.Unsigned(chunks, [("x-amz-checksum-crc32", crc)]),
            _ => body,
        };
        return new WireRequest(Method, target, [.. headers, ("Authorization", authorization)], sent);
    }

    public override string ToString() =>
        $"{Operation}: {Method} {Show.Text(RawTarget)} auth {Auth} md5 {Md5} crc32 {Crc32}{string.Concat(Headers.Select(h => $"\n  {h.Name}: {Show.Text(h.Value)}"))}\n  body {Show.Bytes(Body)}";

    private string SigV2Authorization(string target, List<(string Name, string Value)> headers)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var request = new WireRequest(Method, target, headers, []).ToContext().Request;
        var toSign = SigV2Verifier.StringToSign(request, "", question < 0 ? target : target[..question], question < 0 ? "" : target[(question + 1)..], null);
        return $"AWS {AccessKey}:{Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(SecretKey), Encoding.UTF8.GetBytes(toSign)))}";
    }
}
