using Tessera.S3.Gateway;

namespace Tessera.Tests.S3;

/// <summary>Strict percent-decoding: invalid UTF-8 is an error (InvalidURI upstream), never literal text.</summary>
public sealed class UriPathTests
{
    [Theory]
    [InlineData("/b/plain", "/b/plain")]
    [InlineData("/b/caf%C3%A9", "/b/café")]
    [InlineData("/b/a%01b", "/b/a\u0001b")]
    [InlineData("/b/a%2Fb", "/b/a/b")]
    [InlineData("/b/caf\u00e9", "/b/café")]
    public void ValidPaths_Decode(string raw, string expected)
    {
        Assert.True(UriPath.TryDecode(raw, out var decoded));
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("/b/a%FFb")]
    [InlineData("/b/%ED%A0%80")]
    [InlineData("/b/%E2%82")]
    [InlineData("/b/%C0%AF")]
    [InlineData("/b/%4")]
    [InlineData("/b/%zz")]
    public void InvalidPaths_Fail(string raw) => Assert.False(UriPath.TryDecode(raw, out _));

    [Fact]
    public void ALoneSurrogate_Fails() => Assert.False(UriPath.TryDecode("/b/\ud800x", out _));
}
