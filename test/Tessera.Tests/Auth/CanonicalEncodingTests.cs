using System.Text;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.S3.Auth;
using static Tessera.Tests.AuthTestRequests;

namespace Tessera.Tests.Auth;

/// <summary>
/// Keys and query values with spaces, Unicode, '+', '=', '/', '~' and other characters that clients encode in
/// different ways on the wire: all must reach the same canonical form as the reference signer.
/// </summary>
public sealed class CanonicalEncodingTests
{
    private const string Host = "bucket.s3.example.test";

    private static string Encode(string raw, bool keepSlash, bool plusIsSpace)
    {
        var buffer = new byte[raw.Length * SigV4Encoding.MaxEncodedBytesPerChar];
        var length = SigV4Encoding.EncodeComponent(raw, buffer, keepSlash, plusIsSpace);
        return Encoding.ASCII.GetString(buffer, 0, length);
    }

    /// <summary>Signs with the reference signer over decoded parts, sends <paramref name="rawTarget"/> on the wire.</summary>
    private static Microsoft.AspNetCore.Http.HttpRequest Signed(string method, string decodedPath, (string, string)[] decodedQuery, string rawTarget)
    {
        (string, string)[] headers = [("host", Host), ("x-amz-content-sha256", PayloadHash.Unsigned), ("x-amz-date", AmzDate)];
        var canonical = ReferenceSigner.CanonicalRequest(method, decodedPath, decodedQuery, headers, PayloadHash.Unsigned);
        var signature = ReferenceSigner.Signature(canonical, AmzDate, SecretKey, Region);
        return Create(method, rawTarget, [.. headers, ("Authorization", ReferenceSigner.Authorization(AccessKey, AmzDate, Region, ReferenceSigner.SignedHeaders(headers), signature))]);
    }

    [Theory]
    [InlineData("/a/b.txt", "/a/b.txt")]
    [InlineData("/test$file.text", "/test%24file.text")]
    [InlineData("/test%24file.text", "/test%24file.text")]
    [InlineData("/a%2fb", "/a%2Fb")]
    [InlineData("/a%2Fb/c", "/a%2Fb/c")]
    [InlineData("/%7Euser/~x", "/~user/~x")]
    [InlineData("/a+b=c", "/a%2Bb%3Dc")]
    [InlineData("/a%20b", "/a%20b")]
    [InlineData("/na%C3%AFve", "/na%C3%AFve")]
    [InlineData("/naïve", "/na%C3%AFve")]
    [InlineData("/😀", "/%F0%9F%98%80")]
    [InlineData("/100%", "/100%25")]
    [InlineData("/%zz", "/%25zz")]
    [InlineData("//double//slash/", "//double//slash/")]
    [InlineData("/.././x", "/.././x")]
    public void PathComponentsAreCanonicalized(string raw, string canonical)
    {
        Assert.Equal(canonical, Encode(raw, keepSlash: true, plusIsSpace: false));
    }

    [Theory]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a%2Fb", "a%2Fb")]
    [InlineData("a+b", "a%20b")]
    [InlineData("a%2Bb", "a%2Bb")]
    [InlineData("a%20b", "a%20b")]
    [InlineData("a=b", "a%3Db")]
    [InlineData("*", "%2A")]
    [InlineData("ü", "%C3%BC")]
    public void QueryComponentsAreCanonicalized(string raw, string canonical)
    {
        Assert.Equal(canonical, Encode(raw, keepSlash: false, plusIsSpace: true));
    }

    [Fact]
    public void EncodeComponentMatchesTheReferenceForAnyString()
    {
        Gen.String.Sample(
            s =>
            {
                // Unpaired surrogates have no UTF-8 form; the reference (Encoding.UTF8) replaces them as we do.
                return Encode(s.Replace("%", "%25", StringComparison.Ordinal).Replace("+", "%2B", StringComparison.Ordinal), keepSlash: false, plusIsSpace: true)
                    == ReferenceSigner.UriEncode(s, encodeSlash: true);
            },
            iter: 2000);
    }

    [Fact]
    public void QueryIsSortedByEncodedNameThenValue()
    {
        using var query = CanonicalQuery.Parse("b=2&a=z&a=y&A=1&lifecycle&c=&%61b=x");
        var builder = new ByteBuilder(new byte[256]);
        query.WriteTo(ref builder, []);
        Assert.Equal("A=1&a=y&a=z&ab=x&b=2&c=&lifecycle=", Encoding.ASCII.GetString(builder.Written));
        builder.Dispose();
    }

    [Fact]
    public void PresignedSignatureIsLeftOutOfTheCanonicalQuery()
    {
        using var query = CanonicalQuery.Parse("X-Amz-Signature=abc&X-Amz-Date=1&prefix=p");
        var builder = new ByteBuilder(new byte[256]);
        query.WriteTo(ref builder, "X-Amz-Signature"u8);
        Assert.Equal("X-Amz-Date=1&prefix=p", Encoding.ASCII.GetString(builder.Written));
        Assert.Equal(1, query.TryGetValue("X-Amz-Signature"u8, out var signature));
        Assert.Equal("abc", signature);
        builder.Dispose();
    }

