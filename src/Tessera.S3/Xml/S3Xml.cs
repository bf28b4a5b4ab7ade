using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Tessera.Core.Errors;

namespace Tessera.S3.Xml;

/// <summary>Writing S3 XML responses and reading S3 XML request bodies safely (no DTDs, bounded size).</summary>
internal static class S3Xml
{
    /// <summary>The S3 XML namespace.</summary>
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        Async = false,
        OmitXmlDeclaration = true,
    };

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
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

    /// <summary>Writes <c>&lt;name&gt;value&lt;/name&gt;</c>.</summary>
    public static void Element(XmlWriter writer, string name, string value) => writer.WriteElementString(name, value);

    /// <summary>
    /// Reads and parses an XML request body of at most <paramref name="maxBytes"/>; anything unparsable is
    /// <c>MalformedXML</c>, an empty body <c>MissingRequestBodyError</c> when <paramref name="required"/>.
    /// </summary>
    public static async Task<XElement?> ReadBodyAsync(Stream body, int maxBytes, bool required, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new S3Exception(S3Errors.MaxMessageLengthExceeded);
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return required ? throw new S3Exception(S3Errors.MissingRequestBodyError) : null;
        }

        buffer.Position = 0;
        try
        {
            using var reader = XmlReader.Create(buffer, ReaderSettings);
            return XDocument.Load(reader).Root;
        }
        catch (XmlException)
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }
    }

    /// <summary>Child elements named <paramref name="name"/> in any namespace (clients send S3's or none).</summary>
    public static IEnumerable<XElement> Children(XElement parent, string name) =>
        parent.Elements().Where(e => e.Name.LocalName == name);

    /// <summary>The value of the first child named <paramref name="name"/>, or null.</summary>
    public static string? ChildValue(XElement parent, string name) => Children(parent, name).FirstOrDefault()?.Value;
}
