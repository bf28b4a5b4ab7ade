using System.Text;
using CsCheck;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Generators of S3 request documents (Delete, CompleteMultipartUpload, Tagging, VersioningConfiguration,
/// CreateBucketConfiguration, AccessControlPolicy) written by hand rather than by XmlWriter, so that they can carry
/// what a hostile client sends: CDATA, comments, processing instructions, character and entity references, control
/// characters, namespace prefixes (declared or not), attributes, DOCTYPEs, other encodings and trailing garbage.
/// Plus the dictionary of hostile tokens the byte mutations insert.
/// </summary>
internal static class XmlCorpus
{
    public const string S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>The element names S3's readers look for.</summary>
    public static readonly string[] Names =
    [
        "Delete", "Object", "Key", "VersionId", "Quiet", "CompleteMultipartUpload", "Part", "PartNumber", "ETag",
        "ChecksumCRC32", "ChecksumSHA256", "Tagging", "TagSet", "Tag", "Value", "VersioningConfiguration", "Status",
        "MfaDelete", "CreateBucketConfiguration", "LocationConstraint", "AccessControlPolicy", "Owner", "ID",
        "AccessControlList", "Grant", "Grantee", "Permission",
    ];

    /// <summary>A billion laughs: ten levels of ten references (refused as a DTD, never expanded).</summary>
    public static readonly string BillionLaughs = BuildBillionLaughs();

    /// <summary>Tokens the mutations insert: markup that changes how a parser reads what follows.</summary>
    public static readonly byte[][] Dictionary =
    [
        .. new[]
        {
            "<", ">", "</", "/>", "<a>", "</a>", "<Key>", "</Key>", "<Tag>", "<Object>", "&", ";", "&amp;", "&lt;", "&#x0;",
            "&#x1;", "&#xD800;", "&#x10FFFF;", "&#65;", "&#99999999999;", "&lol9;", "&undeclared;", "<![CDATA[", "]]>",
            "<!--", "-->", "<?pi x?>", "<?xml version=\"1.0\"?>", "<!DOCTYPE Delete>", "<!DOCTYPE x [<!ENTITY e \"ee\">]>",
            "<!DOCTYPE x SYSTEM \"file:///etc/passwd\">", "<!ENTITY", "xmlns=\"\"", " xmlns:s3=\"" + S3Namespace + "\"",
            " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"", "s3:", "xmlns:", " a=\"1\"",
            " a=\"1\" a=\"2\"", "=\"", "\"", "'", "\u0001", "\u0000", "\u000C", "\uFEFF", "\uFFFE", "\u2028", "é", "日本", "😀",
            "\r\n", "\t", " ", "encoding=\"utf-16\"", "encoding=\"ucs-4\"", "encoding=\"utf-7\"", "encoding=\"ibm037\"",
            "encoding=\"x-nonsense\"",
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xFE, 0xFF], [0xFF, 0xFE], [0xEF, 0xBB, 0xBF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0x00, 0x00, 0xFE, 0xFF], [0x80],
    ];

    private static readonly Gen<string> Word = Gen.Char.AlphaNumeric.Array[0, 12].Select(c => new string(c));

    /// <summary>
    /// The XML of a text value: mostly well-formed (plain or escaped text, character references XML allows, CDATA,
    /// comments and PIs inside, Unicode), sometimes not (references to characters XML 1.0 refuses, raw control
    /// characters, undeclared entities, arbitrary chars), so that most documents parse and reach the readers.
    /// </summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (60, Gen.Frequency(
            (10, Word),
            (2, Gen.Const("a &amp; b &lt;c&gt; &quot;d&quot; &apos;")),
            (2, Gen.OneOf(Gen.Const("&#xD;"), Gen.Const("&#10;"), Gen.Const("&#x10FFFF;"), Gen.Const("&#x7F;"), Gen.Const("&#233;"))),
            (2, Word.Select(w => "<![CDATA[" + w + "<&>]]>")),
            (1, Word.Select(w => w + "<!-- comment -->" + w)),
            (1, Word.Select(w => w + "<?pi data?>" + w)),
            (2, Gen.OneOf(Gen.Const("é"), Gen.Const("日本語"), Gen.Const("😀"), Gen.Const("\u00A0"), Gen.Const("\t"), Gen.Const("\r\n"))),
            (1, Gen.Const(" ")),
            (1, Gen.Int[129, 2000].Select(n => new string('k', n))))),
        (1, Gen.Frequency(
            (2, Gen.OneOf(Gen.Const("&#x1;"), Gen.Const("&#xD800;"), Gen.Const("&#0;"), Gen.Const("&#xFFFE;"))),
            (1, Gen.Const("&undeclared;")),
            (2, Gen.Char[(char)0, (char)0x1F].Array[1, 4].Select(c => new string(c))),
            (1, Gen.Const("\uFFFE")),
            (1, Gen.Char.Array[0, 20].Select(c => new string(c))))));

    private static readonly Gen<string> Attributes = Gen.Frequency(
        (30, Gen.Const("")),
        (2, Gen.Const(" a=\"1\"")),
        (1, Gen.Const(" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"")),
        (1, Gen.Const(" xsi:type=\"x\"")),
        (1, Gen.Const(" a=\"1\" a=\"2\"")),
        (1, Gen.Int[1, 3_000].Select(n => string.Concat(Enumerable.Range(0, n).Select(i => $" a{i}=\"{i}\"")))));

    /// <summary>How an element name is written: plain, with the declared <c>s3:</c> prefix, or an undeclared one.</summary>
    private static readonly Gen<string> Prefix = Gen.Frequency((40, Gen.Const("")), (4, Gen.Const("s3:")), (1, Gen.Const("x:")));

    /// <summary>A well-formed (or nearly) S3 document of one of the six kinds.</summary>
    public static readonly Gen<string> Document = Gen.Select(
        Gen.Int[0, 5],
        Gen.Select(Gen.Int[0, 12], Text.Array[0, 40], Prefix.Array[0, 40], Attributes.Array[0, 40]),
        Gen.Frequency(
            (6, Gen.Const(" xmlns=\"" + S3Namespace + "\" xmlns:s3=\"" + S3Namespace + "\"")),
            (3, Gen.Const(" xmlns:s3=\"" + S3Namespace + "\"")),
            (1, Gen.Const(" xmlns=\"urn:other\" xmlns:s3=\"urn:other\"")),
            (1, Gen.Const(""))),
        Prolog(),
        Epilog(),
        (kind, body, rootNamespace, prolog, epilog) =>
        {
            var (count, texts, prefixes, attributes) = body;
            var writer = new DocumentWriter(texts, prefixes, attributes);
            var root = kind switch
            {
                0 => "Delete",
                1 => "CompleteMultipartUpload",
                2 => "Tagging",
                3 => "VersioningConfiguration",
                4 => "CreateBucketConfiguration",
                _ => "AccessControlPolicy",
            };
            var inner = new StringBuilder();
            switch (kind)
            {
                case 0:
                    inner.Append(writer.Leaf("Quiet"));
                    for (var i = 0; i < count; i++)
                    {
                        inner.Append(writer.Element("Object", writer.Leaf("Key") + (i % 2 == 0 ? writer.Leaf("VersionId") : "")));
                    }

                    break;
                case 1:
                    for (var i = 0; i < count; i++)
                    {
                        inner.Append(writer.Element("Part", writer.Leaf("PartNumber") + writer.Leaf("ETag") + (i % 3 == 0 ? writer.Leaf("ChecksumCRC32") : "")));
                    }

                    break;
                case 2:
                    var tags = new StringBuilder();
                    for (var i = 0; i < count; i++)
                    {
                        tags.Append(writer.Element("Tag", writer.Leaf("Key") + writer.Leaf("Value")));
                    }

                    inner.Append(writer.Element("TagSet", tags.ToString()));
                    break;
                case 3:
                    inner.Append(writer.Leaf("Status")).Append(writer.Leaf("MfaDelete"));
                    break;
                case 4:
                    inner.Append(writer.Leaf("LocationConstraint"));
                    break;
                default:
                    inner.Append(writer.Element("Owner", writer.Leaf("ID")));
                    inner.Append(writer.Element("AccessControlList", writer.Element("Grant", writer.Element("Grantee", writer.Leaf("ID")) + writer.Leaf("Permission"))));
                    break;
            }

            return prolog + "<" + root + rootNamespace + ">" + inner + "</" + root + ">" + epilog;
        });

    /// <summary>Elements nested <c>depth</c> deep inside a Tagging document, closed or not.</summary>
    public static readonly Gen<string> Deep = Gen.Select(
        Gen.Frequency((4, Gen.Int[20, 40]), (3, Gen.Int[41, 5_000]), (1, Gen.Int[5_001, 100_000])),
        Gen.Bool,
        Gen.OneOf(Gen.Const("a"), Gen.Const("Tag"), Gen.Const("s3:TagSet")),
        (depth, closed, name) => Nested(depth, closed, name));

    /// <summary>Documents with a DOCTYPE: the billion laughs, external entities, a quadratic blow-up, a parameter entity.</summary>
    public static readonly Gen<string> WithDtd = Gen.OneOf(
        Gen.Const(BillionLaughs),
        Gen.Const("<?xml version=\"1.0\"?><!DOCTYPE Tagging [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><Tagging><TagSet><Tag><Key>&xxe;</Key><Value>v</Value></Tag></TagSet></Tagging>"),
        Gen.Const("<!DOCTYPE Delete SYSTEM \"http://127.0.0.1:1/evil.dtd\"><Delete><Object><Key>k</Key></Object></Delete>"),
        Gen.Int[1, 2_000].Select(n => "<!DOCTYPE x [<!ENTITY a \"" + new string('a', n) + "\">]><Tagging>" + string.Concat(Enumerable.Repeat("&a;", n)) + "</Tagging>"),
        Gen.Const("<!DOCTYPE x [<!ENTITY % p \"<!ENTITY q 'x'>\"> %p;]><Tagging>&q;</Tagging>"));

    /// <summary>Serialises a document as a client might: UTF-8 mostly, else UTF-16 or UTF-32, with or without a BOM.</summary>
    public static readonly Gen<Func<string, byte[]>> Encoder = Gen.Frequency(
        (12, Gen.Const<Func<string, byte[]>>(Encoding.UTF8.GetBytes)),
        (1, Gen.Const<Func<string, byte[]>>(s => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(s)])),
        (1, Gen.Const<Func<string, byte[]>>(s => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(s)])),
        (1, Gen.Const<Func<string, byte[]>>(Encoding.BigEndianUnicode.GetBytes)),
        (1, Gen.Const<Func<string, byte[]>>(s => [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(s)])),
        (1, Gen.Const<Func<string, byte[]>>(Encoding.Latin1.GetBytes)));

    /// <summary><c>&lt;name&gt;</c> nested <paramref name="depth"/> deep under a Tagging root.</summary>
    public static string Nested(int depth, bool closed, string name = "a")
    {
        var builder = new StringBuilder((depth * ((2 * name.Length) + 5)) + 32);
        builder.Append("<Tagging xmlns:s3=\"").Append(S3Namespace).Append("\">");
        for (var i = 0; i < depth; i++)
        {
            builder.Append('<').Append(name).Append('>');
        }

        if (closed)
        {
            for (var i = 0; i < depth; i++)
            {
                builder.Append("</").Append(name).Append('>');
            }

            builder.Append("</Tagging>");
        }

        return builder.ToString();
    }

    private static Gen<string> Prolog() => Gen.Frequency(
        (20, Gen.Const("")),
        (12, Gen.Const("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")),
        (1, Gen.Const("<?xml version=\"1.1\"?>")),
        (1, Gen.Const("<?xml version=\"1.0\" encoding=\"utf-16\"?>")),
        (1, Gen.Const("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>")),
        (1, Gen.Const("<?xml version=\"1.0\" encoding=\"x-nonsense\"?>")),
        (1, Gen.Const("<?xml version=\"1.0\" encoding=\"utf-7\"?>")),
        (1, Gen.Const("<?xml version=\"1.0\" encoding=\"ucs-4\"?>")),
        (1, Gen.Const("<?xml version=\"1.0\" standalone=\"yes\"?>")),
        (1, Gen.Const("  \n<!-- leading comment -->")),
        (1, Gen.Const("<!DOCTYPE Tagging>")),
        (1, Gen.Const("<?pi before?>")));

    private static Gen<string> Epilog() => Gen.Frequency(
        (30, Gen.Const("")),
        (1, Gen.Const("\n<!-- trailing -->")),
        (1, Gen.Const("<Second/>")),
        (1, Gen.Const("garbage")),
        (1, Gen.Const("\0")));

    private static string BuildBillionLaughs()
    {
        var builder = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for (var level = 1; level <= 9; level++)
        {
            builder.Append("<!ENTITY lol").Append(level).Append(" \"");
            for (var i = 0; i < 10; i++)
            {
                builder.Append("&lol").Append(level == 1 ? "" : (level - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(';');
            }

            builder.Append("\">\n");
        }

        builder.Append("]>\n<Tagging><TagSet><Tag><Key>&lol9;</Key><Value>v</Value></Tag></TagSet></Tagging>");
        return builder.ToString();
    }
}
