using System.Globalization;
using Tessera.Core.Errors;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>ListParts: <c>GET /bucket/key?uploadId=X</c> with part-number-marker and max-parts (at most 1,000).</summary>
internal static class ListParts
{
    public static Task HandleAsync(S3Request r)
    {
        var upload = MultipartRequest.RequireUpload(r);
        var marker = ParseInt(r, "part-number-marker", 0);
        var maxParts = Math.Min(ParseInt(r, "max-parts", 1000), 1000);
        var page = r.Store.Index.ListParts(r.Bucket, r.Key, upload.UploadId, marker, maxParts)
            ?? throw MultipartRequest.NoSuchUpload(upload.UploadId);
        var algorithm = MultipartRequest.Algorithm(upload);
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("ListPartsResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", upload.Bucket);
            w.WriteElementString("Key", upload.Key);
            w.WriteElementString("UploadId", upload.UploadId);
            WriteUser(w, r, "Initiator", upload.Owner);
            WriteUser(w, r, "Owner", upload.Owner);
            w.WriteElementString("StorageClass", upload.Template.StorageClass);
            w.WriteElementString("PartNumberMarker", marker.ToString(CultureInfo.InvariantCulture));
            if (page.IsTruncated)
            {
                w.WriteElementString("NextPartNumberMarker", page.NextPartNumberMarker.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteElementString("MaxParts", maxParts.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            if (algorithm != Tessera.Core.Hashing.ChecksumAlgorithm.None)
            {
                w.WriteElementString("ChecksumAlgorithm", Tessera.Core.Hashing.Checksums.Name(algorithm));
                w.WriteElementString("ChecksumType", MultipartRequest.ChecksumType(upload));
            }

            foreach (var part in page.Parts)
            {
                w.WriteStartElement("Part");
                w.WriteElementString("PartNumber", part.PartNumber.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("LastModified", S3Xml.Timestamp(part.LastModified));
                w.WriteElementString("ETag", "\"" + part.Segment.ETag + "\"");
                w.WriteElementString("Size", part.Segment.Size.ToString(CultureInfo.InvariantCulture));
                if (part.ChecksumAlgorithm is not null && part.Checksum is not null)
                {
                    w.WriteElementString("Checksum" + part.ChecksumAlgorithm, part.Checksum);
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    /// <summary>Writes an Initiator or Owner element for a user.</summary>
    internal static void WriteUser(System.Xml.XmlWriter w, S3Request r, string element, string accessKey)
    {
        w.WriteStartElement(element);
        var known = r.Services.Users.TryGetUser(accessKey, out var user);
        w.WriteElementString("ID", known ? user!.CanonicalId : accessKey);
        w.WriteElementString("DisplayName", known ? user!.DisplayName : accessKey);
        w.WriteEndElement();
    }

    private static int ParseInt(S3Request r, string name, int fallback)
    {
        var value = r.Query(name);
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new S3Exception(S3Errors.InvalidArgument, $"Provided {name} not an integer or within integer range") { Details = [new("ArgumentName", name)] };
    }
}
