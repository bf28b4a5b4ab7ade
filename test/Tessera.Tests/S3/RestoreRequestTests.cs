using Tessera.Core.Errors;
using Tessera.S3.Operations;
using Tessera.S3.Xml;

namespace Tessera.Tests.S3;

/// <summary>The <c>RestoreRequest</c> grammar (<see cref="RestoreObject.Parse"/>) through the hardened reader.</summary>
public sealed class RestoreRequestTests
{
    [Theory]
    [InlineData("<RestoreRequest><Days>1</Days></RestoreRequest>", 1, "Standard")]
    [InlineData("<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>7</Days><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>", 7, "Bulk")]
    [InlineData("<RestoreRequest><GlacierJobParameters><Tier>Expedited</Tier></GlacierJobParameters><Days> 30 </Days><Description>why</Description></RestoreRequest>", 30, "Expedited")]
    [InlineData("<RestoreRequest><Days>2147483647</Days><Tier>Standard</Tier></RestoreRequest>", int.MaxValue, "Standard")]
    [InlineData("<?xml version=\"1.0\"?><!-- c --><RestoreRequest><Days>+3</Days></RestoreRequest>", 3, "Standard")]
    public void ValidDocumentsParse(string document, int days, string tier)
    {
        Assert.Equal(new RestoreRequest(days, tier), RestoreObject.Parse(S3Xml.Parse(document)));
    }

    [Theory]
    [InlineData("<Restore><Days>1</Days></Restore>", "MalformedXML")]
    [InlineData("<RestoreRequest/>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days></Days></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1.5</Days></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>2147483648</Days></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days><x/></Days></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><Days>1</Days></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><Unknown/></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><GlacierJobParameters/></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Standard</Tier><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>standard</Tier></GlacierJobParameters></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><Tier>Bulk</Tier><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1</Days><Type>OTHER</Type></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>1", "MalformedXML")]
    [InlineData("<!DOCTYPE x [<!ENTITY e \"1\">]><RestoreRequest><Days>&e;</Days></RestoreRequest>", "MalformedXML")]
    [InlineData("<RestoreRequest><Days>0</Days></RestoreRequest>", "InvalidArgument")]
    [InlineData("<RestoreRequest><Days>-4</Days></RestoreRequest>", "InvalidArgument")]
    [InlineData("<RestoreRequest><Type>SELECT</Type></RestoreRequest>", "NotImplemented")]
    [InlineData("<RestoreRequest><Days>1</Days><OutputLocation><S3/></OutputLocation></RestoreRequest>", "NotImplemented")]
    public void InvalidDocumentsAnswerS3sCodes(string document, string code)
    {
        var error = Assert.Throws<S3Exception>(() => RestoreObject.Parse(S3Xml.Parse(document)));
        Assert.Equal(code, error.Error.Code);
    }

    [Fact]
    public void DeepDocumentsAreRefusedByTheReader()
    {
        var deep = string.Concat(Enumerable.Repeat("<a>", 100)) + string.Concat(Enumerable.Repeat("</a>", 100));
        var error = Assert.Throws<S3Exception>(() => RestoreObject.Parse(S3Xml.Parse($"<RestoreRequest><Days>1</Days><Description>{deep}</Description></RestoreRequest>")));
        Assert.Equal("MalformedXML", error.Error.Code);
    }
}
