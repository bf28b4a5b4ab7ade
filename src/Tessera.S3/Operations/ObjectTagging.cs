using System.Xml.Linq;
using Tessera.Core.Errors;
using Tessera.Index;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// GetObjectTagging, PutObjectTagging and DeleteObjectTagging: <c>/bucket/key?tagging</c>. Tags are metadata of a
/// version; changing them rewrites that version's manifest in place of the old one (the bytes are untouched).
/// </summary>
internal static class ObjectTagging
{
    public static Task GetAsync(S3Request r)
    {
        var manifest = r.RequireObject();
        if (manifest.VersionId != "null")
        {
            r.Response.Headers["x-amz-version-id"] = manifest.VersionId;
        }

        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("Tagging", S3Xml.Namespace);
            w.WriteStartElement("TagSet");
            foreach (var (key, value) in manifest.Tags)
            {
                w.WriteStartElement("Tag");
                w.WriteElementString("Key", key);
                w.WriteElementString("Value", value);
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
        });
    }

    public static async Task PutAsync(S3Request r)
    {
        var manifest = r.RequireObject();
        var root = await RequestBody.ReadXmlAsync(r, 64 * 1024, required: true).ConfigureAwait(false);
        Replace(r, manifest with { Tags = Parse(root!) });
        r.Response.StatusCode = 200;
        r.Response.ContentLength = 0;
    }

    /// <summary>A <c>Tagging</c> document's tags, validated (MalformedXML, InvalidTag).</summary>
    public static List<KeyValuePair<string, string>> Parse(XElement root)
    {
        var tagSet = root.Name.LocalName == "Tagging" ? S3Xml.Children(root, "TagSet").FirstOrDefault() : null;
        if (tagSet is null)
        {
            throw new S3Exception(S3Errors.MalformedXML);
        }

        var tags = S3Xml.Children(tagSet, "Tag")
            .Select(t => new KeyValuePair<string, string>(
                S3Xml.ChildValue(t, "Key") ?? throw new S3Exception(S3Errors.MalformedXML),
                S3Xml.ChildValue(t, "Value") ?? ""))
            .ToList();
        ObjectHeaders.ValidateTags(tags);
        return tags;
    }

    public static Task DeleteAsync(S3Request r)
    {
        var manifest = r.RequireObject();
        Replace(r, manifest with { Tags = [] });
        r.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private static void Replace(S3Request r, ObjectManifest manifest)
    {
        if (!r.Store.Index.ReplaceManifest(r.Bucket, manifest))
        {
            throw r.Error(S3Errors.NoSuchKey);
        }

        if (manifest.VersionId != "null")
        {
            r.Response.Headers["x-amz-version-id"] = manifest.VersionId;
        }
    }
}
