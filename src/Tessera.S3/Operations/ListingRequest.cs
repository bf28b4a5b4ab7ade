using System.Globalization;
using System.Xml;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;

namespace Tessera.S3.Operations;

/// <summary>The parameters ListObjects and ListObjectsV2 share, validated as S3 does.</summary>
internal sealed class ListingRequest
{
    private ListingRequest(string prefix, string? delimiter, int maxKeys, bool urlEncode)
    {
        Prefix = prefix;
        Delimiter = delimiter;
        MaxKeys = maxKeys;
        UrlEncode = urlEncode;
    }

    public string Prefix { get; }

    public string? Delimiter { get; }

    public int MaxKeys { get; }

    public bool UrlEncode { get; }

    public static ListingRequest Parse(S3Request r)
    {
        var encoding = r.Query("encoding-type");
        if (encoding is not null && encoding != "url")
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid Encoding Method specified in Request");
        }

        var maxKeys = 1000;
        if (r.Query("max-keys") is { } mk)
        {
            if (!int.TryParse(mk, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys))
            {
                throw new S3Exception(S3Errors.InvalidArgument, "Provided max-keys not an integer or within integer range");
            }

            maxKeys = Math.Min(maxKeys, 1000);
        }

        var delimiter = r.Query("delimiter");
        return new ListingRequest(r.Query("prefix") ?? "", string.IsNullOrEmpty(delimiter) ? null : delimiter, maxKeys, encoding == "url");
    }

    /// <summary>Writes a value, URL-encoded when the client asked for <c>encoding-type=url</c> (slashes kept).</summary>
    public string Encode(string value) =>
        UrlEncode ? Uri.EscapeDataString(value).Replace("%2F", "/", StringComparison.Ordinal) : value;

    /// <summary>Writes the Contents and CommonPrefixes elements of a page.</summary>
    public void WriteEntries(XmlWriter w, S3Request r, ObjectListing page, bool owner)
    {
        foreach (var o in page.Objects)
        {
            w.WriteStartElement("Contents");
            w.WriteElementString("Key", Encode(o.Key));
            w.WriteElementString("LastModified", Xml.S3Xml.Timestamp(o.LastModified));
            w.WriteElementString("ETag", "\"" + o.ETag + "\"");
            foreach (var (algorithm, _) in o.Checksums)
            {
                w.WriteElementString("ChecksumAlgorithm", algorithm);
            }

            w.WriteElementString("Size", o.Size.ToString(CultureInfo.InvariantCulture));
            if (owner)
            {
                WriteOwner(w, r, o.Owner);
            }

            w.WriteElementString("StorageClass", o.StorageClass);
            w.WriteEndElement();
        }

        foreach (var p in page.CommonPrefixes)
        {
            w.WriteStartElement("CommonPrefixes");
            w.WriteElementString("Prefix", Encode(p));
            w.WriteEndElement();
        }
    }

    /// <summary>Writes an Owner element for the user with that access key.</summary>
    public static void WriteOwner(XmlWriter w, S3Request r, string accessKey)
    {
        w.WriteStartElement("Owner");
        if (r.Services.Users.TryGetUser(accessKey, out var user))
        {
            w.WriteElementString("ID", user.CanonicalId);
            w.WriteElementString("DisplayName", user.DisplayName);
        }
        else
        {
            w.WriteElementString("ID", accessKey);
        }

        w.WriteEndElement();
    }
}
