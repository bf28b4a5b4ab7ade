using System.Globalization;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// ListObjectVersions: <c>GET /bucket?versions</c>. Versions and delete markers in S3's order (key ascending, newest
/// first within a key), with prefix, delimiter, key-marker / version-id-marker pagination and encoding-type.
/// </summary>
internal static class ListObjectVersions
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var q = ListingRequest.Parse(r);
        var keyMarker = r.Query("key-marker");
        var versionIdMarker = r.Query("version-id-marker");
        keyMarker = string.IsNullOrEmpty(keyMarker) ? null : keyMarker;
        versionIdMarker = string.IsNullOrEmpty(versionIdMarker) ? null : versionIdMarker;
        if (versionIdMarker is not null && keyMarker is null)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "A version-id marker cannot be specified without a key marker.");
        }

        VersionListing page;
        try
        {
            page = r.Store.Index.ListObjectVersions(r.Bucket, new ListVersionsQuery(q.Prefix, q.Delimiter, keyMarker, versionIdMarker, q.MaxKeys));
        }
        catch (ArgumentException)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid version id specified");
        }

        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("ListVersionsResult", S3Xml.Namespace);
            w.WriteElementString("Name", r.Bucket);
            w.WriteElementString("Prefix", q.Encode(q.Prefix));
            w.WriteElementString("KeyMarker", q.Encode(keyMarker ?? ""));
            w.WriteElementString("VersionIdMarker", versionIdMarker ?? "");
            if (page.IsTruncated)
            {
                if (page.NextKeyMarker is not null)
                {
                    w.WriteElementString("NextKeyMarker", q.Encode(page.NextKeyMarker));
                }

                if (page.NextVersionIdMarker is not null)
                {
                    w.WriteElementString("NextVersionIdMarker", page.NextVersionIdMarker);
                }
            }

            w.WriteElementString("MaxKeys", q.MaxKeys.ToString(CultureInfo.InvariantCulture));
            if (q.Delimiter is not null)
            {
                w.WriteElementString("Delimiter", q.Encode(q.Delimiter));
            }

            if (q.UrlEncode)
            {
                w.WriteElementString("EncodingType", "url");
            }

            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            foreach (var (m, isLatest) in page.Versions)
            {
                w.WriteStartElement(m.IsDeleteMarker ? "DeleteMarker" : "Version");
                w.WriteElementString("Key", q.Encode(m.Key));
                w.WriteElementString("VersionId", m.VersionId);
                w.WriteElementString("IsLatest", isLatest ? "true" : "false");
                w.WriteElementString("LastModified", S3Xml.Timestamp(m.LastModified));
                if (!m.IsDeleteMarker)
                {
                    w.WriteElementString("ETag", "\"" + m.ETag + "\"");
                    w.WriteElementString("Size", m.Size.ToString(CultureInfo.InvariantCulture));
                }

                ListingRequest.WriteOwner(w, r, m.Owner);
                if (!m.IsDeleteMarker)
                {
                    w.WriteElementString("StorageClass", m.StorageClass);
                }

                w.WriteEndElement();
            }

            foreach (var p in page.CommonPrefixes)
            {
                w.WriteStartElement("CommonPrefixes");
                w.WriteElementString("Prefix", q.Encode(p));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }
}
