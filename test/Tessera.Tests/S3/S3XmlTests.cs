using System.Text;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;
using Tessera.S3.Xml;

namespace Tessera.Tests.S3;

/// <summary>Request XML parsed without recursion, DTDs or unbounded depth; response XML that carries any key.</summary>
public sealed class S3XmlTests
{
    private static S3Exception Malformed(string document)
    {
        var exception = Assert.Throws<S3Exception>(() => S3Xml.Parse(new MemoryStream(Encoding.UTF8.GetBytes(document))));
        Assert.Equal(S3Errors.MalformedXML.Code, exception.Error.Code);
        return exception;
    }

    [Theory]
    [InlineData(300_000)]
    [InlineData(S3Xml.MaxDepth + 1)]
    public void NestingPastTheLimit_IsMalformedXmlNotAStackOverflow(int depth)
    {
        // Before: XElement.Value recursed once per level, and 300,000 levels overflowed the stack (the process died).
        Malformed("<Delete><Object><Key>" + string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)) + "</Key></Object></Delete>");
    }

    [Fact]
    public void NestingAtTheLimit_Parses()
    {
        var depth = S3Xml.MaxDepth - 1;
        var root = S3Xml.Parse("<r>" + string.Concat(Enumerable.Repeat("<a>", depth - 1)) + "x" + string.Concat(Enumerable.Repeat("</a>", depth - 1)) + "</r>");
        Assert.Equal("x", root.Value);
    }

    [Fact]
    public void Dtds_AreMalformedXml()
    {
        Malformed("""<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>""");
        Malformed("""<!DOCTYPE d SYSTEM "file:///etc/passwd"><Delete/>""");
        Assert.Throws<S3Exception>(() => S3Xml.Parse("""<!DOCTYPE t [<!ENTITY x "y">]><Tagging/>"""));
    }

    [Fact]
    public void ValuesKeepWhitespaceAndNamespacesAreAccepted()
    {
        var root = S3Xml.Parse("""<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key> </Key></Object><!-- c --><Object><Key><![CDATA[a<b]]></Key></Object></Delete>""");
        var keys = S3Xml.Children(root, "Object").Select(o => S3Xml.ChildValue(o, "Key")).ToList();
        Assert.Equal([" ", "a<b"], keys);
    }

    [Fact]
    public void ValueElementsWithElementsInside_AreMalformedXml()
    {
        var root = S3Xml.Parse("<Object><Key>a<b/>c</Key></Object>");
        var exception = Assert.Throws<S3Exception>(() => S3Xml.ChildValue(root, "Key"));
        Assert.Equal("MalformedXML", exception.Error.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not xml")]
    [InlineData("<a><b></a>")]
    [InlineData("<a>&#x1;</a>")]
    public void BrokenDocuments_AreMalformedXml(string document) => Malformed(document);

    [Fact]
    public async Task KeysWithCharactersXmlCannotCarry_AreWrittenAsCharacterReferences()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await S3Xml.WriteAsync(context.Response, 200, w => w.WriteElementString("Key", "a\u0001b\rc\nd\u001Fe"));
        var xml = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.EndsWith("<Key>a&#x1;b&#xD;c\nd&#x1F;e</Key>", xml, StringComparison.Ordinal);
    }
}