    public static TheoryData<string, string> KeyWireForms => new()
    {
        // decoded key, path as sent
        { "my folder/file name.txt", "/bucket/my%20folder/file%20name.txt" },
        { "naïve/日本語/😀.bin", "/bucket/na%C3%AFve/%E6%97%A5%E6%9C%AC%E8%AA%9E/%F0%9F%98%80.bin" },
        { "naïve/日本語/😀.bin", "/bucket/naïve/日本語/😀.bin" },
        { "a+b=c&d.txt", "/bucket/a%2Bb%3Dc%26d.txt" },
        { "a+b=c&d.txt", "/bucket/a+b=c&d.txt" },
        { "tilde~and$dollar", "/bucket/tilde%7Eand%24dollar" },
        { "tilde~and$dollar", "/bucket/tilde~and$dollar" },
        { "lower/hex:colon", "/bucket/lower/hex%3acolon" },
    };

    [Theory]
    [MemberData(nameof(KeyWireForms))]
    public void KeysVerifyWhateverTheirWireEncoding(string key, string rawPath)
    {
        Verifier().Verify(Signed("GET", "/bucket/" + key, [], rawPath));
    }

    public static TheoryData<string, string, string> QueryWireForms => new()
    {
        // decoded prefix, decoded delimiter, raw query as sent
        { "photos/2024 summer/", "/", "prefix=photos%2F2024%20summer%2F&delimiter=%2F&list-type=2" },
        { "photos/2024 summer/", "/", "prefix=photos/2024%20summer/&delimiter=/&list-type=2" },
        { "photos/2024 summer/", "/", "list-type=2&delimiter=/&prefix=photos/2024+summer/" },
        { "a+b=c", "=", "prefix=a%2Bb%3Dc&delimiter=%3D&list-type=2" },
        { "a+b=c", "=", "prefix=a%2Bb=c&delimiter==&list-type=2" },
        { "日本/ü", "/", "prefix=%E6%97%A5%E6%9C%AC%2F%C3%BC&delimiter=%2f&list-type=2" },
    };

    [Theory]
    [MemberData(nameof(QueryWireForms))]
    public void QueryValuesVerifyWhateverTheirWireEncoding(string prefix, string delimiter, string rawQuery)
    {
        Verifier().Verify(Signed("GET", "/bucket", [("list-type", "2"), ("prefix", prefix), ("delimiter", delimiter)], "/bucket?" + rawQuery));
    }

    [Fact]
    public void EncodedSlashAndSlashInThePathAreDifferentKeys()
    {
        // "a%2Fb" is one segment; signing "a/b" must not verify a request for "a%2Fb".
        var exception = Assert.Throws<S3Exception>(() => Verifier().Verify(Signed("GET", "/bucket/a/b", [], "/bucket/a%2Fb")));
        Assert.Equal(S3Errors.SignatureDoesNotMatch.Code, exception.Error.Code);
    }

    [Fact]
    public void PlusAndEncodedPlusInTheQueryAreDifferentValues()
    {
        // '+' on the wire is a space (as ASP.NET decodes it for the handler); %2B is a plus.
        var exception = Assert.Throws<S3Exception>(() => Verifier().Verify(Signed("GET", "/bucket", [("prefix", "a+b")], "/bucket?prefix=a+b")));
        Assert.Equal(S3Errors.SignatureDoesNotMatch.Code, exception.Error.Code);
        Verifier().Verify(Signed("GET", "/bucket", [("prefix", "a+b")], "/bucket?prefix=a%2Bb"));
    }

    [Fact]
    public void RandomKeysAndQueriesVerify()
    {
        var keyChars = Gen.Frequency(
            (6, Gen.Char["azAZ09"]),
            (3, Gen.Char[" +=&$%~!*'()/:;,@?#[]"]),
            (1, Gen.Char['\u00a0', '\u07ff']),
            (1, Gen.Char['\u4e00', '\u9fff']));
        Gen.Select(keyChars.Array[1, 40], keyChars.Array[0, 20]).Sample(
            t =>
            {
                var key = new string(t.Item1);
                var prefix = new string(t.Item2);
                var rawPath = "/bucket/" + ReferenceSigner.UriEncode(key, encodeSlash: false);
                var rawQuery = "prefix=" + ReferenceSigner.UriEncode(prefix, encodeSlash: true) + "&x-id=GetObject";
                Verifier().Verify(Signed("GET", "/bucket/" + key, [("prefix", prefix), ("x-id", "GetObject")], rawPath + "?" + rawQuery));
            },
            iter: 300);
    }
}
