using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Tessera.S3.Auth;

/// <summary>The canonical request and the string to sign.</summary>
public sealed partial class SigV4Verifier
{
    /// <summary>
    /// Computes the signature of a request: HMAC(signing key, "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
    /// + hex(SHA-256(canonical request))). Both texts are built in one pooled or stack buffer.
    /// </summary>
    internal static void ComputeSignature(
        HttpRequest request,
        ReadOnlySpan<char> rawPath,
        in CanonicalQuery query,
        bool presigned,
        ReadOnlySpan<char> signedHeaders,
        string payloadHash,
        string amzDate,
        ReadOnlySpan<char> scope,
        ReadOnlySpan<byte> signingKey,
        Span<byte> signature)
    {
        var builder = new ByteBuilder(stackalloc byte[1024]);
        try
        {
            WriteCanonicalRequest(ref builder, request, rawPath, query, presigned, signedHeaders, payloadHash);
            Span<byte> canonicalHash = stackalloc byte[32];
            SHA256.HashData(builder.Written, canonicalHash);

            builder.Clear();
            builder.Append("AWS4-HMAC-SHA256\n"u8);
            builder.AppendUtf8(amzDate);
            builder.Append((byte)'\n');
            builder.AppendUtf8(scope);
            builder.Append((byte)'\n');
            SigV4Encoding.WriteHexLower(canonicalHash, builder.GetSpan(64));
            builder.Advance(64);
            HMACSHA256.HashData(signingKey, builder.Written, signature);
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>
    /// Writes the canonical request: method, canonical URI, canonical query, the signed headers as
    /// <c>name:value\n</c>, a blank line, the signed header list and the payload hash, separated by newlines.
    /// </summary>
    internal static void WriteCanonicalRequest(
        ref ByteBuilder builder,
        HttpRequest request,
        ReadOnlySpan<char> rawPath,
        in CanonicalQuery query,
        bool presigned,
        ReadOnlySpan<char> signedHeaders,
        string payloadHash)
    {
        builder.AppendUtf8(request.Method);
        builder.Append((byte)'\n');
        if (rawPath.IsEmpty || rawPath[0] != '/')
        {
            builder.Append((byte)'/');
        }

        var span = builder.GetSpan(checked(rawPath.Length * SigV4Encoding.MaxEncodedBytesPerChar));
        builder.Advance(SigV4Encoding.EncodeComponent(rawPath, span, keepSlash: true, plusIsSpace: false));
        builder.Append((byte)'\n');
        query.WriteTo(ref builder, presigned ? "X-Amz-Signature"u8 : []);
        builder.Append((byte)'\n');

        var headers = request.Headers;
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            builder.AppendUtf8(name);
            builder.Append((byte)':');
            var values = headers[HeaderKey(name)];
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append((byte)',');
                }

                AppendHeaderValue(ref builder, values[i]);
            }

            builder.Append((byte)'\n');
        }

        builder.Append((byte)'\n');
        builder.AppendUtf8(signedHeaders);
        builder.Append((byte)'\n');
        builder.AppendUtf8(payloadHash);
    }

    /// <summary>A header value trimmed, with inner runs of spaces collapsed to one.</summary>
    private static void AppendHeaderValue(ref ByteBuilder builder, string? value)
    {
        var rest = value.AsSpan().Trim();
        while (!rest.IsEmpty)
        {
            var space = rest.IndexOf(' ');
            if (space < 0)
            {
                builder.AppendUtf8(rest);
                return;
            }

            builder.AppendUtf8(rest[..space]);
            builder.Append((byte)' ');
            rest = rest[(space + 1)..].TrimStart(' ');
        }
    }

    /// <summary>The header dictionary key for a signed header name: interned for the usual ones, so no string is allocated.</summary>
    private static string HeaderKey(ReadOnlySpan<char> name) => name switch
    {
        "host" => "host",
        "x-amz-date" => "x-amz-date",
        "x-amz-content-sha256" => "x-amz-content-sha256",
        "x-amz-decoded-content-length" => "x-amz-decoded-content-length",
        "x-amz-trailer" => "x-amz-trailer",
        "x-amz-sdk-checksum-algorithm" => "x-amz-sdk-checksum-algorithm",
        "x-amz-checksum-crc32" => "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c" => "x-amz-checksum-crc32c",
        "x-amz-checksum-crc64nvme" => "x-amz-checksum-crc64nvme",
        "x-amz-security-token" => "x-amz-security-token",
        "x-amz-storage-class" => "x-amz-storage-class",
        "x-amz-user-agent" => "x-amz-user-agent",
        "amz-sdk-invocation-id" => "amz-sdk-invocation-id",
        "amz-sdk-request" => "amz-sdk-request",
        "content-encoding" => "content-encoding",
        "content-length" => "content-length",
        "content-md5" => "content-md5",
        "content-type" => "content-type",
        "date" => "date",
        "range" => "range",
        _ => name.ToString(),
    };
}
