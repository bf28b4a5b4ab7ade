using System.Text;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.S3.Operations;
using Tessera.S3.Xml;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz target for the RestoreRequest grammar: mutated documents go through the gateway's hardened reader and
/// <see cref="RestoreObject.Parse"/>. Every input either fails with an S3Exception of one of the grammar's codes or
/// yields a request with at least one day and one of the three tiers.
/// </summary>
public sealed class RestoreRequestFuzzTests
{
    private static readonly string[] Seeds =
    [
        "<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>2</Days><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>",
        "<RestoreRequest><Days>1</Days><Description>d</Description><Tier>Expedited</Tier></RestoreRequest>",
        "<RestoreRequest><Type>SELECT</Type><Tier>Standard</Tier><SelectParameters/><OutputLocation/></RestoreRequest>",
    ];

    private static readonly byte[][] Dictionary = [.. new[]
    {
        "<Days>", "</Days>", "<Days>0</Days>", "<Days>-1</Days>", "<Days>2147483648</Days>", "<Tier>Standard</Tier>", "<Tier>Bulk</Tier>",
        "<GlacierJobParameters>", "</GlacierJobParameters>", "<Type>SELECT</Type>", "<Description/>", "<!DOCTYPE a>", "&amp;", "<![CDATA[1]]>",
    }.Select(Encoding.UTF8.GetBytes)];

    private static readonly Gen<byte[]> Documents = Gen.Select(Gen.Int[0, Seeds.Length - 1], Mutation.Gen(maxRepeat: 50).Array[0, 6], (seed, edits) =>
        Mutation.Apply(Encoding.UTF8.GetBytes(Seeds[seed]), edits, Dictionary));

    [Fact]
    public void FuzzParse()
    {
        FuzzRunner.Run("xml/restore", Documents, Check, seconds: 3, print: Show.Bytes);
    }

    private static string Check(byte[] input)
    {
        RestoreRequest request;
        try
        {
            request = RestoreObject.Parse(S3Xml.Parse(new MemoryStream(input, writable: false)));
        }
        catch (S3Exception e)
        {
            Assert.Contains(e.Error.Code, new[] { "MalformedXML", "InvalidArgument", "NotImplemented" });
            return e.Error.Code;
        }

        Assert.InRange(request.Days, 1, int.MaxValue);
        Assert.Contains(request.Tier, new[] { "Standard", "Bulk", "Expedited" });
        return "valid";
    }
}
