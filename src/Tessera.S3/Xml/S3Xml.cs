using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;

namespace Tessera.S3.Xml;

/// <summary>
/// Writing S3 XML responses and reading S3 XML request bodies safely: no DTDs, bounded size, bounded depth, and a
/// tree built by a loop rather than by recursion, so no document can exhaust the stack.
/// </summary>
internal static class S3Xml
{
    /// <summary>The S3 XML namespace.</summary>
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>
    /// The deepest element nesting accepted in a request document. The deepest S3 document (a lifecycle rule's
    /// <c>Filter/And/Tag/Key</c> under <c>LifecycleConfiguration/Rule</c>) has six levels; 32 leaves room and keeps
    /// every later walk over the tree (<see cref="XElement.Value"/> recurses) far from the stack's end.
    /// </summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// The most attributes one element may carry (namespace declarations included). S3 documents use two at most
    /// (<c>xmlns:xsi</c> and <c>xsi:type</c> on a Grantee); and XElement checks each added attribute against every
    /// one before it, so a single element with 100,000 attributes (a 1 MiB body) would cost 5·10⁹ comparisons.
    /// </summary>
    public const int MaxAttributes = 32;

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        Async = false,
        OmitXmlDeclaration = true,

        // Keys and other client strings may hold characters XML 1.0 cannot carry (U+0001…U+001F but tab, CR, LF):
        // S3 writes them as character references (&#x1;) rather than failing, and so does XmlWriter without the
        // check. A CR is written as &#xD; so that a reader gets it back rather than a normalised line feed.
        CheckCharacters = false,
        NewLineHandling = NewLineHandling.Entitize,
    };

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersFromEntities = 1024,
    };

    /// <summary>S3's timestamp format in XML: ISO 8601 with milliseconds, UTC.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Renders a document with <paramref name="write"/> into the response, with its length and content type.</summary>
    public static async Task WriteAsync(HttpResponse response, int status, Action<XmlWriter> write)
    {
        using var buffer = new PooledBufferStream();

        // S3 spells the encoding in upper case; XmlWriter would write the encoding's web name, "utf-8".
        buffer.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"u8);
        using (var writer = XmlWriter.Create(buffer, WriterSettings))
        {
            write(writer);
        }

        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.Written, response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="value"/> with every character XML 1.0 cannot carry (a control character but tab, CR and LF,
    /// U+FFFE, U+FFFF, a lone surrogate) replaced by U+FFFD. Listings carry such keys as character references, as S3
    /// does (a client that needs them exactly asks for <c>encoding-type=url</c>); an error document echoes what the
    /// request sent and must parse in every client, or the client loses the error code.
    /// </summary>
    public static string Readable(string value)
    {
        StringBuilder? readable = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (XmlConvert.IsXmlChar(c))
            {
                readable?.Append(c);
            }
            else if (i + 1 < value.Length && XmlConvert.IsXmlSurrogatePair(value[i + 1], c))
            {
                readable?.Append(c).Append(value[i + 1]);
                i++;
            }
            else
            {
                readable ??= new StringBuilder(value.Length).Append(value, 0, i);
                readable.Append('\uFFFD');
            }
        }

        return readable?.ToString() ?? value;
    }

    /// <summary>Writes <c>&lt;name&gt;value&lt;/name&gt;</c>.</summary>
    public static void Element(XmlWriter writer, string name, string value) => writer.WriteElementString(name, value);

    /// <summary>
    /// Parses a request document: anything that is not well-formed XML, holds a DTD, nests deeper than
    /// <see cref="MaxDepth"/> or has an element with more than <see cref="MaxAttributes"/> attributes is
    /// <c>MalformedXML</c>. Comments and processing instructions are dropped; text (whitespace included, so a key of
    /// one space survives) is kept.
    /// </summary>
    public static XElement Parse(Stream document)
    {
        try
        {
            using var reader = XmlReader.Create(document, ReaderSettings);
            return Build(reader);
        }
        catch (XmlException)
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }
    }

    /// <summary>Parses a request document held in a string (a form field); see <see cref="Parse(Stream)"/>.</summary>
    public static XElement Parse(string document)
    {
        try
        {
            using var text = new StringReader(document);
            using var reader = XmlReader.Create(text, ReaderSettings);
            return Build(reader);
        }
        catch (XmlException)
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }
    }

    /// <summary>Builds the element tree with an explicit stack (never recursion), refusing depth past <see cref="MaxDepth"/>.</summary>
    private static XElement Build(XmlReader reader)
    {
        XElement? root = null;
        var open = new Stack<XElement>();
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (open.Count >= MaxDepth)
                    {
                        throw new S3Exception(S3Errors.MalformedXML);
                    }

                    var element = new XElement(XName.Get(reader.LocalName, reader.NamespaceURI));
                    if (reader.AttributeCount > MaxAttributes)
                    {
                        throw new S3Exception(S3Errors.MalformedXML);
                    }

                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            // Namespace declarations are already in the element names; other attributes (xsi:type) are kept.
                            if (reader.NamespaceURI != XNamespace.Xmlns.NamespaceName)
                            {
                                element.Add(new XAttribute(XName.Get(reader.LocalName, reader.NamespaceURI), reader.Value));
                            }
                        }
                        while (reader.MoveToNextAttribute());

                        reader.MoveToElement();
                    }

                    if (open.TryPeek(out var parent))
                    {
                        parent.Add(element);
                    }
                    else
                    {
                        root = element;
                    }

                    if (!reader.IsEmptyElement)
                    {
                        open.Push(element);
                    }

                    break;
                case XmlNodeType.EndElement:
                    open.Pop();
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    if (open.TryPeek(out var container))
                    {
                        container.Add(new XText(reader.Value));
                    }

                    break;
                case XmlNodeType.DocumentType or XmlNodeType.EntityReference:
                    throw new S3Exception(S3Errors.MalformedXML);
            }
        }

        return root ?? throw new S3Exception(S3Errors.MalformedXML);
    }

    /// <summary>Child elements named <paramref name="name"/> in any namespace (clients send S3's or none).</summary>
    public static IEnumerable<XElement> Children(XElement parent, string name) =>
        parent.Elements().Where(e => e.Name.LocalName == name);

    /// <summary>
    /// The text of the first child named <paramref name="name"/>, or null when there is none. A value element must
    /// hold text only: one with elements inside is <c>MalformedXML</c>, as S3's schema says.
    /// </summary>
    public static string? ChildValue(XElement parent, string name)
    {
        var child = Children(parent, name).FirstOrDefault();
        if (child is null)
        {
            return null;
        }

        if (child.HasElements)
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        return child.Value;
    }
}
