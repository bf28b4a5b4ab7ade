using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>ListBuckets: <c>GET /</c>. The caller's buckets, by name.</summary>
internal static class ListBuckets
{
    public static Task HandleAsync(S3Request r)
    {
        var buckets = r.Store.Index.ListBuckets().Where(b => b.Owner == r.User.AccessKey).ToList();
        return S3Xml.WriteAsync(r.Response, 200, w =>
        {
            w.WriteStartElement("ListAllMyBucketsResult", S3Xml.Namespace);
            w.WriteStartElement("Owner");
            w.WriteElementString("ID", r.User.CanonicalId);
            w.WriteElementString("DisplayName", r.User.DisplayName);
            w.WriteEndElement();
            w.WriteStartElement("Buckets");
            foreach (var b in buckets)
            {
                w.WriteStartElement("Bucket");
                w.WriteElementString("Name", b.Name);
                w.WriteElementString("CreationDate", S3Xml.Timestamp(b.Created));
                w.WriteElementString("BucketRegion", b.Region);
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
        });
    }
}
