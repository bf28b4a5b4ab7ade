using System.Globalization;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// GetObjectAttributes: <c>GET /bucket/key?attributes</c> with <c>x-amz-object-attributes</c> naming what to return:
/// ETag, Checksum (with its type), ObjectParts (a multipart object's parts, paged by <c>x-amz-part-number-marker</c>
/// and <c>x-amz-max-parts</c>), StorageClass, ObjectSize; of the current version or of <c>?versionId</c>. Nothing is
/// read but the manifest.
/// </summary>
internal static class GetObjectAttributes
{
    private static readonly string[] Known = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"];

    public static Task HandleAsync(S3Request r)
    {
        var bucket = r.RequireOwnedBucket();
        var wanted = Wanted(r);
        var maxParts = Number(r, "x-amz-max-parts", 1000, 0, 1000);
        var marker = Number(r, "x-amz-part-number-marker", 0, 0, 10_000);
        var versionId = r.VersionIdQuery();
        var manifest = r.Store.Index.GetObject(r.Bucket, r.Key, versionId, includeDeleteMarker: true)
            ?? throw (versionId is null ? r.Error(S3Errors.NoSuchKey) : r.Error(S3Errors.NoSuchVersion));
        if (manifest.IsDeleteMarker)
        {
            var error = versionId is null ? r.Error(S3Errors.NoSuchKey) : r.Error(S3Errors.MethodNotAllowed);
            throw new S3Exception(error.Error, error.Message)
            {
                Details = error.Details,
                Headers = [new("x-amz-delete-marker", "true"), new("x-amz-version-id", manifest.VersionId)],
            };
        }

        r.Response.Headers.LastModified = manifest.LastModified.ToString("R");
        if (bucket.Versioning != VersioningState.Unversioned)
        {
            r.Response.Headers["x-amz-version-id"] = manifest.VersionId;
        }

        var multipart = manifest.Segments.Count > 0 && manifest.Segments[0].PartNumber > 0;
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("GetObjectAttributesResponse", S3Xml.Namespace);
            if (wanted.Contains("ETag"))
            {
                w.WriteElementString("ETag", manifest.ETag);
            }

            if (wanted.Contains("Checksum") && manifest.Checksums.Count > 0)
            {
                w.WriteStartElement("Checksum");
                foreach (var (algorithm, value) in manifest.Checksums)
                {
                    w.WriteElementString("Checksum" + algorithm, value);
                }

                w.WriteElementString("ChecksumType", ChecksumTypes.Of(manifest.Checksums[0].Value));
                w.WriteEndElement();
            }

            if (wanted.Contains("ObjectParts") && multipart)
            {
                var page = manifest.Segments.Where(s => s.PartNumber > marker).Take(maxParts + 1).ToList();
                var truncated = page.Count > maxParts;
                if (truncated)
                {
                    page.RemoveAt(page.Count - 1);
                }

                w.WriteStartElement("ObjectParts");
                w.WriteElementString("PartNumberMarker", marker.ToString(CultureInfo.InvariantCulture));
                if (truncated)
                {
                    w.WriteElementString("NextPartNumberMarker", page[^1].PartNumber.ToString(CultureInfo.InvariantCulture));
                }

                w.WriteElementString("MaxParts", maxParts.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("IsTruncated", truncated ? "true" : "false");
                foreach (var part in page)
                {
                    w.WriteStartElement("Part");
                    w.WriteElementString("PartNumber", part.PartNumber.ToString(CultureInfo.InvariantCulture));
                    w.WriteElementString("Size", part.Size.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndElement();
                }

                w.WriteElementString("PartsCount", manifest.Segments.Count.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }

            if (wanted.Contains("StorageClass"))
            {
                w.WriteElementString("StorageClass", manifest.StorageClass);
            }

            if (wanted.Contains("ObjectSize"))
            {
                w.WriteElementString("ObjectSize", manifest.Size.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteEndElement();
        });
    }

    /// <summary>The attributes asked for (comma-separated, repeatable header); InvalidArgument when none or an unknown one.</summary>
    private static HashSet<string> Wanted(S3Request r)
    {
        var values = r.Request.Headers["x-amz-object-attributes"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        if (values.Count == 0)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty");
        }

        if (values.FirstOrDefault(v => !Known.Contains(v, StringComparer.Ordinal)) is { } unknown)
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Invalid attribute name specified.") { Details = [new("ArgumentName", "x-amz-object-attributes"), new("ArgumentValue", unknown)] };
        }

        return values;
    }

    private static int Number(S3Request r, string header, int absent, int min, int max)
    {
        var text = r.Header(header);
        if (text is null)
        {
            return absent;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new S3Exception(S3Errors.InvalidArgument, $"Invalid {header} value.") { Details = [new("ArgumentName", header), new("ArgumentValue", text)] };
    }
}
