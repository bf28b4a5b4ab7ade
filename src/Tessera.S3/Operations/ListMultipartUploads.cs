using System.Globalization;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// ListMultipartUploads: <c>GET /bucket?uploads</c>. Uploads not yet completed or aborted, by key then initiation,
/// with prefix, delimiter, key-marker / upload-id-marker, max-uploads (at most 1,000) and encoding-type.
/// </summary>
internal static class ListMultipartUploads
{
    public static Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var q = ListingRequest.Parse(r);
        var maxUploads = 1000;
        if (r.Query("max-uploads") is { } mu && (!int.TryParse(mu, NumberStyles.None, CultureInfo.InvariantCulture, out maxUploads)))
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Provided max-uploads not an integer or within integer range") { Details = [new("ArgumentName", "max-uploads")] };
        }

        maxUploads = Math.Min(maxUploads, 1000);
        var keyMarker = r.Query("key-marker") is { Length: > 0 } k ? k : null;
        if (keyMarker is not null && keyMarker.Contains('\0', StringComparison.Ordinal))
        {
            // No key holds U+0000, and the index refuses a marker that does.
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid key-marker specified") { Details = [new("ArgumentName", "key-marker")] };
        }

        var uploadIdMarker = r.Query("upload-id-marker") is { Length: > 0 } u ? u : null;
        var page = r.Store.Index.ListUploads(r.Bucket, new ListUploadsQuery(q.Prefix, q.Delimiter, keyMarker, keyMarker is null ? null : uploadIdMarker, maxUploads));
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("ListMultipartUploadsResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", r.Bucket);
            w.WriteElementString("KeyMarker", q.Encode(keyMarker ?? ""));
            w.WriteElementString("UploadIdMarker", uploadIdMarker ?? "");
            if (page.IsTruncated)
            {
                w.WriteElementString("NextKeyMarker", q.Encode(page.NextKeyMarker ?? ""));
                w.WriteElementString("NextUploadIdMarker", page.NextUploadIdMarker ?? "");
            }

            if (q.Delimiter is not null)
            {
                w.WriteElementString("Delimiter", q.Encode(q.Delimiter));
            }

            w.WriteElementString("Prefix", q.Encode(q.Prefix));
            if (q.UrlEncode)
            {
                w.WriteElementString("EncodingType", "url");
            }

            w.WriteElementString("MaxUploads", maxUploads.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            foreach (var upload in page.Uploads)
            {
                w.WriteStartElement("Upload");
                w.WriteElementString("Key", q.Encode(upload.Key));
                w.WriteElementString("UploadId", upload.UploadId);
                ListParts.WriteUser(w, r, "Initiator", upload.Owner);
                ListParts.WriteUser(w, r, "Owner", upload.Owner);
                w.WriteElementString("StorageClass", upload.Template.StorageClass);
                w.WriteElementString("Initiated", S3Xml.Timestamp(upload.Initiated));
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
