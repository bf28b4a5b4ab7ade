using Tessera.Core.Errors;
using Tessera.S3.Gateway;

namespace Tessera.Tests.S3;

/// <summary>Header values from clients: refused when they cannot be headers, MIME-encoded when they are not ASCII.</summary>
public sealed class HeaderValuesTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("Ünïcödé", "=?UTF-8?B?w5xuw69jw7Zkw6k=?=")]
    [InlineData("a\r\nb", "=?UTF-8?B?YQ0KYg==?=")]
    public void ForResponse_EncodesWhatIsNotPrintableAscii(string value, string expected) => Assert.Equal(expected, HeaderValues.ForResponse(value));

    [Fact]
    public void LongValues_AreSplitIntoEncodedWordsOfAtMost75Characters()
    {
        var value = string.Concat(Enumerable.Repeat("€uro ", 40));
        var encoded = HeaderValues.ForResponse(value);
        var words = encoded.Split(' ');
        Assert.True(words.Length > 1);
        Assert.All(words, w => Assert.True(w.Length <= 75 && w.StartsWith("=?UTF-8?B?", StringComparison.Ordinal) && w.EndsWith("?=", StringComparison.Ordinal), w));
        Assert.Equal(value, HeaderValues.FromRequest(encoded));
    }

    [Theory]
    [InlineData("=?UTF-8?B?w6lsw6h2ZQ==?=", "élève")]
    [InlineData("=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait")]
    [InlineData("=?ISO-8859-1?Q?caf=E9?= =?UTF-8?B?IQ==?=", "café!")]
    [InlineData("=?UTF-8?B?not base64?=", "=?UTF-8?B?not base64?=")]
    [InlineData("=?KOI8-R?B?w6k=?=", "=?KOI8-R?B?w6k=?=")]
    [InlineData("prefix =?UTF-8?B?w6k=?=", "prefix =?UTF-8?B?w6k=?=")]
    [InlineData("=?UTF-8?B?YQ0KYg==?=", "=?UTF-8?B?YQ0KYg==?=")]
    public void FromRequest_DecodesWholeEncodedWordsOnly(string value, string expected) => Assert.Equal(expected, HeaderValues.FromRequest(value));

    [Theory]
    [InlineData("text/plain\r\nX-Evil: 1")]
    [InlineData("a\u0000b")]
    [InlineData("attachment; filename=\u20ac.txt")]
    public void OverridesThatCannotBeIso88591Headers_AreInvalidArgument(string value)
    {
        var exception = Assert.Throws<S3Exception>(() => HeaderValues.RequireOverride("response-content-type", value));
        Assert.Equal("InvalidArgument", exception.Error.Code);
        Assert.Equal("Header value cannot be represented using ISO-8859-1.", exception.Message);
    }

    [Fact]
    public void Latin1Overrides_AreAccepted() => HeaderValues.RequireOverride("response-content-disposition", "attachment; filename=café.txt");
}
