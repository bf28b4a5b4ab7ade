using System.Text;
using Tessera.Core.Errors;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// DeleteObjects: <c>POST /bucket?delete</c> with up to 1,000 keys. Each key succeeds or fails on its own; quiet
/// mode reports only the failures.
/// </summary>
internal static class DeleteObjects
{
    private const int MaxKeys = 1000;

    public static async Task HandleAsync(S3Request r)
    {
        r.RequireOwnedBucket();
        var root = await RequestBody.ReadXmlAsync(r, 2 * 1024 * 1024, required: true, integrityRequired: true).ConfigureAwait(false);
        if (root!.Name.LocalName != "Delete")
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        var quiet = string.Equals(S3Xml.ChildValue(root, "Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var objects = S3Xml.Children(root, "Object")
            .Select(o => (Key: S3Xml.ChildValue(o, "Key"), VersionId: S3Xml.ChildValue(o, "VersionId")))
            .ToList();
        if (objects.Count is 0 or > MaxKeys || objects.Any(o => o.Key is null))
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        var results = new List<(string Key, string? VersionId, S3Error? Error, string? Marker)>();
        foreach (var (key, versionId) in objects)
        {
            if (key!.Length == 0 || Encoding.UTF8.GetByteCount(key) > 1024 || key.Contains('\0', StringComparison.Ordinal))
            {
                results.Add((key, versionId, key.Length == 0 ? S3Errors.InvalidArgument : S3Errors.KeyTooLongError, null));
                continue;
            }

            var result = r.Store.Index.DeleteObject(r.Bucket, key, versionId);
            var marker = result.DeleteMarker?.VersionId ?? (result.Removed is { IsDeleteMarker: true } removed ? removed.VersionId : null);
            results.Add(result.NoSuchBucket ? (key, versionId, S3Errors.NoSuchBucket, null) : (key, versionId, null, marker));
        }

        await S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("DeleteResult", S3Xml.Namespace);
            foreach (var (key, versionId, error, marker) in results)
            {
                if (error is null && quiet)
                {
                    continue;
                }

                w.WriteStartElement(error is null ? "Deleted" : "Error");
                w.WriteElementString("Key", key);
                if (versionId is not null)
                {
                    w.WriteElementString("VersionId", versionId);
                }

                if (error is not null)
                {
                    w.WriteElementString("Code", error.Code);
                    w.WriteElementString("Message", error.Message);
                }
                else if (marker is not null)
                {
                    w.WriteElementString("DeleteMarker", "true");
                    w.WriteElementString("DeleteMarkerVersionId", marker);
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        }).ConfigureAwait(false);
    }
}
