using System.Globalization;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>ListObjects (version 1): <c>GET /bucket</c> with prefix, delimiter, marker, max-keys, encoding-type.</summary>
internal static class ListObjects
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var q = ListingRequest.Parse(r);
        var marker = r.Query("marker") ?? "";
        var page = r.Store.Index.ListObjects(r.Bucket, new ListObjectsQuery(q.Prefix, q.Delimiter, marker.Length == 0 ? null : marker, q.MaxKeys));
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("ListBucketResult", S3Xml.Namespace);
            w.WriteElementString("Name", r.Bucket);
            w.WriteElementString("Prefix", q.Encode(q.Prefix));
            w.WriteElementString("Marker", q.Encode(marker));
            if (page.IsTruncated && q.Delimiter is not null && page.NextMarker is not null)
            {
                w.WriteElementString("NextMarker", q.Encode(page.NextMarker));
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
            q.WriteEntries(w, r, page, owner: true);
            w.WriteEndElement();
        });
    }
}
