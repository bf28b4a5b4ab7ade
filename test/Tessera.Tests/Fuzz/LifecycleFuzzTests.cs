using System.Text;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.Index.Lifecycle;
using Tessera.S3.Xml;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz target for the lifecycle grammar: mutated lifecycle documents go through the gateway's hardened reader and
/// <see cref="LifecycleXml.Parse"/>. Every input either fails with an S3Exception (one of the three codes the grammar
/// answers) or yields a configuration whose stored form reads back to itself.
/// </summary>
public sealed class LifecycleFuzzTests
{
    private static readonly string[] Seeds =
    [
        "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ID>a</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Expiration><Days>365</Days></Expiration><NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>9</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>",
        "<LifecycleConfiguration><Rule><Prefix>tmp/</Prefix><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule><Rule><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule></LifecycleConfiguration>",
    ];

    private static readonly byte[][] Dictionary = [.. new[]
    {
        "<Rule>", "</Rule>", "<Filter/>", "<And>", "</And>", "<Tag><Key>k</Key><Value>v</Value></Tag>", "<Days>0</Days>", "<Days>-1</Days>",
        "<Days>2147483648</Days>", "<Date>2030-01-01T00:00:01Z</Date>", "<StorageClass>GLACIER</StorageClass>", "<ID>a</ID>", "Enabled", "Disabled",
        "<ObjectSizeLessThan>1</ObjectSizeLessThan>", "<NewerNoncurrentVersions>100</NewerNoncurrentVersions>", "<Prefix>", "</Prefix>",
    }.Select(Encoding.UTF8.GetBytes)];

    private static readonly Gen<byte[]> Documents = Gen.Select(Gen.Int[0, Seeds.Length - 1], Mutation.Gen(maxRepeat: 50).Array[0, 6], (seed, edits) =>
        Mutation.Apply(Encoding.UTF8.GetBytes(Seeds[seed]), edits, Dictionary));

    [Fact]
    public void FuzzParse()
    {
        FuzzRunner.Run("xml/lifecycle", Documents, Check, seconds: 4, print: Show.Bytes);
    }

    private static string Check(byte[] input)
    {
        LifecycleConfiguration configuration;
        try
        {
            configuration = LifecycleXml.Parse(S3Xml.Parse(new MemoryStream(input, writable: false)));
        }
        catch (S3Exception e)
        {
            Assert.Contains(e.Error.Code, new[] { "MalformedXML", "InvalidArgument", "InvalidRequest" });
            return e.Error.Code;
        }

        var stored = LifecycleXml.ToStored(configuration);
        Assert.Equal(stored, LifecycleXml.ToStored(LifecycleXml.FromStored(stored)));
        Assert.InRange(configuration.Rules.Count, 1, LifecycleConfiguration.MaxRules);
        return "valid";
    }
}
