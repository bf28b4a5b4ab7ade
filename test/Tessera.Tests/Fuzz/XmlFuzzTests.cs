using System.Text;
using System.Xml.Linq;
using CsCheck;
using Tessera.Core.Errors;
using Tessera.S3.Operations;
using Tessera.S3.Xml;

namespace Tessera.Tests.Fuzz;

/// <summary>
/// Fuzz targets for request XML: <see cref="S3Xml.Parse(Stream)"/> and <see cref="S3Xml.Parse(string)"/>, then the
/// handlers' readers over whatever tree comes back (<see cref="ObjectTagging.Parse"/>, <see cref="S3Xml.ChildValue"/>,
/// <see cref="S3Xml.Children"/>). Every input either parses into a tree no deeper than <see cref="S3Xml.MaxDepth"/> or
/// fails with an S3Exception, allocating no more than <see cref="AllocationBudget"/> allows.
/// </summary>
public sealed class XmlFuzzTests
{
    /// <summary>No edit (the document as generated) a third of the time, else a few.</summary>
    private static readonly Gen<Mutation[]> Edits = Gen.Frequency((3, Gen.Const(Array.Empty<Mutation>())), (4, Mutation.Gen().Array[1, 3]), (1, Mutation.Gen().Array[4, 8]));

    /// <summary>Random bytes, mutated S3 documents in any encoding, deep nesting and DTDs.</summary>
    private static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (2, Gen.Byte.Array[0, 2_000]),
        (10, Gen.Select(XmlCorpus.Document, XmlCorpus.Encoder, Edits, (document, encode, edits) => Mutation.Apply(encode(document), edits, XmlCorpus.Dictionary))),
        (2, Gen.Select(XmlCorpus.Deep, Mutation.Gen().Array[0, 2], (document, edits) => Mutation.Apply(Encoding.UTF8.GetBytes(document), edits, XmlCorpus.Dictionary))),
        (1, Gen.Select(XmlCorpus.WithDtd, Mutation.Gen().Array[0, 3], (document, edits) => Mutation.Apply(Encoding.UTF8.GetBytes(document), edits, XmlCorpus.Dictionary))));

    /// <summary>Documents as strings (a POST form's tagging field), with lone surrogates and other chars no byte stream carries.</summary>
    private static readonly Gen<string> Strings = Gen.Frequency(
        (1, Gen.String),
        (8, Gen.Select(XmlCorpus.Document, Edits, (document, edits) => Encoding.UTF8.GetString(Mutation.Apply(Encoding.UTF8.GetBytes(document), edits, XmlCorpus.Dictionary)))),
        (2, Gen.Select(XmlCorpus.Document, Gen.Int[0, int.MaxValue], Gen.Char[(char)0xD800, (char)0xDFFF], (document, at, surrogate) => document.Insert(at % (document.Length + 1), surrogate.ToString()))),
        (1, XmlCorpus.Deep),
        (1, XmlCorpus.WithDtd));

    [Fact]
    public void FuzzParseStream()
    {
        Warm();
        FuzzRunner.Run(
            "xml/stream",
            Bytes,
            input => CheckInput(input.Length, () => S3Xml.Parse(new MemoryStream(input, writable: false))),
            seconds: 6,
            print: Show.Bytes,
            allocations: ["S3Xml.Parse", "ObjectTagging.Parse", "S3Xml.ChildValue"]);
    }

    [Fact]
    public void FuzzParseString()
    {
        Warm();
        FuzzRunner.Run("xml/string", Strings, input => CheckInput(input.Length, () => S3Xml.Parse(input)), seconds: 4, print: Show.Text, allocations: ["S3Xml.Parse", "ObjectTagging.Parse", "S3Xml.ChildValue"]);
    }

    [Fact]
    public void NestingThreeHundredThousandDeepIsMalformedXml()
    {
        var document = Encoding.UTF8.GetBytes(XmlCorpus.Nested(300_000, closed: true));
        var error = Assert.Throws<S3Exception>(() => S3Xml.Parse(new MemoryStream(document)));
        Assert.Equal(S3Errors.MalformedXML.Code, error.Error.Code);
        error = Assert.Throws<S3Exception>(() => S3Xml.Parse(XmlCorpus.Nested(300_000, closed: false)));
        Assert.Equal(S3Errors.MalformedXML.Code, error.Error.Code);
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(33, false)]
    [InlineData(100_000, false)]
    public void NestingIsRefusedPastMaxDepth(int depth, bool accepted)
    {
        // Tagging itself is the first level.
        var document = XmlCorpus.Nested(depth - 1, closed: true);
        if (accepted)
        {
            Assert.Equal(depth, Depth(S3Xml.Parse(document)));
        }
        else
        {
            Assert.Equal(S3Errors.MalformedXML.Code, Assert.Throws<S3Exception>(() => S3Xml.Parse(document)).Error.Code);
        }
    }

    [Theory]
    [InlineData(" a{0}=\"\"", 100_000, false)]
    [InlineData(" a{0}=\"\" xmlns:p{0}=\"u{0}\"", 50_000, false)]
    [InlineData(" a{0}=\"\"", 32, true)]
    [InlineData("<a{0}/>", 100_000, true)]
    [InlineData("<a/>", 100_000, true)]
    [InlineData("t<!---->", 100_000, true)]
    [InlineData("<![CDATA[c]]>&amp;", 100_000, true)]
    public void HugeAttributeAndElementCountsAreCheap(string item, int count, bool accepted)
    {
        // Found while measuring the densest documents: XElement checks each added attribute against all before it, so
        // 100,000 attributes on one element (1.1 MB, half DeleteObjects' limit) took 12 s of CPU. Now MalformedXML past
        // S3Xml.MaxAttributes. Elements are appended in constant time: 100,000 siblings are fine.
        var items = string.Concat(Enumerable.Range(0, count).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, item, i)));
        var document = item.StartsWith(' ') ? "<Tagging" + items + "/>" : "<Tagging>" + items + "</Tagging>";
        var input = Encoding.UTF8.GetBytes(document);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var error = AllocationBudget.Check("S3Xml.Parse (dense)", input.Length, () => S3Xml.Parse(new MemoryStream(input)));
        var elapsed = watch.Elapsed;
        Assert.Equal(accepted ? null : S3Errors.MalformedXML.Code, error?.Error.Code);

        // Cheap means linear: against a document of as many bytes in plain text elements, parsed in the same run (a
        // wall-clock bound failed on a loaded CI machine: 4 s). The quadratic case took 12 s, about 150 times its
        // baseline; the XmlReader still reads a rejected start tag's attributes, some 10 times the baseline.
        var baseline = Encoding.UTF8.GetBytes("<Tagging>" + string.Concat(Enumerable.Repeat("<T>aaaaaaaaaaaa</T>", input.Length / 19)) + "</Tagging>");
        watch.Restart();
        AllocationBudget.Check("S3Xml.Parse (plain)", baseline.Length, () => S3Xml.Parse(new MemoryStream(baseline)));
        var linear = watch.Elapsed;
        Assert.True(elapsed < (20 * linear) + TimeSpan.FromMilliseconds(500),
            $"{elapsed.TotalMilliseconds:F0} ms to parse {input.Length:N0} bytes; {baseline.Length:N0} bytes of plain elements took {linear.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void BillionLaughsIsMalformedXmlWithoutExpansion()
    {
        var input = Encoding.UTF8.GetBytes(XmlCorpus.BillionLaughs);
        var error = AllocationBudget.Check("billion laughs", input.Length, () => S3Xml.Parse(new MemoryStream(input)));
        Assert.NotNull(error);
        Assert.Equal(S3Errors.MalformedXML.Code, error.Error.Code);
    }

    /// <summary>
    /// Parses with <paramref name="parse"/> within the allocation budget, then reads the tree as the handlers do, each
    /// reader call within the budget too (the readers' LINQ costs per call, not per input byte, so each is measured alone).
    /// </summary>
    private static string CheckInput(long length, Func<XElement> parse)
    {
        XElement? root = null;
        if (AllocationBudget.Check("S3Xml.Parse", length, () => root = parse()) is { } refused)
        {
            return refused.Error.Code;
        }

        var depth = Depth(root!);
        if (depth > S3Xml.MaxDepth)
        {
            throw new InvalidOperationException($"a tree {depth} deep came back (the limit is {S3Xml.MaxDepth})");
        }

        ReadLikeHandlers(root!, length);
        return "parsed " + root!.Name.LocalName switch
        {
            "Delete" or "CompleteMultipartUpload" or "Tagging" or "VersioningConfiguration" or "CreateBucketConfiguration" or "AccessControlPolicy" => root.Name.LocalName,
            _ => "other",
        };
    }

    /// <summary>Every reader the handlers use, on every element; their S3Exceptions are answers, not failures.</summary>
    private static void ReadLikeHandlers(XElement root, long length)
    {
        AllocationBudget.Check("ObjectTagging.Parse", length, () => ObjectTagging.Parse(root));
        AllocationBudget.Check("XElement.Value", length, () => _ = root.Value);
        foreach (var element in root.DescendantsAndSelf())
        {
            foreach (var name in XmlCorpus.Names)
            {
                AllocationBudget.Check("S3Xml.Children", length, () => _ = S3Xml.Children(element, name).Count());
                AllocationBudget.Check("S3Xml.ChildValue", length, () => _ = S3Xml.ChildValue(element, name));
            }
        }
    }

    private static int Depth(XElement root)
    {
        var deepest = 0;
        var pending = new Stack<(XElement Element, int Depth)>();
        pending.Push((root, 1));
        while (pending.TryPop(out var item))
        {
            deepest = Math.Max(deepest, item.Depth);
            foreach (var child in item.Element.Elements())
            {
                pending.Push((child, item.Depth + 1));
            }
        }

        return deepest;
    }

    /// <summary>The first parse of each kind loads tables and resource strings once; keep that out of the measured cases.</summary>
    private static void Warm()
    {
        foreach (var document in new[] { "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", "<a>", XmlCorpus.BillionLaughs, "<a>&#x1;</a>" })
        {
            try
            {
                ReadLikeHandlers(S3Xml.Parse(new MemoryStream(Encoding.UTF8.GetBytes(document))), document.Length);
                ReadLikeHandlers(S3Xml.Parse(document), document.Length);
            }
            catch (S3Exception)
            {
            }
        }
    }
}
