using System.Globalization;
using System.Text;
using Tessera.Core.Errors;
using Tessera.S3.Gateway;
using Tessera.S3.Xml;

namespace Tessera.S3.Operations;

/// <summary>
/// ListBuckets: <c>GET /</c>. The caller's buckets by name, filtered by <c>prefix</c> and <c>bucket-region</c>, in pages
/// of <c>max-buckets</c> (1 to 10,000; all when absent) continued by an opaque <c>continuation-token</c> (the base64
/// of the last name listed), as S3 pages them.
/// </summary>
internal static class ListBuckets
{
    private const int MaxBuckets = 10_000;

    public static Task HandleAsync(S3Request r)
    {
        var prefix = r.Query("prefix") ?? "";
        var region = r.Query("bucket-region");
        var max = MaxBuckets;
        if (r.Query("max-buckets") is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > MaxBuckets))
        {
            throw new S3Exception(S3Errors.InvalidArgument, "Argument max-buckets must be an integer between 1 and 10000.") { Details = [new("ArgumentName", "max-buckets"), new("ArgumentValue", text)] };
        }

        var after = "";
        if (r.Query("continuation-token") is { Length: > 0 } token)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw new S3Exception(S3Errors.InvalidArgument, "The continuation token provided is incorrect") { Details = [new("ArgumentName", "continuation-token")] };
            }
        }

        var buckets = r.Store.Index.ListBuckets()
            .Where(b => b.Owner == r.User.AccessKey && b.Name.StartsWith(prefix, StringComparison.Ordinal) && (region is null || b.Region == region))
            .Where(b => string.CompareOrdinal(b.Name, after) > 0)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .Take(max + 1)
            .ToList();
        var truncated = buckets.Count > max;
        if (truncated)
        {
            buckets.RemoveAt(buckets.Count - 1);
        }

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
            if (truncated)
            {
                w.WriteElementString("ContinuationToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(buckets[^1].Name)));
            }

            if (r.HasQuery("prefix"))
            {
                w.WriteElementString("Prefix", prefix);
            }

            w.WriteEndElement();
        });
    }
}
