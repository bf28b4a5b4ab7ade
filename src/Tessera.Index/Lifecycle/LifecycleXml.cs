using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Tessera.Core.Errors;

namespace Tessera.Index.Lifecycle;

/// <summary>
/// S3's lifecycle XML: <see cref="Parse"/> validates a <c>LifecycleConfiguration</c> document (already parsed by the
/// gateway's hardened reader, so its size and depth are bounded) with S3's error codes; <see cref="Write"/> renders the
/// canonical document GetBucketLifecycleConfiguration returns. The index keeps that canonical text
/// (<see cref="ToStored"/>), and <see cref="FromStored"/> reads it back.
/// </summary>
/// <remarks>The validation table with the S3 code of every rule is in docs/design/lifecycle.md.</remarks>
public static partial class LifecycleXml
{
    /// <summary>The S3 XML namespace.</summary>
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>The most UTF-8 bytes of the stored form; a larger configuration is refused (InvalidArgument).</summary>
    public const int MaxStoredBytes = 512 * 1024;

    /// <summary>The longest key prefix in a filter, in UTF-8 bytes (a key's limit).</summary>
    public const int MaxPrefixBytes = 1024;

    /// <summary>The storage classes a transition may target (S3's <c>TransitionStorageClass</c>).</summary>
    public static readonly IReadOnlySet<string> TransitionStorageClasses = new HashSet<string>(StringComparer.Ordinal)
    {
        "GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR",
    };

    /// <summary>The attribute of the stored form's root that keeps a non-default minimum-size behaviour.</summary>
    private const string MinimumSizeAttribute = "transitionDefaultMinimumObjectSize";

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = true,
        CheckCharacters = false,
        NewLineHandling = NewLineHandling.Entitize,
    };

    /// <summary>
    /// Parses the stored form written by <see cref="ToStored"/> (the index's value, already validated when it was put).
    /// </summary>
    /// <exception cref="InvalidDataException">The text is not a stored lifecycle configuration.</exception>
    public static LifecycleConfiguration FromStored(string stored)
    {
        try
        {
            var root = XElement.Parse(stored, LoadOptions.PreserveWhitespace);
            var minimum = (string?)root.Attribute(MinimumSizeAttribute) ?? LifecycleConfiguration.AllStorageClasses128K;
            return Parse(root, minimum);
        }
        catch (Exception e) when (e is XmlException or S3Exception)
        {
            throw new InvalidDataException("Stored lifecycle configuration does not parse: " + e.Message, e);
        }
    }

    /// <summary>The stored form: the canonical document, with a non-default minimum-size behaviour on its root.</summary>
    public static string ToStored(LifecycleConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, WriterSettings))
        {
            WriteDocument(writer, configuration, stored: true);
        }

        return text.ToString();
    }

    /// <summary>Writes the canonical <c>LifecycleConfiguration</c> element GetBucketLifecycleConfiguration returns.</summary>
    public static void Write(XmlWriter writer, LifecycleConfiguration configuration) => WriteDocument(writer, configuration, stored: false);

    private static void WriteDocument(XmlWriter w, LifecycleConfiguration configuration, bool stored)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(configuration);
        w.WriteStartElement("LifecycleConfiguration", Namespace);
        if (stored && configuration.TransitionDefaultMinimumObjectSize != LifecycleConfiguration.AllStorageClasses128K)
        {
            w.WriteAttributeString(MinimumSizeAttribute, configuration.TransitionDefaultMinimumObjectSize);
        }

        foreach (var rule in configuration.Rules)
        {
            WriteRule(w, rule);
        }

        w.WriteEndElement();
    }

    private static void WriteRule(XmlWriter w, LifecycleRule rule)
    {
        w.WriteStartElement("Rule");
        w.WriteElementString("ID", rule.Id);
        if (rule.LegacyPrefix)
        {
            w.WriteElementString("Prefix", rule.Filter.Prefix ?? "");
        }
        else
        {
            WriteFilter(w, rule.Filter);
        }

        w.WriteElementString("Status", rule.Enabled ? "Enabled" : "Disabled");
        foreach (var t in rule.Transitions)
        {
            w.WriteStartElement("Transition");
            WriteDaysOrDate(w, t.Days, t.Date);
            w.WriteElementString("StorageClass", t.StorageClass);
            w.WriteEndElement();
        }

        if (rule.Expiration is { } e)
        {
            w.WriteStartElement("Expiration");
            WriteDaysOrDate(w, e.Days, e.Date);
            if (e.ExpiredObjectDeleteMarker is { } marker)
            {
                w.WriteElementString("ExpiredObjectDeleteMarker", marker ? "true" : "false");
            }

            w.WriteEndElement();
        }

        foreach (var t in rule.NoncurrentVersionTransitions)
        {
            w.WriteStartElement("NoncurrentVersionTransition");
            w.WriteElementString("NoncurrentDays", Number(t.Days ?? 0));
            w.WriteElementString("StorageClass", t.StorageClass);
            if (t.NewerNoncurrentVersions is { } newer)
            {
                w.WriteElementString("NewerNoncurrentVersions", Number(newer));
            }

            w.WriteEndElement();
        }

        if (rule.NoncurrentVersionExpiration is { } n)
        {
            w.WriteStartElement("NoncurrentVersionExpiration");
            w.WriteElementString("NoncurrentDays", Number(n.NoncurrentDays));
            if (n.NewerNoncurrentVersions is { } newer)
            {
                w.WriteElementString("NewerNoncurrentVersions", Number(newer));
            }

            w.WriteEndElement();
        }

        if (rule.AbortIncompleteMultipartUploadDays is { } abort)
        {
            w.WriteStartElement("AbortIncompleteMultipartUpload");
            w.WriteElementString("DaysAfterInitiation", Number(abort));
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void WriteFilter(XmlWriter w, LifecycleFilter f)
    {
        w.WriteStartElement("Filter");
        if (f.And)
        {
            w.WriteStartElement("And");
        }

        if (f.Prefix is not null)
        {
            w.WriteElementString("Prefix", f.Prefix);
        }

        foreach (var (key, value) in f.Tags)
        {
            w.WriteStartElement("Tag");
            w.WriteElementString("Key", key);
            w.WriteElementString("Value", value);
            w.WriteEndElement();
        }

        if (f.ObjectSizeGreaterThan is { } above)
        {
            w.WriteElementString("ObjectSizeGreaterThan", above.ToString(CultureInfo.InvariantCulture));
        }

        if (f.ObjectSizeLessThan is { } below)
        {
            w.WriteElementString("ObjectSizeLessThan", below.ToString(CultureInfo.InvariantCulture));
        }

        if (f.And)
        {
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void WriteDaysOrDate(XmlWriter w, int? days, DateTimeOffset? date)
    {
        if (date is { } d)
        {
            w.WriteElementString("Date", d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }

        if (days is { } n)
        {
            w.WriteElementString("Days", Number(n));
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
