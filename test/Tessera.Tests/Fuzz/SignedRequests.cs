using System.Globalization;
using System.Text;
using CsCheck;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Correctly signed requests (SigV4 header or presigned URL) with random methods, paths, queries and headers, each
/// signed with <see cref="ReferenceSigner"/> over its decoded parts and sent with a randomly chosen, equally valid raw
/// encoding: optional escapes taken or not, hex in either case, spaces as <c>+</c> or <c>%20</c>, raw non-ASCII.
/// </summary>
internal static class SignedRequests
{
    /// <summary>Characters of decoded paths and query parts: unreserved, reserved, must-escape, controls, non-ASCII.</summary>
    private static readonly string[] Elements =
    [
        .. "abcXYZ019-_.~!$&'()*+,;=:@ %?#[]\"<>\\^`{|}/".Select(c => c.ToString()),
        "\t", "\u0001", "\u007F", "é", "ü", "日", "😀", "\u00A0", "\uFFFD",
    ];

    private static readonly Gen<string> DecodedText = Gen.Int[0, Elements.Length - 1].Array[0, 16].Select(i => string.Concat(i.Select(e => Elements[e])));

    /// <summary>
    /// Extra signed headers. Never an empty value: HeaderDictionary drops a header whose only value is empty (Kestrel
    /// keeps it), so the test request would not carry what was signed.
    /// </summary>
    private static readonly Gen<(string Name, string Value)> Header = Gen.Select(
        Gen.OneOf(Gen.Const("x-amz-meta-a"), Gen.Const("X-Amz-Meta-B"), Gen.Const("content-type"), Gen.Const("x-amz-storage-class"), Gen.Const("Content-MD5"), Gen.Const("range"), Gen.Const("x-amz-tagging")),
        Gen.Frequency(
            (4, Gen.Char.AlphaNumeric.Array[1, 10].Select(c => new string(c))),
            (2, Gen.OneOf(Gen.Const("  a   b  "), Gen.Const("\ta\t"), Gen.Const("é 日本"), Gen.Const("a,b"), Gen.Const(" "), Gen.Const("\u00A0x\u00A0"), Gen.Const("=?UTF-8?B?w6k=?=")))),
        (name, value) => (name, value));

    /// <summary>Payload hashes a header-signed request may declare.</summary>
    private static readonly Gen<string> PayloadHashes = Gen.Frequency(
        (4, Gen.Const(PayloadHash.Unsigned)),
        (2, Gen.Byte.Array[32].Select(Convert.ToHexStringLower)),
        (1, Gen.Byte.Array[32].Select(Convert.ToHexString)),
        (1, Gen.OneOf(Gen.Const(PayloadHash.StreamingSigned), Gen.Const(PayloadHash.StreamingSignedTrailer), Gen.Const(PayloadHash.StreamingUnsignedTrailer))));

    /// <summary>A valid request: header-signed or presigned.</summary>
    public static readonly Gen<WireRequest> Valid = Gen.Select(
        Gen.Frequency((6, Gen.OneOf(Gen.Const("GET"), Gen.Const("PUT"), Gen.Const("POST"), Gen.Const("DELETE"), Gen.Const("HEAD"))), (1, Gen.OneOf(Gen.Const("PATCH"), Gen.Const("get"), Gen.Const("X")))),
        DecodedText,
        Gen.Select(DecodedText, DecodedText).Array[0, 5],
        Header.Array[0, 4],
        Gen.Select(PayloadHashes, Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true))), Gen.Int[1, 604_800], Gen.OneOf(Gen.Const("examplebucket.s3.amazonaws.com"), Gen.Const("127.0.0.1:9000"))),
        Gen.Int,
        (method, path, query, extra, options, encodingSeed) =>
        {
            var (payloadHash, presigned, expires, host) = options;
            return Sign(method, "/" + path, [.. query.Select(q => (q.Item1, q.Item2))], [("Host", host), .. extra], payloadHash, presigned, expires, new Random(encodingSeed));
        });

    /// <summary>Signs a request given its decoded parts with <see cref="ReferenceSigner"/>, and encodes it for the wire.</summary>
    public static WireRequest Sign(string method, string path, List<(string Name, string Value)> query, List<(string Name, string Value)> headers, string payloadHash, bool presigned, int expires, Random encoding)
    {
        if (presigned)
        {
            query.AddRange(
            [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                ("X-Amz-Credential", WireSigner.Credential),
                ("X-Amz-Date", AmzDate),
                ("X-Amz-Expires", expires.ToString(CultureInfo.InvariantCulture)),
                ("X-Amz-SignedHeaders", ReferenceSigner.SignedHeaders(headers)),
            ]);
            var signature = ReferenceSigner.Signature(ReferenceSigner.CanonicalRequest(method, path, query, headers, PayloadHash.Unsigned), AmzDate, SecretKey, Region);
            query.Add(("X-Amz-Signature", signature));
            return new WireRequest(method, EncodeTarget(path, query, encoding), headers, []);
        }

        headers.Add(("x-amz-date", AmzDate));
        headers.Add(("x-amz-content-sha256", payloadHash));
        var headerSignature = ReferenceSigner.Signature(ReferenceSigner.CanonicalRequest(method, path, query, headers, payloadHash), AmzDate, SecretKey, Region);
        return new WireRequest(
            method,
            EncodeTarget(path, query, encoding),
            [.. headers, ("Authorization", ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(headers), headerSignature))],
            []);
    }

    /// <summary>One of the raw targets that decode to <paramref name="path"/> and <paramref name="query"/>.</summary>
    public static string EncodeTarget(string path, IReadOnlyList<(string Name, string Value)> query, Random random)
    {
        var target = new StringBuilder(EncodeComponent(path, random, inQuery: false, isValue: false));
        for (var i = 0; i < query.Count; i++)
        {
            var (name, value) = query[i];
            target.Append(i == 0 ? '?' : '&').Append(EncodeComponent(name, random, inQuery: true, isValue: false));
            if (value.Length > 0 || name.Length == 0 || random.Next(2) == 0)
            {
                target.Append('=').Append(EncodeComponent(value, random, inQuery: true, isValue: true));
            }
        }

        return target.ToString();
    }

    private static string EncodeComponent(string text, Random random, bool inQuery, bool isValue)
    {
        var encoded = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            var element = text.Substring(i, length);
            i += length - 1;
            var c = element[0];
            var mustEscape = c is '%' or '#' or '+' or ' ' or '"' or '<' or '>' or '\\' or '^' or '`' or '{' or '|' or '}' or < ' ' or '\u007F'
                || (inQuery ? c == '&' || (c == '=' && !isValue) : c == '?');
            if (c == '/' && !inQuery)
            {
                // A literal slash separates segments; %2F would name another resource.
                encoded.Append('/');
            }
            else if (c == ' ' && inQuery && random.Next(2) == 0)
            {
                encoded.Append('+');
            }
            else if (c > '\u007F')
            {
                encoded.Append(random.Next(4) == 0 ? element : Escape(element, random));
            }
            else if (mustEscape || random.Next(5) == 0)
            {
                encoded.Append(Escape(element, random));
            }
            else
            {
                encoded.Append(element);
            }
        }

        return encoded.ToString();
    }

    private static string Escape(string element, Random random) =>
        string.Concat(Encoding.UTF8.GetBytes(element).Select(b => "%" + b.ToString(random.Next(3) == 0 ? "x2" : "X2", CultureInfo.InvariantCulture)));
}
